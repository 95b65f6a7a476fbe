// GET /v1/me: one's own account (phone and email masked by the API).
import { me } from "../api.js";
import { showFailure } from "../forms.js";
import { formatDateTime, t } from "../i18n.js";
import { initPage, requireSession, signInAgain } from "../layout.js";

initPage();
const list = document.getElementById("me");
const outcome = document.getElementById("outcome");
let account = null;

function row(label, text) {
  const term = document.createElement("dt");
  term.textContent = label;
  const detail = document.createElement("dd");
  detail.textContent = text || "—";
  list.append(term, detail);
}

function render() {
  if (!account) return;
  list.replaceChildren();
  row(t("field.full_name"), account.full_name);
  row(t("field.username"), account.username);
  row(t("field.roles"), account.roles.map((role) => t(`role.${role}`)).join(", "));
  row(t("field.phone"), account.phone);
  row(t("field.email"), account.email);
  if (account.office_code) row(t("field.office_code"), account.office_code);
  // No password (registered through VNeID): nothing expires; the person signs in with VNeID.
  row(
    t("field.password_expires_at"),
    account.password_expires_at ? formatDateTime(account.password_expires_at) : t("account.no_password"),
  );
  list.removeAttribute("aria-busy");
}

if (requireSession("account.html")) {
  me()
    .then((answer) => {
      account = answer;
      render();
    })
    .catch((error) => (error.status === 401 ? signInAgain("account.html") : showFailure(null, outcome, error)));
}
document.addEventListener("langchange", render);
