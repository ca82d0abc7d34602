// Who is signed in. Kept in sessionStorage: it ends with the tab, and no other site can read it.
const KEY = "smartupgrade.console.session";

function claimsOf(token) {
  // Read only to show who is signed in and which pages fit; the gateway is what verifies the token.
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

function rolesOf(claims) {
  const roles = claims?.roles;
  if (typeof roles === "string") return roles.split(/\s+/);
  return Array.isArray(roles) ? roles : [];
}

export const session = {
  get() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(KEY));
      if (!saved || (saved.expiresAt && saved.expiresAt * 1000 < Date.now())) return null;
      return saved;
    } catch {
      return null;
    }
  },
  // Returns null when the text is not a token at all (three base64url parts with a subject).
  start(token) {
    const claims = claimsOf(token);
    if (!claims || !claims.sub) return null;
    const saved = { token, account: String(claims.sub), ops: rolesOf(claims).includes("ops"), expiresAt: claims.exp || null };
    sessionStorage.setItem(KEY, JSON.stringify(saved));
    return saved;
  },
  end() {
    sessionStorage.removeItem(KEY);
  },
};
