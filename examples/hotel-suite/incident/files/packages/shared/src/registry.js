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

/**
 * Registers each handler under its function's name, so that a product can
 * pass a plain list: registerAll(registry, [init, openShift, closeShift]).
 * An object such as {init, checkIn} registers the same names as before,
 * since a shorthand property is named after its function.
 */
export function registerAll(registry, handlers) {
  const list = Array.isArray(handlers) ? handlers : Object.values(handlers);
  for (const handler of list) {
    registry.register(handler.name, handler);
  }
}
