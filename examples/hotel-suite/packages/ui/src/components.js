import { h } from './dom.js';

export function card(title, ...body) {
  return h('section', { class: 'card' }, h('h2', null, title), ...body);
}

export function list(items) {
  return h('ul', null, ...items.map((item) => h('li', null, item)));
}
