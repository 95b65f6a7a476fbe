// What every page does first: the language, and the header's sign-in state.
import { clearSession, session, signOut } from "./api.js";
import { showBanner } from "./forms.js";
import { initLang, t } from "./i18n.js";

export function initPage() {
  initLang();
  const signedIn = Boolean(session()?.token);
  for (const element of document.querySelectorAll("[data-when-signed-in]")) element.hidden = !signedIn;
  for (const element of document.querySelectorAll("[data-when-signed-out]")) element.hidden = signedIn;
  document.getElementById("sign-out")?.addEventListener("click", async () => {
    try {
      await signOut();
    } catch {
      // The session may have ended already; signing out here is what matters.
    }
    clearSession();
    window.location.assign("signin.html?signed_out=1");
  });
  const outcome = document.getElementById("outcome");
  if (outcome && new URLSearchParams(window.location.search).get("changed") === "1") {
    showBanner(outcome, "success", t("pw.changed"), [t("pw.changed.text")]);
  }
}

/**
 * Pages for staff: without a session go to sign in (and come back); with a
 * temporary or expired password, change it first.
 */
export function requireSession(page) {
  const current = session();
  if (!current?.token) {
    window.location.replace(`signin.html?next=${page}`);
    return null;
  }
  if (current.password_change_required) {
    window.location.replace(`password.html?next=${page}`);
    return null;
  }
  return current;
}

/** When an authenticated call answers 401, the session is gone: sign in again. */
export function signInAgain(page) {
  clearSession();
  window.location.assign(`signin.html?next=${page}&expired=1`);
}

/** Where a person lands after signing in, by their roles. */
export function homeFor(roles = []) {
  if (roles.includes("officer") || roles.includes("supervisor")) return "desk.html";
  if (roles.includes("reporter")) return "dashboard.html";
  return "account.html";
}
