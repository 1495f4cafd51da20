import { createRegistry, registerAll } from './registry.js';

/**
 * The application object of a product.
 *
 *   const app = createApp({product: 'commander', root, handlers: [init, checkIn]});
 *   app.start();                        // runs init(app)
 *   app.dispatch('checkIn', {room: 12}) // runs checkIn(app, {room: 12})
 *
 * handlers is a list of named functions, or an object {init, checkIn};
 * each is registered under its function's name. Every product has an
 * "init" handler; it renders the first screen.
 */
export function createApp({ product, root, handlers }) {
  const registry = createRegistry();
  registerAll(registry, handlers);

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
