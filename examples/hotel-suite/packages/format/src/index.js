// Money and date formatting, the same in every browser (no Intl).

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
  'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// formatMoney(12950) === "129.50 EUR"
export function formatMoney(cents, currency = 'EUR') {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const rest = String(abs % 100).padStart(2, '0');
  return `${sign}${Math.floor(abs / 100)}.${rest} ${currency}`;
}

// formatDate("2024-05-17") === "17 May 2024"
export function formatDate(iso) {
  const m = ISO_DATE.exec(iso);
  if (!m) return iso;
  return `${Number(m[3])} ${MONTHS[Number(m[2]) - 1]} ${m[1]}`;
}
