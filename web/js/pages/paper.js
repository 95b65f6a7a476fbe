// An officer types in a paper Form 01 handed in at the counter: received at once.
import { listOffices, NetworkError, newIdempotencyKey, submitPaperDeclaration } from "../api.js";
import { fillOfficePicker, readForm01, validateForm01 } from "../form01.js";
import { busy, clearErrors, showBanner, showErrors, showFailure } from "../forms.js";
import { formatDate, t } from "../i18n.js";
import { initPage, requireSession, signInAgain } from "../layout.js";
import { PROVINCES } from "../provinces.js";

initPage();
const me = requireSession("paper.html");
const form = document.getElementById("form01");
const outcome = document.getElementById("outcome");
const officePicker = form.elements.namedItem("office_code");
let pendingKey = null;

if (me) {
  listOffices()
    .then((offices) => {
      fillOfficePicker(officePicker, offices.items, PROVINCES);
      if (!officePicker.value && me.office_code) officePicker.value = me.office_code;
    })
    .catch((error) => showFailure(null, outcome, error));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = readForm01(form);
  const errors = validateForm01(body);
  outcome.hidden = true;
  if (errors.length) {
    showErrors(form, errors);
    return;
  }
  clearErrors(form);
  const key = pendingKey ?? newIdempotencyKey();
  await busy(form, async () => {
    try {
      const received = await submitPaperDeclaration(body, key);
      pendingKey = null;
      form.reset();
      officePicker.value = me.office_code ?? "";
      const banner = showBanner(outcome, "success", t("paper.done", { code: received.code }), [
        t("paper.done.text", { date: formatDate(received.due_by) }),
      ]);
      const link = document.createElement("a");
      link.href = `desk.html#code=${encodeURIComponent(received.code)}`;
      link.textContent = t("paper.open", { code: received.code });
      banner.append(link);
    } catch (error) {
      pendingKey = error instanceof NetworkError ? key : null;
      if (error.status === 401) signInAgain("paper.html");
      else showFailure(form, outcome, error);
    }
  });
});
