import { createApp, startErrorReporting } from '@hotel/shared';
import { book, init, search } from './handlers.js';
/* import "@hotel/ui/theme.css" would bring the staff theme; the engine has its own. */

const app = createApp({
  product: 'distributor',
  root: document.getElementById('app'),
  handlers: { init, search, book },
});
app.start();
startErrorReporting(app);

const status = document.createElement('p');
status.id = 'status';
status.textContent = 'distributor ready';
app.root.append(status);
document.body.dataset.ready = 'true';
window.distributorReady = true;
