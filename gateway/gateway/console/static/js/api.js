// The public REST API, same origin, with the signed-in person's bearer token. Every failure becomes an
// ApiError carrying the problem+json the platform answered (or one written here when none came back).
import { session } from "./session.js";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.title = problem.title || "Something went wrong";
    this.detail = problem.detail || "";
    this.code = problem.code || "";
    this.problem = problem;
  }
}

export function idempotencyKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export async function api(method, path, { body, idempotency, anonymous = false } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  const signedIn = session.get();
  if (signedIn && !anonymous) headers.Authorization = `Bearer ${signedIn.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (idempotency) headers["Idempotency-Key"] = idempotency;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit",
    });
  } catch {
    throw new ApiError(0, { title: "The platform could not be reached", detail: "Check your connection and try again; nothing was changed by this attempt unless it says so later." });
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (response.ok) return data;
  const problem = data && typeof data === "object" ? data : {
    title: `The platform answered ${response.status}`,
    detail: text ? text.slice(0, 300) : "No explanation came with the answer.",
  };
  if (response.status === 429 && response.headers.get("Retry-After")) {
    problem.detail = `${problem.detail} Try again in ${response.headers.get("Retry-After")} s.`;
  }
  throw new ApiError(response.status, problem);
}

// Pages through a list ({items, next_cursor}) until it ends or `max` items are in hand.
export async function allItems(path, max = 500) {
  const items = [];
  let cursor = null;
  do {
    const joiner = path.includes("?") ? "&" : "?";
    const page = await api("GET", `${path}${joiner}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}
