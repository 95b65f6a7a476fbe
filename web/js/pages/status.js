// The declarant checks their declaration: counter code (or declaration id) + ID number.
import { declarationStatus } from "../api.js";
import { busy, clearErrors, showBanner, showErrors, showFailure, value } from "../forms.js";
import { formatDateTime, t } from "../i18n.js";
import { initPage } from "../layout.js";

initPage();
const form = document.getElementById("status-form");
const outcome = document.getElementById("outcome");
const known = new URLSearchParams(window.location.search).get("code")
  || JSON.parse(sessionStorage.getItem("bhxh.lastDeclaration") || "null")?.result?.code;
if (known) form.elements.namedItem("declaration_id").value = known;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = value(form, "declaration_id");
  const idNumber = value(form, "id_number").replace(/\s+/g, "");
  const errors = [];
  if (!id) errors.push({ field: "declaration_id", message: t("v.declaration_id.required") });
  if (!idNumber) errors.push({ field: "id_number", message: t("v.id_number.lookup") });
  if (errors.length) {
    outcome.hidden = true;
    showErrors(form, errors);
    return;
  }
  clearErrors(form);
  await busy(form, async () => {
    try {
      const found = await declarationStatus(id, idNumber);
      const lines = [t("status.line", { status: t(`status.${found.status}`) })];
      if (found.status === "awaiting_office" && found.expires_at) {
        lines.push(t("status.expires", { date: formatDateTime(found.expires_at) }));
      }
      showBanner(outcome, found.status === "rejected" ? "warning" : "success", t("status.result", { code: found.code }), lines);
    } catch (error) {
      showFailure(form, outcome, error);
    }
  });
});
