// Recovery: a 6-digit code by SMS to the registered phone, then a new password.
import { confirmRecovery, startRecovery } from "../api.js";
import { busy, clearErrors, showBanner, showErrors, showFailure, value } from "../forms.js";
import { t } from "../i18n.js";
import { initPage } from "../layout.js";

initPage();
const requestForm = document.getElementById("recovery-form");
const confirmForm = document.getElementById("confirm-form");
const outcome = document.getElementById("outcome");
let username = "";

requestForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  username = value(requestForm, "username");
  const phone = value(requestForm, "phone");
  const errors = [];
  if (!username) errors.push({ field: "username", message: t("v.username.required") });
  if (!phone) errors.push({ field: "phone", message: t("v.phone.recovery") });
  if (errors.length) {
    outcome.hidden = true;
    showErrors(requestForm, errors);
    return;
  }
  clearErrors(requestForm);
  await busy(requestForm, async () => {
    try {
      await startRecovery(username, phone);
      requestForm.hidden = true;
      confirmForm.hidden = false;
      showBanner(outcome, "success", t("rec.sent"), [t("rec.sent.text")]);
    } catch (error) {
      showFailure(requestForm, outcome, error);
    }
  });
});

confirmForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = value(confirmForm, "code");
  const newPassword = confirmForm.elements.namedItem("new_password").value;
  const errors = [];
  if (!/^\d{6}$/.test(code)) errors.push({ field: "code", message: t("v.code.recovery") });
  if (!newPassword) errors.push({ field: "new_password", message: t("v.new_password.required") });
  if (errors.length) {
    outcome.hidden = true;
    showErrors(confirmForm, errors);
    return;
  }
  clearErrors(confirmForm);
  await busy(confirmForm, async () => {
    try {
      await confirmRecovery(username, code, newPassword);
      confirmForm.hidden = true;
      const banner = showBanner(outcome, "success", t("rec.done"), [t("rec.done.text")]);
      const link = document.createElement("a");
      link.href = "signin.html";
      link.className = "button";
      link.textContent = t("nav.signin.button");
      banner.append(link);
    } catch (error) {
      showFailure(confirmForm, outcome, error);
    }
  });
});
