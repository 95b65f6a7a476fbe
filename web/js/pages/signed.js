// Upload a Form 01 XML signed with a personal digital certificate: decided at once.
import { NetworkError, newIdempotencyKey, submitSignedDeclaration } from "../api.js";
import { busy, clearErrors, showBanner, showErrors, showFailure } from "../forms.js";
import { t } from "../i18n.js";
import { initPage } from "../layout.js";

const MAX_BYTES = 256 * 1024;

initPage();
const form = document.getElementById("signed-form");
const outcome = document.getElementById("outcome");
let pendingKey = null;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = form.elements.namedItem("file").files[0];
  const errors = [];
  if (!file) errors.push({ field: "file", message: t("v.file.required") });
  else if (file.size > MAX_BYTES) errors.push({ field: "file", message: t("v.file.too_large") });
  if (errors.length) {
    outcome.hidden = true;
    showErrors(form, errors);
    return;
  }
  clearErrors(form);
  const key = pendingKey ?? newIdempotencyKey();
  await busy(form, async () => {
    try {
      const decision = await submitSignedDeclaration(file, key);
      pendingKey = null;
      const approved = decision.status === "approved";
      const lines = [t("signed.code", { code: decision.code })];
      if (approved) lines.push(t("signed.approved.text"));
      else lines.push(t("signed.reasons", { reasons: decision.reasons.map((r) => t(`reason.${r}`)).join("; ") }));
      showBanner(outcome, approved ? "success" : "warning", t(approved ? "signed.approved" : "signed.rejected"), lines);
    } catch (error) {
      pendingKey = error instanceof NetworkError ? key : null;
      showFailure(form, outcome, error);
    }
  });
});
