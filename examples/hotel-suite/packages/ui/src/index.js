export { h } from './dom.js';
export { card, list } from './components.js';
