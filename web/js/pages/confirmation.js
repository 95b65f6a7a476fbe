// The counter code, the deadline, what to bring, and Form 01 as declared (printable).
import { form01Pdf, saveFile } from "../api.js";
import { showFailure } from "../forms.js";
import { formatDate, formatDateTime, t } from "../i18n.js";
import { initPage } from "../layout.js";

initPage();
const saved = JSON.parse(sessionStorage.getItem("bhxh.lastDeclaration") || "null");

function row(list, label, text) {
  const term = document.createElement("dt");
  term.textContent = label;
  const detail = document.createElement("dd");
  detail.textContent = text || "—";
  list.append(term, detail);
}

function render() {
  if (!saved?.result) {
    document.getElementById("missing").hidden = false;
    return;
  }
  const { result, form } = saved;
  document.getElementById("done").hidden = false;
  document.getElementById("counter-code").textContent = result.code;
  document.getElementById("deadline").textContent = formatDateTime(result.expires_at);
  document.getElementById("office-name").textContent = result.office?.name ?? result.office_code;
  document.getElementById("office-address").textContent = result.office?.address ?? "";
  document.getElementById("status-link").href = `status.html?code=${encodeURIComponent(result.code)}`;
  const list = document.getElementById("form-summary");
  list.replaceChildren();
  row(list, t("field.code"), result.code);
  row(list, t("field.full_name"), form.full_name);
  row(list, t("field.date_of_birth"), formatDate(form.date_of_birth));
  row(list, t("field.gender"), t(`gender.${form.gender}`));
  row(list, t("field.nationality"), form.nationality);
  row(list, t("field.bhxh_code"), form.bhxh_code);
  row(list, t("field.id_document.type"), t(`doc.${form.id_document.type}`));
  row(list, t("field.id_document.number"), form.id_document.number);
  row(list, t("field.id_document.issued_on"), formatDate(form.id_document.issued_on));
  row(list, t("field.id_document.issued_by"), form.id_document.issued_by);
  row(list, t("field.phone"), form.phone);
  row(list, t("field.email"), form.email);
  row(list, t("field.address"), form.address);
  row(list, t("field.office_code"), `${result.office?.name ?? ""} (${result.office_code})`);
  if (form.unit_code) row(list, t("field.unit_code"), form.unit_code);
  row(list, t("field.created_at"), formatDateTime(result.created_at));
}

document.getElementById("print").addEventListener("click", () => window.print());
document.getElementById("download-pdf").addEventListener("click", async () => {
  const { result, form } = saved;
  try {
    saveFile(await form01Pdf(result.id, form.id_document.number), `to-khai-01-${result.code}.pdf`);
  } catch (error) {
    showFailure(null, document.getElementById("pdf-outcome"), error);
  }
});
document.addEventListener("langchange", render);
render();
