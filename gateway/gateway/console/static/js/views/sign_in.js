// Sign in: on the embedded default, the gateway's development sign-in mints a token for any account; anywhere
// else (production) the person pastes a bearer token from the company's account service.
import { ApiError, api } from "../api.js";
import { busy, h, problemBox, replace } from "../dom.js";
import { choiceGroup, report, textField } from "../forms.js";
import { session } from "../session.js";

export async function render(main, { go }) {
  const account = textField({ label: "Account id", name: "account", hint: "Any account id, for example acc-1", autocomplete: "username" });
  const role = choiceGroup({ legend: "Sign in as", name: "role", options: [["customer", "Customer"], ["ops", "Ops"]] });
  role.first.checked = true;
  const devOutcome = h("div", { "aria-live": "polite" });
  const devForm = h("form", { novalidate: true, "aria-labelledby": "dev-sign-in" },
    h("div", { class: "error-summary-slot" }),
    h("h2", { id: "dev-sign-in" }, "Development sign-in"),
    h("p", { class: "muted" }, "Only on the embedded default (make run): the gateway signs a token with its local dev issuer."),
    account.wrap, role.wrap,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
    devOutcome,
  );
  devForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const accountId = account.input.value.trim();
    const problems = [];
    if (!accountId) problems.push({ field: account, message: "Enter an account id." });
    else if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(accountId)) problems.push({ field: account, message: "Use letters, digits and . _ @ - only (up to 100)." });
    if (!report(devForm, problems)) return;
    replace(devOutcome);
    try {
      const answer = await busy(event.submitter || devForm.querySelector("button"), () =>
        api("POST", "/dev/token", { body: { account_id: accountId, role: role.value() }, anonymous: true }));
      signedIn(answer.access_token);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        replace(devOutcome, h("p", { class: "problem" }, "This gateway offers no development sign-in (it is not the embedded default, or you reach it through a proxy). Paste a token below."));
      } else {
        replace(devOutcome, problemBox(error));
      }
    }
  });

  const tokenId = "bearer-token";
  const token = { input: h("textarea", { id: tokenId, name: "token", autocomplete: "off", spellcheck: "false", "aria-describedby": `${tokenId}-error` }), error: h("span", { class: "field-error", id: `${tokenId}-error` }) };
  const tokenForm = h("form", { novalidate: true, "aria-labelledby": "token-sign-in" },
    h("div", { class: "error-summary-slot" }),
    h("h2", { id: "token-sign-in" }, "Sign in with a token"),
    h("div", { class: "field" }, h("label", { for: tokenId }, "Bearer token"), h("span", { class: "hint" }, "From your account service (or make token ACCOUNT=…)."), token.error, token.input),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, "Use this token")),
  );
  tokenForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = token.input.value.trim().replace(/^Bearer\s+/i, "");
    if (!report(tokenForm, text.split(".").length === 3 ? [] : [{ field: token, message: "A token is three parts separated by dots." }])) return;
    if (!signedIn(text)) report(tokenForm, [{ field: token, message: "This token names no account (no subject)." }]);
  });

  function signedIn(text) {
    const started = session.start(text);
    if (started) go(started.ops ? "/ops/blocklist" : "/plans");
    return started;
  }

  replace(main, h("h1", {}, "Sign in"), h("div", { class: "cards two" }, h("section", { class: "card" }, devForm), h("section", { class: "card" }, tokenForm)));
}
