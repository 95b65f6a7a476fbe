// Sign in; a temporary or expired password goes to the password change first.
import { me, saveSession, signIn } from "../api.js";
import { busy, clearErrors, safeNext, showBanner, showErrors, showFailure, value } from "../forms.js";
import { t } from "../i18n.js";
import { homeFor, initPage } from "../layout.js";

initPage();
const form = document.getElementById("signin-form");
const outcome = document.getElementById("outcome");
const query = new URLSearchParams(window.location.search);
if (query.get("signed_out") === "1") showBanner(outcome, "success", t("signin.signed_out"));
if (query.get("expired") === "1") showBanner(outcome, "warning", t("signin.expired"));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = value(form, "username");
  const password = form.elements.namedItem("password").value;
  const errors = [];
  if (!username) errors.push({ field: "username", message: t("v.username.required") });
  if (!password) errors.push({ field: "password", message: t("v.password.required") });
  if (errors.length) {
    outcome.hidden = true;
    showErrors(form, errors);
    return;
  }
  clearErrors(form);
  await busy(form, async () => {
    try {
      const opened = await signIn(username, password);
      saveSession({
        token: opened.token,
        expires_at: opened.expires_at,
        password_change_required: opened.password_change_required,
      });
      const account = await me();
      saveSession({
        token: opened.token,
        expires_at: opened.expires_at,
        password_change_required: account.password_change_required,
        username: account.username,
        full_name: account.full_name,
        roles: account.roles,
        office_code: account.office_code,
      });
      const next = safeNext(homeFor(account.roles));
      window.location.assign(account.password_change_required ? `password.html?next=${next}` : next);
    } catch (error) {
      // Never keep a password on screen after a failure.
      form.elements.namedItem("password").value = "";
      showFailure(form, outcome, error);
    }
  });
});
