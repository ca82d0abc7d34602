// Trade in an old phone: the IMEI and the condition questions (checked before sending), the quote with every
// deduction and the assured floor when a Smart Upgrade plan gives one, a countdown to its expiry, accepting it,
// and the coupon appearing here as soon as the coupon service has credited it.
import { api, idempotencyKey } from "../api.js";
import { busy, h, humanise, problemBox, replace } from "../dom.js";
import { report, choiceGroup, textField } from "../forms.js";
import { countdown, maskImei, rupees, timeText } from "../format.js";
import { imeiProblem, normaliseImei } from "../imei.js";
import { displayName, modelName } from "./models.js";

const SCREENS = [["flawless", "Flawless"], ["minor_scratches", "Minor scratches"], ["heavy_scratches", "Heavy scratches"], ["cracked", "Cracked"], ["dead_pixels", "Dead pixels"]];
const BODIES = [["flawless", "Flawless"], ["minor_scratches", "Minor scratches"], ["dents", "Dents"], ["cracked", "Cracked"], ["bent", "Bent"]];
const ISSUES = ["camera", "battery", "speaker", "microphone", "buttons", "touch", "wifi", "charging_port", "fingerprint", "face_unlock"];
const ACCESSORIES = [["charger", "Charger"], ["box", "Original box"], ["invoice", "Purchase invoice"]];
const COUPON_WAIT_MS = 120_000;

export async function render(main) {
  const imei = textField({ label: "IMEI of the old phone", name: "imei", inputmode: "numeric", hint: "15 digits: dial *#06# on the phone to see it." });
  const powersOn = choiceGroup({ legend: "Does the phone switch on?", name: "powers_on", options: [["yes", "Yes"], ["no", "No"]] });
  const screen = choiceGroup({ legend: "Screen", name: "screen", options: SCREENS });
  const body = choiceGroup({ legend: "Body", name: "body", options: BODIES });
  const issues = choiceGroup({ legend: "Anything that does not work?", name: "functional_issues", type: "checkbox", options: ISSUES.map((i) => [i, humanise(i)]), hint: "Tick none if everything works." });
  const accessories = choiceGroup({ legend: "What comes with it?", name: "accessories", type: "checkbox", options: ACCESSORIES });
  // Space kept for the line naming the phone, so the questions below do not jump when it appears.
  const identified = h("p", { class: "muted identified", "aria-live": "polite" });
  const outcome = h("div", { id: "quote-outcome" });
  const submit = h("button", { type: "submit", class: "primary" }, "Get my quote");
  const form = h("form", { novalidate: true, "aria-label": "The phone you trade in" },
    h("div", { class: "error-summary-slot" }), imei.wrap, identified, powersOn.wrap, screen.wrap, body.wrap, issues.wrap, accessories.wrap,
    h("div", { class: "actions" }, submit));

  imei.input.addEventListener("change", async () => {
    replace(identified);
    if (imeiProblem(imei.input.value)) return;
    try {
      const device = await api("GET", `/catalog/devices/${normaliseImei(imei.input.value)}`, { anonymous: true });
      replace(identified, `This is a ${displayName(device.model)}.`);
    } catch (error) {
      replace(identified, error.detail || error.title);
    }
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problems = [];
    const wrongImei = imeiProblem(imei.input.value);
    if (wrongImei) problems.push({ field: imei, message: wrongImei });
    for (const [group, question] of [[powersOn, "whether the phone switches on"], [screen, "the screen's condition"], [body, "the body's condition"]]) {
      if (!group.value()) problems.push({ field: group, message: `Answer ${question}.` });
    }
    if (!report(form, problems)) return;
    const asked = {
      imei: normaliseImei(imei.input.value),
      condition: { powers_on: powersOn.value() === "yes", screen: screen.value(), body: body.value(), functional_issues: issues.values(), accessories: accessories.values() },
    };
    replace(outcome);
    try {
      const quote = await busy(submit, () => api("POST", "/quotes", { body: asked }));
      replace(outcome, await quoteCard(quote));
      outcome.querySelector("h2").focus();
    } catch (error) {
      replace(outcome, problemBox(error));
      outcome.firstChild.setAttribute("tabindex", "-1");
      outcome.firstChild.focus();
    }
  });

  replace(main, h("h1", {}, "Trade in a phone"),
    h("p", {}, "Tell us about your old phone. The offer comes from its condition and today's market price; with a Smart Upgrade plan for it, you get at least the assured value."),
    form, outcome);
}

async function quoteCard(quote) {
  const name = await modelName(quote.model_id);
  const deductions = quote.deductions.map((d) => h("tr", {}, h("td", {}, humanise(d.reason)), h("td", { class: "money" }, `−\u00a0${rupees(d.amount_paise)}`)));
  const assured = quote.assured ? h("p", { class: "assured" },
    `Your Smart Upgrade plan assures ${quote.assured.percent}% of the price: ${rupees(quote.assured.amount_paise)}. `,
    quote.assured.amount_paise >= quote.market_offer_paise ? "That is more than the market offer, so you get the assured value." : "The market offer is higher, so you get the market offer.") : null;
  const accept = h("button", { type: "button", class: "primary" }, `Accept ${rupees(quote.amount_paise)} and get my coupon`);
  const progress = h("div", { "aria-live": "polite" });
  const key = idempotencyKey(); // a retried accept is the same accept
  accept.addEventListener("click", async () => {
    try {
      const exchange = await busy(accept, () => api("POST", `/quotes/${encodeURIComponent(quote.id)}/accept`, { idempotency: key }));
      accept.remove();
      await awaitCoupon(progress, exchange);
    } catch (error) {
      replace(progress, problemBox(error));
    }
  });
  return h("section", { class: "card quote", "data-quote-id": quote.id, "aria-labelledby": "quote-title" },
    h("h2", { id: "quote-title", tabindex: "-1" }, `Your offer for the ${name}`),
    h("p", { class: "big", "data-offer": quote.amount_paise }, rupees(quote.amount_paise)),
    h("p", {}, "Offer valid for ", h("strong", { "data-countdown": quote.expires_at }, countdown(quote.expires_at)), ` (until ${timeText(quote.expires_at)}).`),
    h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "muted" }, "How the offer is made"),
      h("tbody", {},
        h("tr", {}, h("th", { scope: "row" }, "Market price in flawless condition"), h("td", { class: "money" }, rupees(quote.market_price_paise))),
        deductions,
        h("tr", {}, h("th", { scope: "row" }, "Market offer"), h("td", { class: "money" }, rupees(quote.market_offer_paise)))))),
    assured,
    h("p", { class: "muted" }, `IMEI ${maskImei(quote.imei)}. Accepting credits an exchange coupon, valid 14 days, for a new Mi or Redmi smartphone. You hand the old phone over when the new one is delivered.`),
    h("div", { class: "actions" }, accept),
    progress);
}

async function awaitCoupon(progress, exchange) {
  replace(progress, h("p", { class: "notice", role: "status" }, "Accepted. Your coupon is being credited…"));
  const started = Date.now();
  let current = exchange;
  while (!current.coupon_code && Date.now() < started + COUPON_WAIT_MS && ["accepted", "coupon_issued"].includes(current.status)) {
    // Twice a second while it usually arrives (well under a second), then every 2 s: one customer, few requests.
    await new Promise((resolve) => setTimeout(resolve, Date.now() - started < 20_000 ? 500 : 2000));
    current = await api("GET", `/exchanges/${encodeURIComponent(exchange.id)}`);
  }
  if (!current.coupon_code) {
    replace(progress, h("p", { class: "notice" }, `Accepted (exchange ${exchange.id}, ${humanise(current.status).toLowerCase()}). The coupon has not arrived yet; it will appear under `, h("a", { href: "#/coupons" }, "My coupons"), "."));
    return;
  }
  const coupons = (await api("GET", "/me/coupons?limit=20")).items;
  const coupon = coupons.find((c) => c.code === current.coupon_code) || { code: current.coupon_code, amount_paise: current.amount_paise, status: "active" };
  replace(progress, h("section", { class: "notice coupon-arrived", role: "status", "aria-labelledby": "coupon-arrived" },
    h("h3", { id: "coupon-arrived" }, "Your exchange coupon has arrived"),
    h("p", { class: "code", "data-coupon-code": coupon.code }, coupon.code),
    h("p", {}, h("strong", {}, rupees(coupon.amount_paise)), " off a new Mi or Redmi smartphone.",
      coupon.expires_at ? [" Expires in ", h("strong", { "data-countdown": coupon.expires_at }, countdown(coupon.expires_at)), "."] : null),
    h("p", {}, h("a", { href: "#/coupons" }, "See it in My coupons"))));
}
