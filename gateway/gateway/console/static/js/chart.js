// The buyback schedule as a step chart, hand-drawn SVG: the assured amount over time from the purchase to the
// lapse, today marked, the next change pointed at. The table beside it carries the same figures as text.
import { dateText, dayNumber, monthText, rupees } from "./format.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 360;
const HEIGHT = 210;
const PAD = { left: 8, right: 8, top: 28, bottom: 36 };

function svg(tag, attrs = {}, text) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export function scheduleChart({ purchaseDate, schedule, lapsesOn, today, nextChangeOn, label }) {
  const start = dayNumber(purchaseDate);
  const end = Math.max(dayNumber(lapsesOn) + 30, dayNumber(today) + 1);
  const top = Math.max(...schedule.map((w) => w.amount_paise), 1);
  const x = (day) => PAD.left + ((day - start) / (end - start)) * (WIDTH - PAD.left - PAD.right);
  const y = (amount) => HEIGHT - PAD.bottom - (amount / top) * (HEIGHT - PAD.top - PAD.bottom);
  const base = y(0);

  const points = [[x(start), base]];
  for (const window of schedule) {
    const from = x(dayNumber(window.starts_on));
    points.push([from, points[points.length - 1][1]], [from, y(window.amount_paise)]);
  }
  const lapse = x(dayNumber(lapsesOn));
  points.push([lapse, points[points.length - 1][1]], [lapse, base], [x(end), base]);
  const line = points.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join(" ");

  const titleId = `chart-title-${Math.random().toString(36).slice(2)}`;
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-labelledby": titleId });
  const summary = schedule.map((w) => `${w.percent}% (${rupees(w.amount_paise)}) from ${dateText(w.starts_on)} to ${dateText(w.ends_on)}`).join("; ");
  chart.append(svg("title", { id: titleId }, `${label}: ${summary}; lapses on ${dateText(lapsesOn)}. Today is ${dateText(today)}.`));
  chart.append(svg("path", { d: `${line} L${x(end).toFixed(1)},${base} L${x(start)},${base} Z`, class: "area" }));
  chart.append(svg("line", { x1: PAD.left, y1: base, x2: WIDTH - PAD.right, y2: base, class: "axis" }));
  chart.append(svg("path", { d: line, class: "step" }));

  for (const window of schedule) {
    const from = x(dayNumber(window.starts_on));
    const to = x(dayNumber(window.ends_on) + 1);
    chart.append(svg("text", { x: ((from + to) / 2).toFixed(1), y: (y(window.amount_paise) - 6).toFixed(1), "text-anchor": "middle" }, `${window.percent}%`));
    chart.append(svg("text", { x: from.toFixed(1), y: base + 14, "text-anchor": "middle" }, monthText(window.starts_on)));
  }
  chart.append(svg("text", { x: lapse.toFixed(1), y: base + 28, "text-anchor": "middle" }, "lapses"));

  const now = x(Math.min(Math.max(dayNumber(today), start), end));
  chart.append(svg("line", { x1: now, y1: PAD.top - 14, x2: now, y2: base, class: "today" }));
  const anchor = now > WIDTH * 0.8 ? "end" : now < WIDTH * 0.2 ? "start" : "middle";
  chart.append(svg("text", { x: now, y: PAD.top - 18, "text-anchor": anchor, class: "today-label" }, "Today"));
  if (nextChangeOn) {
    const window = schedule.find((w) => w.starts_on === nextChangeOn);
    chart.append(svg("circle", { cx: x(dayNumber(nextChangeOn)), cy: window ? y(window.amount_paise) : base, r: 4.5, class: "next" }));
  }
  return chart;
}
