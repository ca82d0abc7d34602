// Ops: the IMEI blocklist (add, lift), the built-in engine's market prices, and catalog SRPs. There is no API
// to list the blocklist, so the page keeps what was done in this session beside the forms.
import { allItems, api, idempotencyKey } from "../api.js";
import { busy, h, problemBox, replace, uid } from "../dom.js";
import { report, textField } from "../forms.js";
import { dateText, paiseOf, rupees, timeText, todayInKolkata } from "../format.js";
import { imeiProblem, normaliseImei } from "../imei.js";
import { displayName } from "./models.js";

const done = [];

function actionForm({ title, fields, button, check, send, describe, tone = "primary" }) {
  const outcome = h("div", { "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: tone }, button);
  const form = h("form", { novalidate: true, "aria-label": title },
    h("h2", {}, title), h("div", { class: "error-summary-slot" }), fields.map((f) => f.wrap), h("div", { class: "actions" }, submit), outcome);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!report(form, check())) return;
    replace(outcome);
    try {
      const answer = await busy(submit, send);
      replace(outcome, h("p", { class: "notice", role: "status" }, describe(answer)));
    } catch (error) {
      replace(outcome, problemBox(error));
    }
  });
  return h("section", { class: "card" }, form);
}

function imeiField(label) {
  return textField({ label, name: "imei", inputmode: "numeric", hint: "15 digits with its check digit." });
}

function imeiChecks(field) {
  const wrong = imeiProblem(field.input.value);
  return wrong ? [{ field, message: wrong }] : [];
}

export async function blocklist(main) {
  const history = h("ul", { class: "session-log" });
  const remember = (text) => {
    done.unshift(`${new Date().toLocaleTimeString("en-IN", { timeZone: "Asia/Kolkata" })} IST: ${text}`);
    replace(history, done.map((line) => h("li", {}, line)));
    return text;
  };
  const addImei = imeiField("IMEI to block");
  const reason = textField({ label: "Reason", name: "reason", hint: "For example: reported stolen, FIR 1234/2026." });
  const add = actionForm({
    title: "Block a lost or stolen phone", fields: [addImei, reason], button: "Block IMEI", tone: "danger",
    check: () => [...imeiChecks(addImei), ...(reason.input.value.trim() ? [] : [{ field: reason, message: "Give the reason for the block." }])],
    send: () => api("POST", "/blocklist", { body: { imei: normaliseImei(addImei.input.value), reason: reason.input.value.trim() } }),
    describe: (entry) => remember(`Blocked ${entry.imei} (${entry.reason}) by ${entry.added_by} at ${timeText(entry.added_at)}. Quotes for it are now refused.`),
  });
  const liftImei = imeiField("IMEI to lift");
  const lift = actionForm({
    title: "Lift a block", fields: [liftImei], button: "Lift block",
    check: () => imeiChecks(liftImei),
    send: () => api("DELETE", `/blocklist/${normaliseImei(liftImei.input.value)}`),
    describe: () => remember(`Lifted the block on ${normaliseImei(liftImei.input.value)}. The phone can be quoted again.`),
  });
  replace(main, h("h1", {}, "IMEI blocklist"), h("div", { class: "cards two" }, add, lift),
    h("section", { class: "card" }, h("h2", {}, "Done in this session"), history));
  replace(history, done.map((line) => h("li", {}, line)));
}

async function modelPicker(program) {
  const models = await allItems(`/catalog/models${program ? `?program=${program}` : ""}`);
  const listId = uid("models");
  const field = textField({ label: "Model id", name: "model_id", hint: "Start typing a name or id; the list offers every model." });
  field.input.setAttribute("list", listId);
  field.wrap.append(h("datalist", { id: listId }, models.map((m) => h("option", { value: m.id }, displayName(m)))));
  const known = new Set(models.map((m) => m.id));
  const check = () => (known.has(field.input.value.trim()) ? [] : [{ field, message: "Choose a model from the list." }]);
  return { field, check, id: () => field.input.value.trim() };
}

function moneyField(label) {
  return textField({ label, name: "rupees", inputmode: "decimal", hint: "In rupees, for example 12999 or 12999.50." });
}

function moneyChecks(field) {
  const paise = paiseOf(field.input.value);
  return paise && paise > 0 ? [] : [{ field, message: "Enter an amount in rupees greater than zero, with at most two decimals." }];
}

export async function marketPrices(main) {
  const model = await modelPicker("exchange");
  const lookup = actionForm({
    title: "Look up a market price", fields: [model.field], button: "Look up", tone: "secondary", check: model.check,
    send: () => api("GET", `/market-prices/${encodeURIComponent(model.id())}`),
    describe: (price) => `${price.model_id}: ${rupees(price.price_paise)} in flawless condition, set by ${price.updated_by} at ${timeText(price.updated_at)}.`,
  });
  const other = await modelPicker("exchange");
  const price = moneyField("Market price, flawless condition");
  const set = actionForm({
    title: "Set a market price", fields: [other.field, price], button: "Save price",
    check: () => [...other.check(), ...moneyChecks(price)],
    send: () => api("PUT", `/market-prices/${encodeURIComponent(other.id())}`, { body: { price_paise: paiseOf(price.input.value) } }),
    describe: (saved) => `${saved.model_id} is now ${rupees(saved.price_paise)}; new quotes use it.`,
  });
  replace(main, h("h1", {}, "Market prices"), h("p", {}, "The built-in pricing engine's price of each exchange-eligible model in flawless condition."),
    h("div", { class: "cards two" }, lookup, set));
}

export async function catalogPrices(main) {
  const model = await modelPicker(null);
  const history = h("div", { "aria-live": "polite" });
  const show = async () => {
    const found = await api("GET", `/catalog/models/${encodeURIComponent(model.id())}`, { anonymous: true });
    replace(history, h("h3", {}, `${displayName(found)}: ${rupees(found.srp_paise)} today`), h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "muted" }, "SRP history"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "From"), h("th", { scope: "col", class: "money" }, "SRP"))),
      h("tbody", {}, found.srp_history.map((p) => h("tr", {}, h("td", {}, dateText(p.effective_from)), h("td", { class: "money" }, rupees(p.srp_paise))))))));
    return found;
  };
  const lookup = actionForm({
    title: "A model's SRP", fields: [model.field], button: "Show prices", tone: "secondary", check: model.check, send: show,
    describe: (found) => `${found.id}: ${found.srp_history.length} price(s) on record.`,
  });
  const other = await modelPicker(null);
  const from = textField({ label: "Effective from", name: "effective_from", type: "date", value: todayInKolkata() });
  const srp = moneyField("New SRP");
  const key = { value: idempotencyKey(), body: "" };
  const add = actionForm({
    title: "Add an SRP", fields: [other.field, from, srp], button: "Add price",
    check: () => [...other.check(), ...(/^\d{4}-\d{2}-\d{2}$/.test(from.input.value) ? [] : [{ field: from, message: "Enter the date the price applies from." }]), ...moneyChecks(srp)],
    send: () => {
      const body = { effective_from: from.input.value, srp_paise: paiseOf(srp.input.value) };
      // The same price sent twice (a double click, a retry) is one price; a different one gets a new key.
      if (JSON.stringify(body) + other.id() !== key.body) Object.assign(key, { value: idempotencyKey(), body: JSON.stringify(body) + other.id() });
      return api("POST", `/catalog/models/${encodeURIComponent(other.id())}/prices`, { body, idempotency: key.value });
    },
    describe: (saved) => `${saved.id ?? other.id()}: ${rupees(paiseOf(srp.input.value))} from ${dateText(from.input.value)} recorded.`,
  });
  replace(main, h("h1", {}, "Catalog prices"), h("p", {}, "Suggested retail prices (SRP) by date. A Smart Upgrade plan freezes the SRP in effect on its invoice date."),
    h("div", { class: "cards two" }, lookup, add), history);
}
