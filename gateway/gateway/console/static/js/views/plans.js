// My Smart Upgrade plans: today's assured value, the whole schedule as a step chart and a table, the next change,
// and cancelling within the 14 days after the sale.
import { api, allItems, idempotencyKey } from "../api.js";
import { busy, h, humanise, problemBox, replace } from "../dom.js";
import { scheduleChart } from "../chart.js";
import { addDays, dateText, maskImei, rupees, todayInKolkata } from "../format.js";
import { modelName } from "./models.js";

const CANCEL_DAYS = 14;

export async function render(main) {
  const plans = await allItems("/me/plans");
  if (!plans.length) {
    replace(main, h("h1", {}, "My Smart Upgrade plans"),
      h("p", {}, "You have no Smart Upgrade plan yet. A plan is bought with a new Mi or Redmi phone at a Mi Home, Mi Studio or partner store."));
    return;
  }
  const cards = await Promise.all(plans.map(planCard));
  replace(main, h("h1", {}, "My Smart Upgrade plans"), h("div", { class: "cards" }, cards));
}

async function planCard(plan) {
  const [name, value] = await Promise.all([modelName(plan.model_id), api("GET", `/plans/${encodeURIComponent(plan.id)}/buyback-value`)]);
  const card = h("section", { class: "card plan", "data-plan-id": plan.id, "aria-labelledby": `plan-${plan.id}` });
  draw(card, plan, name, value);
  return card;
}

function draw(card, plan, name, value) {
  const today = value.on || todayInKolkata();
  const cancelSlot = h("div", { "aria-live": "polite" });
  replace(card,
    h("h2", { id: `plan-${plan.id}` }, name, " ", h("span", { class: `badge ${plan.status === "active" ? "good" : "neutral"}` }, humanise(plan.status))),
    h("dl", { class: "facts" },
      h("dt", {}, "Phone"), h("dd", {}, `IMEI ${maskImei(plan.imei)}`),
      h("dt", {}, "Bought"), h("dd", {}, `${dateText(plan.invoice_date)} (invoice ${plan.invoice_number})`),
      h("dt", {}, "Price (SRP)"), h("dd", {}, rupees(plan.srp_paise)),
      h("dt", {}, "Add-on fee"), h("dd", {}, rupees(plan.fee_paise)),
    ),
    valueToday(plan, value),
    scheduleChart({
      purchaseDate: plan.invoice_date, schedule: plan.schedule, lapsesOn: plan.lapses_on, today,
      nextChangeOn: value.next_change_on, label: `Assured buyback value of your ${name}`,
    }),
    scheduleTable(plan, value),
    cancelSlot,
  );
  offerCancel(cancelSlot, card, plan, name, today);
}

function valueToday(plan, value) {
  const next = value.next_change_on ? nextChange(plan, value) : null;
  let now;
  if (value.status === "available") now = [h("span", { class: "big" }, rupees(value.amount_paise)), ` assured today (${value.percent}% of the price)`];
  else if (value.status === "not_yet") now = ["Not available yet: the assured value starts on ", h("strong", {}, dateText(plan.schedule[0].starts_on)), "."];
  else if (value.status === "lapsed") now = [`The assured value lapsed on ${dateText(plan.lapses_on)}.`];
  else now = [`No assured value: the plan is ${humanise(value.status).toLowerCase()}.`];
  return h("div", { class: "today-value" }, h("h3", {}, "Today"), h("p", { "data-buyback-status": value.status }, now), next);
}

function nextChange(plan, value) {
  const window = plan.schedule.find((w) => w.starts_on === value.next_change_on);
  const text = window ? `becomes ${rupees(window.amount_paise)} (${window.percent}%)` : "lapses (no assured value after it)";
  return h("p", { class: "next-drop" }, "Next change: on ", h("strong", {}, dateText(value.next_change_on)), ` the assured value ${text}.`);
}

function scheduleTable(plan, value) {
  const rows = plan.schedule.map((w) => h("tr", { class: value.window?.starts_on === w.starts_on ? "current" : null },
    h("td", {}, `${dateText(w.starts_on)} – ${dateText(w.ends_on)}`), h("td", {}, `${w.percent}%`), h("td", { class: "money" }, rupees(w.amount_paise))));
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "muted" }, `Schedule: lapses on ${dateText(plan.lapses_on)}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Months"), h("th", { scope: "col" }, "Share"), h("th", { scope: "col", class: "money" }, "Assured value"))),
    h("tbody", {}, rows)));
}

function offerCancel(slot, card, plan, name, today) {
  const lastDay = addDays(todayInKolkata(new Date(plan.purchased_at)), CANCEL_DAYS); // the sale's business date
  if (plan.status !== "active" || today > lastDay) return;
  const key = idempotencyKey(); // one cancel, however often the button is pressed or the network retried
  const ask = h("button", { type: "button", class: "danger" }, `Cancel plan (refund ${rupees(plan.fee_paise)})`);
  ask.addEventListener("click", () => {
    const confirm = h("button", { type: "button", class: "danger" }, "Yes, cancel the plan");
    const keep = h("button", { type: "button", class: "secondary" }, "Keep the plan");
    keep.addEventListener("click", () => offerCancel(replace(slot), card, plan, name, today));
    confirm.addEventListener("click", async () => {
      try {
        const cancelled = await busy(confirm, () => api("POST", `/plans/${encodeURIComponent(plan.id)}/cancel`, { idempotency: key }));
        const value = await api("GET", `/plans/${encodeURIComponent(plan.id)}/buyback-value`);
        draw(card, cancelled, name, value);
        card.append(h("p", { class: "notice", role: "status" }, `Plan cancelled. ${rupees(cancelled.refund_paise)} will be refunded.`));
      } catch (error) {
        slot.append(problemBox(error));
      }
    });
    replace(slot, h("p", {}, `You can cancel until ${dateText(lastDay)}. The add-on fee is refunded in full and the assured value ends.`), h("div", { class: "actions" }, confirm, keep));
    confirm.focus();
  });
  replace(slot, h("div", { class: "actions" }, ask));
}
