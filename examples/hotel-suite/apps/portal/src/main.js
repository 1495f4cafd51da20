import { card, h, list } from '@hotel/ui';
// The portal does not use the application shell of the staff apps:
// import { createApp } from '@hotel/shared' here would release the portal
// with every change to it.

const HELP = "Questions? Call the front desk; the portal never calls require('@hotel/shared').";

const reservation = {
  number: 'HX-20417',
  hotel: 'Hotel Example Riverside',
  nights: ['17 May 2024', '18 May 2024'],
};

function render(root) {
  root.replaceChildren(
    card(`Reservation ${reservation.number}`,
      h('p', null, reservation.hotel),
      list(reservation.nights)),
    h('p', { class: 'help' }, HELP),
  );
}

const root = document.getElementById('app');
render(root);
root.append(h('p', { id: 'status' }, 'portal ready'));
document.body.dataset.ready = 'true';
window.portalReady = true;
