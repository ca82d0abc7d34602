// Ops: each service's event flow, read only — the outbox backlog, its consumer's lag and the dead letters waiting.
// Replaying or discarding a dead letter stays with the event-flow tools (`make ops`) for now.
import { api } from "../api.js";
import { h, problemBox, replace } from "../dom.js";
import { timeText } from "../format.js";

const SERVICES = ["catalog", "enrolment", "valuation", "coupon", "notification"];

export async function render(main) {
  const cards = SERVICES.map((service) => h("section", { class: "card", "data-service": service, "aria-labelledby": `flow-${service}` },
    h("h2", { id: `flow-${service}` }, service), h("p", { class: "loading" }, "Loading…")));
  replace(main, h("h1", {}, "Event flow"),
    h("p", {}, "What each service still has to publish, how far its consumer is behind, and the events parked in its dead-letter queue."),
    h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => render(main) }, "Refresh")),
    h("div", { class: "cards two" }, cards));
  await Promise.all(SERVICES.map((service, i) => fill(cards[i], service)));
}

async function fill(card, service) {
  const base = `/ops/${service}`;
  try {
    const [outbox, lag] = await Promise.all([api("GET", `${base}/outbox`), api("GET", `${base}/consumers`)]);
    // A service that consumes nothing (the catalog) parks nothing: it has no dead-letter queue to ask for.
    const dlq = lag.consumer ? await api("GET", `${base}/dlq?limit=20`) : { pending: null, items: [] };
    replace(card, h("h2", { id: `flow-${service}` }, service),
      h("dl", { class: "facts" },
        h("dt", {}, "Outbox"), h("dd", { "data-outbox-pending": outbox.pending }, `${outbox.pending} to publish`,
          outbox.pending ? ` (oldest ${Math.round(outbox.oldest_pending_age_seconds)} s)` : "", `; ${outbox.retained} kept for replay`),
        h("dt", {}, "Consumer lag"), h("dd", {}, lag.consumer ? `${lag.total_lag} events behind` : "no consumer"),
        h("dt", {}, "Dead letters"), h("dd", { "data-dlq-pending": dlq.pending ?? "none" }, lag.consumer ? `${dlq.pending} waiting` : "none (consumes no events)")),
      dlq.items.length ? deadLetters(dlq.items) : null);
  } catch (error) {
    replace(card, h("h2", { id: `flow-${service}` }, service), problemBox(error));
  }
}

function deadLetters(items) {
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "muted" }, "Dead letters, oldest first"),
    h("thead", {}, h("tr", {}, ["Id", "Event", "Error", "Last failed", "State"].map((name) => h("th", { scope: "col" }, name)))),
    h("tbody", {}, items.map((d) => h("tr", {},
      h("td", {}, String(d.id)), h("td", {}, `${d.event_type || "unreadable"} from ${d.topic}`), h("td", {}, d.error.slice(0, 200)),
      h("td", {}, timeText(d.last_failed_at)), h("td", {}, d.status))))));
}
