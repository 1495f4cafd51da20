// Unit tests of the booking engine. They run the source as it is written,
// not the minified bundle that guests load.
import assert from 'node:assert/strict';
import test from 'node:test';
import { createApp } from '@hotel/shared';
import { book, init, search } from '../src/handlers.js';
import { ROOMS, quote } from '../src/rates.js';

test('quote multiplies the nightly rate', () => {
  assert.equal(quote(ROOMS[0], 3), 3 * 12950);
  assert.throws(() => quote(ROOMS[0], 0), RangeError);
});

test('the app starts and lists every room', () => {
  const root = { dataset: {}, innerHTML: '' };
  createApp({ product: 'distributor', root, handlers: { init, search, book } }).start();
  assert.equal(root.dataset.product, 'distributor');
  assert.match(root.innerHTML, /Junior suite: 490\.00 EUR for 2 nights/);
});
