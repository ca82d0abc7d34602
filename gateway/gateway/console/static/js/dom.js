// Builds elements from data; text always goes in as text (never as HTML), so nothing the API returns runs.
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

let unique = 0;
export function uid(prefix) {
  unique += 1;
  return `${prefix}-${unique}`;
}

// A problem+json answer as the person should read it: its title, its detail, and each field or reason it names.
export function problemBox(error) {
  const problem = error.problem || {};
  const items = [];
  for (const entry of Array.isArray(problem.errors) ? problem.errors : []) {
    items.push(entry.field ? `${entry.field}: ${entry.message}` : entry.message);
  }
  for (const reason of Array.isArray(problem.reasons) ? problem.reasons : []) items.push(humanise(reason));
  return h("div", { class: "problem", "data-problem-code": problem.code || "" },
    h("h2", {}, error.title || problem.title || "Something went wrong"),
    h("p", {}, error.detail || problem.detail || ""),
    items.length ? h("ul", {}, items.map((item) => h("li", {}, item))) : null,
  );
}

export function humanise(code) {
  const text = String(code).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// Disables the button while `work` runs, so one click sends one request.
export async function busy(button, work) {
  button.disabled = true;
  try {
    return await work();
  } finally {
    button.disabled = false;
  }
}
