// h('p', {class: 'note'}, 'text', otherNode) creates an element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    el.setAttribute(name, value);
  }
  for (const child of children) {
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}
