// Labelled fields and the check before sending: each problem is written beside its field and listed in a
// summary at the top of the form, which takes the focus so a keyboard or screen-reader user hears it.
import { h, replace, uid } from "./dom.js";

export function textField({ label, name, hint, type = "text", inputmode, autocomplete = "off", value = "", required = true }) {
  const id = uid(name);
  const hintId = hint ? `${id}-hint` : null;
  const errorId = `${id}-error`;
  const input = h("input", {
    id, name, type, inputmode, autocomplete, value, required, "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
  });
  const error = h("span", { class: "field-error", id: errorId });
  const wrap = h("div", { class: "field" }, h("label", { for: id }, label), hint ? h("span", { class: "hint", id: hintId }, hint) : null, error, input);
  return { wrap, input, error };
}

export function choiceGroup({ legend, name, options, type = "radio", hint }) {
  const errorId = uid(`${name}-error`);
  const error = h("span", { class: "field-error", id: errorId });
  const inputs = options.map(([value, text]) => {
    const id = uid(`${name}-${value}`);
    return { input: h("input", { type, id, name, value }), label: text, id };
  });
  const fieldset = h("fieldset", { "aria-describedby": errorId },
    h("legend", {}, legend),
    hint ? h("span", { class: "hint" }, hint) : null,
    error,
    h("div", { class: "choices" }, inputs.map(({ input, label, id }) => h("label", { for: id }, input, label))),
  );
  return {
    wrap: fieldset, error, first: inputs[0].input,
    value: () => inputs.find(({ input }) => input.checked)?.input.value ?? null,
    values: () => inputs.filter(({ input }) => input.checked).map(({ input }) => input.value),
  };
}

// problems: [{field, message}] where field is one made above. Returns true when there were none.
export function report(form, problems) {
  const summarySlot = form.querySelector(".error-summary-slot");
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  replace(summarySlot);
  if (!problems.length) return true;
  const links = [];
  for (const { field, message } of problems) {
    field.error.textContent = message;
    const target = field.input || field.first;
    if (field.input) field.input.setAttribute("aria-invalid", "true");
    links.push(h("li", {}, h("a", { href: `#${target.id}`, onclick: (event) => { event.preventDefault(); target.focus(); } }, message)));
  }
  const summary = h("div", { class: "error-summary", tabindex: "-1", role: "alert" },
    h("h2", {}, problems.length === 1 ? "There is a problem" : `There are ${problems.length} problems`), h("ul", {}, links));
  summarySlot.append(summary);
  summary.focus();
  return false;
}
