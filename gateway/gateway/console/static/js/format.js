// Money is integer paise from the API, shown as rupees; business dates are Asia/Kolkata calendar dates.
const RUPEES = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", maximumFractionDigits: 0 });
const RUPEES_PAISE = new Intl.NumberFormat("en-IN", { style: "currency", currency: "INR", minimumFractionDigits: 2 });
const DAY = 86_400_000;

export function rupees(paise) {
  if (paise === null || paise === undefined) return "—";
  return paise % 100 === 0 ? RUPEES.format(paise / 100) : RUPEES_PAISE.format(paise / 100);
}

// "1234.5" → 123450; null when it is not an amount of rupees with at most two decimals.
export function paiseOf(text) {
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(String(text).replace(/,/g, ""));
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] || "0").padEnd(2, "0"));
}

export function todayInKolkata(now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

// Days since 1970-01-01 of a YYYY-MM-DD calendar date (no time zone involved).
export function dayNumber(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return Date.UTC(y, m - 1, d) / DAY;
}

export function addDays(isoDate, days) {
  return new Date((dayNumber(isoDate) + days) * DAY).toISOString().slice(0, 10);
}

export function dateText(isoDate) {
  if (!isoDate) return "—";
  return new Date(dayNumber(isoDate) * DAY).toLocaleDateString("en-IN", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

export function monthText(isoDate) {
  return new Date(dayNumber(isoDate) * DAY).toLocaleDateString("en-IN", { month: "short", year: "2-digit", timeZone: "UTC" });
}

export function timeText(timestamp) {
  return new Date(timestamp).toLocaleString("en-IN", { timeZone: "Asia/Kolkata", dateStyle: "medium", timeStyle: "short" }) + " IST";
}

export function countdown(until, now = Date.now()) {
  const left = Math.floor((new Date(until).getTime() - now) / 1000);
  if (left <= 0) return "expired";
  const days = Math.floor(left / 86400);
  const hours = Math.floor((left % 86400) / 3600);
  const minutes = Math.floor((left % 3600) / 60);
  const seconds = left % 60;
  const two = (n) => String(n).padStart(2, "0");
  return `${days ? `${days} d ` : ""}${two(hours)} h ${two(minutes)} min ${two(seconds)} s`;
}

export function maskImei(imei) {
  return imei ? `•••• ${imei.slice(-4)}` : "—";
}
