// Register or sign in with VNeID (OpenID Connect): start here, VNeID sends the person back here
// with ?code&state, which the API checks; a session is kept like a password sign-in's.
import { finishVneid, listOffices, me, saveSession, startVneid } from "../api.js";
import { fillOfficePicker } from "../form01.js";
import { busy, clearErrors, showBanner, showErrors, showFailure, value } from "../forms.js";
import { t } from "../i18n.js";
import { homeFor, initPage } from "../layout.js";
import { PROVINCES } from "../provinces.js";

initPage();
const form = document.getElementById("vneid-register");
const outcome = document.getElementById("outcome");
const signInButton = document.getElementById("vneid-signin");
const picker = form.elements.namedItem("office_code");
listOffices()
  .then((offices) => fillOfficePicker(picker, offices.items, PROVINCES))
  .catch((error) => showFailure(null, outcome, error));

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const office = value(form, "office_code");
  if (!office) {
    showErrors(form, [{ field: "office_code", message: t("vneid.office.required") }]);
    return;
  }
  clearErrors(form);
  await busy(form, async () => {
    try {
      window.location.assign((await startVneid("register", office)).authorization_url);
    } catch (error) {
      showFailure(form, outcome, error);
    }
  });
});

signInButton.addEventListener("click", async () => {
  signInButton.disabled = true;
  try {
    window.location.assign((await startVneid("sign_in")).authorization_url);
  } catch (error) {
    showFailure(null, outcome, error);
    signInButton.disabled = false;
  }
});

async function finish(code, state) {
  // The code and state are used once: out of the address bar (and the history) at once.
  window.history.replaceState(null, "", window.location.pathname);
  try {
    const answer = await finishVneid(code, state);
    if (answer.outcome === "signed_in") {
      saveSession({ token: answer.token, expires_at: answer.expires_at, password_change_required: false });
      const account = await me();
      saveSession({
        token: answer.token,
        expires_at: answer.expires_at,
        password_change_required: false,
        username: account.username,
        full_name: account.full_name,
        roles: account.roles,
        office_code: account.office_code,
      });
      window.location.assign(homeFor(account.roles));
      return;
    }
    if (answer.outcome === "approved") {
      showBanner(outcome, "success", t("vneid.approved"), [t("vneid.approved.next")]);
    } else if (answer.outcome === "already_registered") {
      showBanner(outcome, "success", t("vneid.already"), [t("vneid.already.next", { username: answer.username })]);
    } else {
      const lines = (answer.differences || []).map((field) => t("vneid.differs", { field }));
      showBanner(outcome, "warning", t("vneid.rejected"), [...lines, t("vneid.rejected.help")]);
    }
  } catch (error) {
    showFailure(null, outcome, error);
  }
}

const query = new URLSearchParams(window.location.search);
if (query.get("code") && query.get("state")) {
  finish(query.get("code"), query.get("state"));
} else if (query.get("error")) {
  window.history.replaceState(null, "", window.location.pathname);
  showBanner(outcome, "error", t("vneid.cancelled"), [t("errors.help")]);
}
