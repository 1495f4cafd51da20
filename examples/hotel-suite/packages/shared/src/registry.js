// A registry of event handlers: one function per event name.

export function createRegistry() {
  const handlers = new Map();
  return {
    register(event, handler) {
      if (typeof handler !== 'function') {
        throw new TypeError(`handler for "${event}" is not a function`);
      }
      handlers.set(event, handler);
    },
    get(event) {
      return handlers.get(event);
    },
    events() {
      return [...handlers.keys()];
    },
  };
}
