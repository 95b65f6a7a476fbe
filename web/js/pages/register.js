// Form 01, office channel: check, send, then the confirmation page.
import { listOffices, NetworkError, newIdempotencyKey, submitDeclaration } from "../api.js";
import { fillOfficePicker, readForm01, validateForm01 } from "../form01.js";
import { busy, clearErrors, showErrors, showFailure } from "../forms.js";
import { initPage } from "../layout.js";
import { PROVINCES } from "../provinces.js";

const LAST_DECLARATION = "bhxh.lastDeclaration";

initPage();
const form = document.getElementById("form01");
const outcome = document.getElementById("outcome");
const officePicker = form.elements.namedItem("office_code");
// Sent again only after a network failure (same key: the API answers the first result again).
let pendingKey = null;

listOffices()
  .then((offices) => fillOfficePicker(officePicker, offices.items, PROVINCES))
  .catch((error) => showFailure(null, outcome, error));

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
      const result = await submitDeclaration(body, key);
      pendingKey = null;
      sessionStorage.setItem(LAST_DECLARATION, JSON.stringify({ result, form: body }));
      window.location.assign("confirmation.html");
    } catch (error) {
      pendingKey = error instanceof NetworkError ? key : null;
      showFailure(form, outcome, error);
    }
  });
});
