// The officer's desk: find a dossier (a scanner in keyboard mode types the code
// and Enter into the code field), check it against the registry, receive,
// approve or reject; the overdue list and the history. Every action shows the
// API's answer; a failed action keeps everything the officer typed.
import {
  approveDeclaration,
  declarationHistory,
  form01Pdf,
  lookupDeclarations,
  overdueDeclarations,
  receiveDeclaration,
  rejectDeclaration,
  saveFile,
  uploadIdCopy,
} from "../api.js";
import { busy, clearErrors, fieldLabel, showBanner, showErrors, showFailure, value } from "../forms.js";
import { formatDate, formatDateTime, t } from "../i18n.js";
import { initPage, requireSession, signInAgain } from "../layout.js";

initPage();
const me = requireSession("desk.html");
const $ = (id) => document.getElementById(id);
const lookupForm = $("lookup-form");
const receiveForm = $("receive-form");
const approveForm = $("approve-form");
const idCopyForm = $("id-copy-form");
const ID_COPY_TYPES = ["image/jpeg", "image/png", "application/pdf"];
const ID_COPY_MAX_BYTES = 5 * 1024 * 1024;
const rejectForm = $("reject-form");
const outcome = $("outcome");
const actionOutcome = $("action-outcome");
let shown = null; // the declaration on screen
let found = [];
let overdue = null;
let history = null;

function failed(form, region, error) {
  if (error.status === 401) signInAgain("desk.html");
  else showFailure(form, region, error);
}

function statusTag(status) {
  const tag = document.createElement("span");
  tag.className = `tag tag--${status}`;
  tag.textContent = t(`status.${status}`);
  return tag;
}

// --- lookup ----------------------------------------------------------------------------------

async function lookup(criteria) {
  const answer = await lookupDeclarations(criteria);
  found = answer.items;
  renderResults();
  if (found.length === 1) openDeclaration(found[0]);
  else if (found.length === 0) showBanner(outcome, "warning", t("desk.none"), [t("desk.none.text")]);
  else $("results-title").focus();
}

function renderResults() {
  const list = $("result-list");
  list.replaceChildren();
  $("results").hidden = found.length < 2;
  for (const item of found) {
    const entry = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--secondary";
    button.textContent = t("desk.open", { code: item.code });
    button.addEventListener("click", () => openDeclaration(item));
    const text = document.createElement("p");
    text.textContent = t("desk.item", { code: item.code, name: item.full_name, status: t(`status.${item.status}`) });
    entry.append(text, button);
    list.append(entry);
  }
}

lookupForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = value(lookupForm, "code");
  const idNumber = value(lookupForm, "id_number").replace(/\s+/g, "");
  outcome.hidden = true;
  if (Boolean(code) === Boolean(idNumber)) {
    showErrors(lookupForm, [{ field: code ? "id_number" : "code", message: t("v.lookup.one_of") }]);
    return;
  }
  clearErrors(lookupForm);
  await busy(lookupForm, async () => {
    try {
      await lookup(code ? { code } : { id_number: idNumber });
    } catch (error) {
      failed(lookupForm, outcome, error);
    }
  });
});

// --- one declaration ----------------------------------------------------------------------------

function openDeclaration(declaration) {
  if (shown?.id !== declaration.id) {
    for (const form of [receiveForm, idCopyForm, rejectForm]) {
      form.reset();
      clearErrors(form);
    }
    actionOutcome.hidden = true;
    history = null;
    $("history").hidden = true;
    if (declaration.id_document) receiveForm.elements.namedItem("document_type").value = declaration.id_document.type;
  }
  shown = declaration;
  renderDeclaration();
  $("declaration").hidden = false;
  $("declaration-title").focus();
}

function renderDeclaration() {
  if (!shown) return;
  const d = shown;
  $("declaration-title").textContent = `${t("field.code")} ${d.code}`;
  const limited = d.detail === "limited";
  const differences = new Map((d.registry_differences ?? []).map((x) => [x.field, x]));
  const box = $("differences");
  box.replaceChildren();
  const banner = document.createElement("div");
  if (limited) {
    // Another office's declaration: only what the counter needs, unless the person proves presence.
    banner.className = "banner banner--info";
    const text = document.createElement("p");
    text.textContent = t("desk.limited");
    banner.append(text);
  } else if (differences.size) {
    banner.className = "banner banner--warning";
    const heading = document.createElement("h3");
    heading.textContent = t("desk.differences.title");
    const text = document.createElement("p");
    text.textContent = t("desk.differences.text");
    const items = document.createElement("ul");
    for (const difference of differences.values()) {
      const item = document.createElement("li");
      item.textContent = t("desk.difference", {
        field: fieldLabel(difference.field),
        declared: difference.declared,
        registry: difference.registry ?? t("desk.not_in_registry"),
      });
      items.append(item);
    }
    banner.append(heading, text, items);
  } else {
    banner.className = "banner banner--success";
    const text = document.createElement("p");
    text.textContent = t("desk.matches");
    banner.append(text);
  }
  box.append(banner);

  const list = $("declaration-summary");
  list.replaceChildren();
  const row = (label, content, differenceField) => {
    const term = document.createElement("dt");
    term.textContent = label;
    const detail = document.createElement("dd");
    const difference = differenceField ? differences.get(differenceField) : null;
    if (difference) {
      detail.className = "differs";
      const mark = document.createElement("mark");
      mark.textContent = content;
      const note = document.createElement("span");
      note.textContent = ` — ${t("desk.differs", { registry: difference.registry ?? t("desk.not_in_registry") })}`;
      detail.append(mark, note);
    } else if (content instanceof Node) {
      detail.append(content);
    } else {
      detail.textContent = content || "—";
    }
    list.append(term, detail);
  };
  row(t("field.status"), statusTag(d.status));
  row(t("field.channel"), t(`channel.${d.channel}`));
  row(t("field.full_name"), d.full_name, "full_name");
  if (!limited) {
    row(t("field.date_of_birth"), formatDate(d.date_of_birth), "date_of_birth");
    row(t("field.gender"), t(`gender.${d.gender}`), "gender");
    row(t("field.bhxh_code"), d.bhxh_code, "bhxh_code");
    row(t("field.id_document.type"), t(`doc.${d.id_document.type}`));
    row(t("field.id_document.number"), d.id_document.number, "id_document.number");
  }
  row(t("field.phone"), d.phone);
  row(t("field.office_code"), d.office_code);
  row(t("field.created_at"), formatDateTime(d.created_at));
  if (d.expires_at) row(t("field.expires_at"), formatDateTime(d.expires_at));
  if (d.received_office) row(t("field.received_office"), d.received_office);
  if (d.due_by) row(t("field.due_by"), formatDate(d.due_by));
  const keepsCopy = d.channel === "office" || d.channel === "paper";
  if (keepsCopy && !limited) {
    const copy = d.id_copy;
    row(t("field.id_copy"), copy ? t("desk.id_copy.summary", copyFigures(copy)) : t("desk.id_copy.none"));
  }

  receiveForm.hidden = d.status !== "awaiting_office";
  idCopyForm.hidden = d.status !== "received" || !keepsCopy;
  $("print-pdf").hidden = limited;
  approveForm.hidden = d.status !== "received";
  rejectForm.hidden = d.status !== "received";
  renderHistory();
}

function updated(declaration, kind, title, lines) {
  shown = { ...shown, ...declaration };
  found = found.map((item) => (item.id === shown.id ? shown : item));
  renderDeclaration();
  renderResults();
  showBanner(actionOutcome, kind, title, lines);
  loadOverdue();
}

receiveForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const number = value(receiveForm, "document_number");
  if (!number) {
    showErrors(receiveForm, [{ field: "document_number", message: t("v.document_number.required") }]);
    return;
  }
  clearErrors(receiveForm);
  await busy(receiveForm, async () => {
    try {
      const received = await receiveDeclaration(shown.id, {
        document_type: value(receiveForm, "document_type"),
        document_number: number,
      });
      receiveForm.reset();
      updated(received, "success", t("desk.received", { code: received.code }), [
        t("desk.received.text", { date: formatDate(received.due_by) }),
      ]);
    } catch (error) {
      failed(receiveForm, actionOutcome, error);
    }
  });
});

$("print-pdf").addEventListener("click", async () => {
  try {
    saveFile(await form01Pdf(shown.id), `to-khai-01-${shown.code}.pdf`);
  } catch (error) {
    failed(null, actionOutcome, error);
  }
});

function copyFigures(copy) {
  return { type: copy.content_type.split("/")[1].toUpperCase(), size: Math.max(1, Math.round(copy.size / 1024)) };
}

idCopyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = idCopyForm.elements.id_copy_file;
  const file = input.files[0];
  let problem = null;
  if (!file) problem = "v.id_copy_file.required";
  else if (!ID_COPY_TYPES.includes(file.type)) problem = "v.id_copy_file.type";
  else if (file.size > ID_COPY_MAX_BYTES) problem = "v.id_copy_file.size";
  if (problem) {
    showErrors(idCopyForm, [{ field: "id_copy_file", message: t(problem) }]);
    return;
  }
  clearErrors(idCopyForm);
  await busy(idCopyForm, async () => {
    try {
      const copy = await uploadIdCopy(shown.id, file);
      idCopyForm.reset();
      updated({ id_copy: copy }, "success", t("desk.id_copy.kept", { code: shown.code }), [
        t("desk.id_copy.kept.text", copyFigures(copy)),
      ]);
    } catch (error) {
      failed(idCopyForm, actionOutcome, error);
    }
  });
});

approveForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  await busy(approveForm, async () => {
    try {
      const approved = await approveDeclaration(shown.id);
      updated(approved, "success", t("desk.approved", { code: approved.code }), [t("desk.approved.text")]);
    } catch (error) {
      failed(approveForm, actionOutcome, error);
    }
  });
});

rejectForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reasons = [...rejectForm.querySelectorAll("input[name=reasons]:checked")].map((box) => box.value);
  const note = value(rejectForm, "note");
  const errors = [];
  if (!reasons.length) errors.push({ field: "reasons", message: t("v.reasons.required") });
  if (reasons.includes("other") && !note) errors.push({ field: "note", message: t("v.note.required") });
  if (errors.length) {
    showErrors(rejectForm, errors);
    return;
  }
  clearErrors(rejectForm);
  await busy(rejectForm, async () => {
    try {
      const rejected = await rejectDeclaration(shown.id, note ? { reasons, note } : { reasons });
      rejectForm.reset();
      updated(rejected, "success", t("desk.rejected", { code: rejected.code }), [
        `${t("field.reasons")}: ${rejected.reasons.map((r) => t(`reason.${r}`)).join("; ")}`,
        t("desk.rejected.text"),
      ]);
    } catch (error) {
      failed(rejectForm, actionOutcome, error);
    }
  });
});

// --- history and overdue -------------------------------------------------------------------------

function table(caption, headings, rows) {
  const element = document.createElement("table");
  const title = document.createElement("caption");
  title.textContent = caption;
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  for (const heading of headings) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = heading;
    headRow.append(cell);
  }
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const cells of rows) {
    const line = document.createElement("tr");
    for (const content of cells) {
      const cell = document.createElement("td");
      if (content instanceof Node) cell.append(content);
      else cell.textContent = content;
      line.append(cell);
    }
    body.append(line);
  }
  element.append(title, head, body);
  return element;
}

function renderHistory() {
  const box = $("history");
  if (!history) return;
  box.replaceChildren(
    table(
      t("desk.history.caption"),
      [t("desk.history.at"), t("desk.history.change"), t("desk.history.actor"), t("desk.history.office")],
      history.map((event) => [
        formatDateTime(event.at),
        `${event.from ? t(`status.${event.from}`) : t("desk.history.created")} → ${t(`status.${event.to}`)}`,
        event.actor === "declarant" ? t("desk.history.declarant") : event.actor,
        event.office_code ?? "—",
      ]),
    ),
  );
  box.hidden = false;
}

$("show-history").addEventListener("click", async () => {
  try {
    history = (await declarationHistory(shown.id)).items;
    renderHistory();
  } catch (error) {
    failed(null, actionOutcome, error);
  }
});

function renderOverdue() {
  const box = $("overdue");
  if (!overdue) return;
  if (!overdue.length) {
    const text = document.createElement("p");
    text.textContent = t("desk.overdue.none");
    box.replaceChildren(text);
    return;
  }
  box.replaceChildren(
    table(
      t("desk.overdue.caption"),
      [t("field.code"), t("field.full_name"), t("field.due_by"), ""],
      overdue.map((item) => {
        const open = document.createElement("button");
        open.type = "button";
        open.className = "button button--secondary";
        open.textContent = t("desk.open", { code: item.code });
        open.addEventListener("click", () => {
          found = [item];
          renderResults();
          openDeclaration(item);
        });
        return [item.code, item.full_name, formatDate(item.due_by), open];
      }),
    ),
  );
}

async function loadOverdue() {
  try {
    overdue = (await overdueDeclarations()).items;
    renderOverdue();
  } catch (error) {
    failed(null, outcome, error);
  }
}

function renderWho() {
  if (me) $("who").textContent = t("desk.who", { name: me.full_name ?? "", username: me.username ?? "", office: me.office_code ?? "—" });
}

document.addEventListener("langchange", () => {
  renderWho();
  renderResults();
  renderDeclaration();
  renderOverdue();
});

if (me) {
  renderWho();
  loadOverdue();
  const fromLink = new URLSearchParams(window.location.hash.slice(1)).get("code");
  if (fromLink) {
    lookupForm.elements.namedItem("code").value = fromLink;
    lookupForm.requestSubmit();
  } else {
    lookupForm.elements.namedItem("code").focus();
  }
}
