import { formatDate } from '@hotel/shared';
import { card, h, list } from '@hotel/ui';

const ARRIVALS = [
  { room: 12, guest: 'A. Moreau', date: '2024-05-17' },
  { room: 31, guest: 'K. Tanaka', date: '2024-05-17' },
];

export function init(app) {
  const rows = ARRIVALS.map((a) => `Room ${a.room}: ${a.guest}, ${formatDate(a.date)}`);
  app.root.replaceChildren(card('Arrivals today', list(rows)));
}

export function checkIn(app, { room }) {
  app.root.append(h('p', { class: 'event' }, `Room ${room} checked in`));
}
