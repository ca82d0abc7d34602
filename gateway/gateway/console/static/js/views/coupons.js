// My coupons: value, a live countdown to expiry, state, and each coupon's ledger on demand.
import { allItems } from "../api.js";
import { busy, h, humanise, problemBox, replace } from "../dom.js";
import { countdown, rupees, timeText } from "../format.js";

const TONE = { active: "good", redeemed: "neutral", expired: "bad", void: "bad" };

export async function render(main) {
  const coupons = await allItems("/me/coupons");
  if (!coupons.length) {
    replace(main, h("h1", {}, "My coupons"), h("p", {}, "No coupons yet. ", h("a", { href: "#/trade-in" }, "Trade in a phone"), " to get one."));
    return;
  }
  replace(main, h("h1", {}, "My coupons"), h("div", { class: "cards" }, coupons.map(couponCard)));
}

function couponCard(coupon) {
  const ledger = h("div", { "aria-live": "polite" });
  const show = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, "Show history");
  show.addEventListener("click", async () => {
    if (show.getAttribute("aria-expanded") === "true") {
      replace(ledger);
      show.setAttribute("aria-expanded", "false");
      show.textContent = "Show history";
      return;
    }
    try {
      const events = await busy(show, () => allItems(`/coupons/${encodeURIComponent(coupon.code)}/events`));
      replace(ledger, ledgerTable(events));
      show.setAttribute("aria-expanded", "true");
      show.textContent = "Hide history";
    } catch (error) {
      replace(ledger, problemBox(error));
    }
  });
  const expiry = coupon.status === "active"
    ? [h("dt", {}, "Expires in"), h("dd", {}, h("strong", { "data-countdown": coupon.expires_at }, countdown(coupon.expires_at)), ` (${timeText(coupon.expires_at)})`)]
    : [h("dt", {}, "Expiry"), h("dd", {}, timeText(coupon.expires_at))];
  const held = coupon.redemption ? [h("dt", {}, "Used on"), h("dd", {}, `order ${coupon.redemption.order_id} (${rupees(coupon.redemption.discount_paise)} off)`)] : [];
  return h("section", { class: "card coupon", "data-coupon-code": coupon.code, "aria-label": `Coupon ${coupon.code}` },
    h("p", { class: "code" }, coupon.code),
    h("p", {}, h("span", { class: "big" }, rupees(coupon.amount_paise)), " ", h("span", { class: `badge ${TONE[coupon.status] || "neutral"}`, "data-status": coupon.status }, humanise(coupon.status))),
    h("dl", { class: "facts" },
      h("dt", {}, "Issued"), h("dd", {}, timeText(coupon.issued_at)),
      expiry, held,
      h("dt", {}, "For"), h("dd", {}, `one new ${coupon.restrictions.brands.join(" or ")} ${coupon.restrictions.categories.join(", ")}`),
      coupon.void_reason ? [h("dt", {}, "Voided"), h("dd", {}, humanise(coupon.void_reason))] : null,
    ),
    h("div", { class: "actions" }, show),
    ledger);
}

function ledgerTable(events) {
  // Two columns so it reads on a phone: when, and what happened with its details and who did it.
  return h("div", { class: "table-wrap" }, h("table", { class: "ledger" },
    h("caption", { class: "muted" }, "Everything that happened to this coupon, oldest first"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "When"), h("th", { scope: "col" }, "What"))),
    h("tbody", {}, events.map((e) => h("tr", {},
      h("td", {}, timeText(e.at)),
      h("td", {}, h("strong", {}, humanise(e.type)), ` by ${e.actor}`, detailOf(e.detail)))))));
}

function shown(key, value) {
  if (key.endsWith("_paise")) return rupees(value);
  if (key.endsWith("_at") && typeof value === "string") return timeText(value);
  return typeof value === "object" ? JSON.stringify(value) : value;
}

function detailOf(detail) {
  if (!detail || typeof detail !== "object" || !Object.keys(detail).length) return null;
  return h("ul", { class: "muted details" },
    Object.entries(detail).map(([key, value]) => h("li", {}, `${humanise(key.replace(/_paise$/, ""))}: ${shown(key, value)}`)));
}
