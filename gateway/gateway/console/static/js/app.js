// The console: a hash router over a few views, the signed-in person's menu, one ticking clock for every
// countdown, and one place where any failure is shown as the problem it is (never a blank page).
import { ApiError } from "./api.js";
import { h, problemBox, replace } from "./dom.js";
import { countdown } from "./format.js";
import { session } from "./session.js";
import * as coupons from "./views/coupons.js";
import * as eventFlow from "./views/event_flow.js";
import * as ops from "./views/ops.js";
import * as plans from "./views/plans.js";
import * as signIn from "./views/sign_in.js";
import * as tradeIn from "./views/trade_in.js";

const ROUTES = {
  "/sign-in": { view: signIn.render, title: "Sign in", who: "anyone" },
  "/plans": { view: plans.render, title: "My plans", who: "customer", nav: "My plans" },
  "/trade-in": { view: tradeIn.render, title: "Trade in a phone", who: "customer", nav: "Trade in" },
  "/coupons": { view: coupons.render, title: "My coupons", who: "customer", nav: "My coupons" },
  "/ops/blocklist": { view: ops.blocklist, title: "IMEI blocklist", who: "ops", nav: "Blocklist" },
  "/ops/market-prices": { view: ops.marketPrices, title: "Market prices", who: "ops", nav: "Market prices" },
  "/ops/catalog-prices": { view: ops.catalogPrices, title: "Catalog prices", who: "ops", nav: "Catalog prices" },
  "/ops/event-flow": { view: eventFlow.render, title: "Event flow", who: "ops", nav: "Event flow" },
};

const main = document.getElementById("main");
const alertSlot = document.getElementById("alert");

export function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

export function showProblem(error) {
  if (error instanceof ApiError && error.status === 401) {
    session.end();
    drawMenu();
    replace(alertSlot, problemBox(error), h("p", {}, h("a", { href: "#/sign-in" }, "Sign in again")));
    return;
  }
  const known = error instanceof ApiError ? error : new ApiError(0, { title: "The console hit an error", detail: String(error?.message || error) });
  replace(alertSlot, problemBox(known));
}

function homeOf(signedIn) {
  if (!signedIn) return "/sign-in";
  return signedIn.ops ? "/ops/blocklist" : "/plans";
}

function drawMenu() {
  const signedIn = session.get();
  const current = location.hash.slice(1);
  const links = Object.entries(ROUTES)
    .filter(([, route]) => route.nav && signedIn && route.who === (signedIn.ops ? "ops" : "customer"))
    .map(([path, route]) => h("li", {}, h("a", { href: `#${path}`, "aria-current": current === path ? "page" : null }, route.nav)));
  replace(document.getElementById("nav"), links);
  const who = document.getElementById("who");
  if (!signedIn) {
    replace(who);
    return;
  }
  replace(who,
    h("span", {}, `${signedIn.ops ? "Ops" : "Customer"}: `, h("strong", {}, signedIn.account)),
    h("button", { type: "button", class: "secondary", onclick: () => { session.end(); go("/sign-in"); } }, "Sign out"),
  );
}

async function render() {
  const hash = location.hash;
  if (hash && !hash.startsWith("#/") && main.dataset.ready) return; // an in-page link such as "Skip to content"
  main.dataset.ready = "yes";
  const signedIn = session.get();
  let path = hash.slice(1);
  const route = ROUTES[path];
  if (!route || (route.who !== "anyone" && !signedIn)) path = homeOf(signedIn);
  else if (route.who === "ops" && !signedIn.ops) path = homeOf(signedIn);
  else if (route.who === "customer" && signedIn.ops) path = homeOf(signedIn);
  if (`#${path}` !== hash) {
    location.replace(`#${path}`);
    return;
  }
  drawMenu();
  replace(alertSlot);
  replace(main, h("p", { class: "loading" }, "Loading…"));
  document.title = `${ROUTES[path].title} · Smart Upgrade & Exchange console`;
  try {
    await ROUTES[path].view(main, { go, showProblem, session: signedIn });
  } catch (error) {
    replace(main, h("h1", {}, ROUTES[path].title));
    showProblem(error);
  }
  // After a navigation a screen reader starts at the new content; on the first load the page starts at its top.
  if (main.dataset.drawn) main.focus();
  main.dataset.drawn = "yes";
}

function tick() {
  for (const element of document.querySelectorAll("[data-countdown]")) {
    const left = countdown(element.dataset.countdown);
    if (element.textContent !== left) element.textContent = left;
  }
}

window.addEventListener("hashchange", render);
window.addEventListener("unhandledrejection", (event) => showProblem(event.reason));
window.addEventListener("error", (event) => showProblem(event.error || event.message));
setInterval(tick, 1000);
render();
