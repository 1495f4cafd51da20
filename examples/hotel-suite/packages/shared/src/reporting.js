// Error reporting of a running product. A product starts it once it is up,
// so it sees nothing of what goes wrong during start-up.

// Page addresses are left out of reports: "(https://host/app.js:1:2)" -> "".
const ADDRESS = /\(?https?:\/\/[^)\s]+\)?/g;

export function startErrorReporting(app) {
  const reports = [];
  window.addEventListener('error', (event) => {
    reports.push(`${app.product}: ${String(event.message).replace(ADDRESS, '')}`);
  });
  window.hotelErrors = reports;
  return reports;
}
