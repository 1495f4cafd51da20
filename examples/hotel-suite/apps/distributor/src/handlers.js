import { formatMoney } from '@hotel/shared';
import { ROOMS, quote } from './rates.js';
// import { card } from "@hotel/ui";  -- not here: the booking engine stays free
// of the staff UI kit, its page must load fast on the hotels' sites.

const FOOTER = "Hotels embed this page with an iframe, not with require('@hotel/ui').";

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function init(app) {
  search(app, { nights: 2 });
}

export function search(app, { nights }) {
  const rows = ROOMS.map((room) =>
    `<li>${escape(room.name)}: ${formatMoney(quote(room, nights))} for ${nights} nights</li>`);
  app.root.innerHTML = `<h1>Book your stay</h1><ul>${rows.join('')}</ul><small>${escape(FOOTER)}</small>`;
}

export function book(app, { room, nights }) {
  const found = ROOMS.find((r) => r.id === room);
  app.root.innerHTML = `<p>Booked: ${escape(found.name)}, ${formatMoney(quote(found, nights))}</p>`;
}
