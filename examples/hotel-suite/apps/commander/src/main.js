import { createApp } from '@hotel/shared';
import { h } from '@hotel/ui';
import { checkIn, init } from './handlers.js';

const app = createApp({
  product: 'commander',
  root: document.getElementById('app'),
  handlers: { init, checkIn },
});
app.start();

app.root.append(h('p', { id: 'status' }, 'commander ready'));
document.body.dataset.ready = 'true';
window.commanderReady = true;
