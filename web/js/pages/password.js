// Change one's password (forced after a temporary or expired one): the rules
// are on the page, and the API's reason for a refusal is shown on the field.
import { changePassword, session, saveSession } from "../api.js";
import { busy, clearErrors, safeNext, showErrors, showFailure } from "../forms.js";
import { t } from "../i18n.js";
import { homeFor, initPage, signInAgain } from "../layout.js";

initPage();
const current = session();
const form = document.getElementById("password-form");
const outcome = document.getElementById("outcome");
const field = (name) => form.elements.namedItem(name);
if (!current?.token) {
  window.location.replace("signin.html?next=password.html");
} else {
  document.getElementById("forced").hidden = !current.password_change_required;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const currentPassword = field("current_password").value;
  const newPassword = field("new_password").value;
  const errors = [];
  if (!currentPassword) errors.push({ field: "current_password", message: t("v.current_password.required") });
  const length = [...newPassword.normalize("NFKC")].length;
  if (!newPassword) errors.push({ field: "new_password", message: t("v.new_password.required") });
  else if (length < 8 || length > 128) errors.push({ field: "new_password", message: t("v.new_password.length") });
  else if (field("confirm_password").value !== newPassword) {
    errors.push({ field: "confirm_password", message: t("v.confirm_password.mismatch") });
  }
  if (errors.length) {
    outcome.hidden = true;
    showErrors(form, errors);
    return;
  }
  clearErrors(form);
  await busy(form, async () => {
    try {
      await changePassword(currentPassword, newPassword);
      saveSession({ ...current, password_change_required: false });
      const next = safeNext(homeFor(current?.roles));
      window.location.assign(`${next}?changed=1`);
    } catch (error) {
      if (error.status === 401) {
        signInAgain("password.html");
        return;
      }
      showFailure(form, outcome, error);
    }
  });
});
