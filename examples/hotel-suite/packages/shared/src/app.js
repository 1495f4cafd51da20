import { createRegistry } from './registry.js';

/**
 * The application object of a product.
 *
 *   const app = createApp({product: 'commander', root, handlers: {init, checkIn}});
 *   app.start();                        // runs handlers.init(app)
 *   app.dispatch('checkIn', {room: 12}) // runs handlers.checkIn(app, {room: 12})
 *
 * Every product has an "init" handler; it renders the first screen.
 */
export function createApp({ product, root, handlers }) {
  const registry = createRegistry();
  for (const [event, handler] of Object.entries(handlers)) {
    registry.register(event, handler);
  }

  const app = {
    product,
    root,
    dispatch(event, payload) {
      return registry.get(event)(app, payload);
    },
    start() {
      app.dispatch('init');
      root.dataset.product = product;
      return app;
    },
  };
  return app;
}
