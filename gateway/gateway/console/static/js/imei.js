// The IMEI checks a front end can make before sending: 15 digits whose last is the Luhn check digit.
export function normaliseImei(text) {
  return String(text).replace(/[\s-]/g, "");
}

export function imeiProblem(text) {
  const imei = normaliseImei(text);
  if (!imei) return "Enter the phone's IMEI (dial *#06# on the phone to see it).";
  if (!/^\d{15}$/.test(imei)) return "An IMEI is 15 digits.";
  let sum = 0;
  for (let i = 0; i < 15; i += 1) {
    let digit = Number(imei[i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0 ? null : "This IMEI's check digit does not match: check the number shown by *#06#.";
}
