// GOV.UK-style errors: a summary at the top of the form that links to each
// field, and the message beside the field. Fields are wrapped in an element
// with data-field="<API field path>" (e.g. "id_document.number"), so the API's
// problem errors[] land on the right field. Nothing the person typed is cleared.
import { NetworkError, Problem } from "./api.js";
import { t } from "./i18n.js";

function fieldWrapper(form, path) {
  return form.querySelector(`[data-field="${CSS.escape(path)}"]`);
}

function focusTarget(wrapper) {
  return wrapper?.querySelector("input:not([type=hidden]), select, textarea") ?? null;
}

export function clearErrors(form) {
  form.querySelector(".error-summary")?.remove();
  for (const wrapper of form.querySelectorAll(".field--error")) {
    wrapper.classList.remove("field--error");
    wrapper.querySelector(".field-error")?.remove();
    for (const control of wrapper.querySelectorAll("[aria-invalid]")) {
      control.removeAttribute("aria-invalid");
      const described = (control.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter((id) => id && !id.endsWith("-error"));
      if (described.length) control.setAttribute("aria-describedby", described.join(" "));
      else control.removeAttribute("aria-describedby");
    }
  }
}

/**
 * errors: [{field, message}] (the API's FieldError shape). Errors on fields the
 * form does not have are listed in the summary without a link.
 */
export function showErrors(form, errors, title = t("errors.title")) {
  clearErrors(form);
  const summary = document.createElement("div");
  summary.className = "error-summary";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  const heading = document.createElement("h2");
  heading.textContent = title;
  summary.append(heading);
  const list = document.createElement("ul");
  const seen = new Set();
  for (const error of errors) {
    const wrapper = fieldWrapper(form, error.field || "");
    const control = focusTarget(wrapper);
    const item = document.createElement("li");
    if (control) {
      const link = document.createElement("a");
      link.href = `#${control.id}`;
      link.textContent = error.message;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        control.focus();
        wrapper.scrollIntoView({ block: "center" });
      });
      item.append(link);
      if (!seen.has(wrapper)) {
        seen.add(wrapper);
        wrapper.classList.add("field--error");
        const message = document.createElement("p");
        message.className = "field-error";
        message.id = `${control.id}-error`;
        message.textContent = error.message;
        const anchor = wrapper.querySelector(".hint") ?? wrapper.querySelector("label, legend");
        (anchor ?? wrapper.firstElementChild)?.after(message);
        for (const input of wrapper.querySelectorAll("input, select, textarea")) {
          input.setAttribute("aria-invalid", "true");
          const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          input.setAttribute("aria-describedby", [...described, message.id].join(" "));
        }
      }
    } else {
      item.textContent = error.message;
    }
    list.append(item);
  }
  summary.append(list);
  form.prepend(summary);
  summary.focus();
}

/** A banner (success, error, warning) in `region`, replacing what was there; focused for screen readers. */
export function showBanner(region, kind, title, lines = []) {
  region.replaceChildren();
  const banner = document.createElement("div");
  banner.className = `banner banner--${kind}`;
  banner.setAttribute("role", kind === "error" ? "alert" : "status");
  banner.tabIndex = -1;
  const heading = document.createElement("h2");
  heading.textContent = title;
  banner.append(heading);
  for (const line of lines) {
    const paragraph = document.createElement("p");
    paragraph.textContent = line;
    banner.append(paragraph);
  }
  region.append(banner);
  region.hidden = false;
  banner.focus();
  return banner;
}

/**
 * Shows whatever went wrong with an API call: field errors on their fields
 * (and the summary), anything else as a readable banner with the API's title
 * and detail (in the page's language: the API follows Accept-Language).
 */
export function showFailure(form, region, error) {
  if (error instanceof Problem) {
    if (error.errors.length && form) {
      region?.replaceChildren();
      showErrors(form, error.errors, error.title || t("errors.title"));
      return;
    }
    if (form) clearErrors(form);
    const lines = [error.detail || t("errors.unknown")];
    if (error.differences.length) {
      for (const difference of error.differences) {
        lines.push(t("desk.difference", { field: fieldLabel(difference.field), declared: difference.declared, registry: difference.registry ?? "—" }));
      }
    }
    showBanner(region, "error", error.title || t("errors.unknown"), lines);
    return;
  }
  if (form) clearErrors(form);
  const message = error instanceof NetworkError ? t("errors.network") : t("errors.unknown");
  showBanner(region, "error", message, [t("errors.help")]);
}

export function fieldLabel(path) {
  const key = `field.${path}`;
  const text = t(key);
  return text === key ? path : text;
}

/** Disables the form's submit buttons while `work` runs (no double submission). */
export async function busy(form, work) {
  const buttons = form.querySelectorAll("button");
  for (const button of buttons) button.disabled = true;
  form.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    for (const button of buttons) button.disabled = false;
    form.removeAttribute("aria-busy");
  }
}

export function value(form, name) {
  const element = form.elements.namedItem(name);
  if (!element) return "";
  if (element instanceof RadioNodeList) return element.value || "";
  return (element.value || "").trim();
}

/** A local page to go back to after signing in (never another site). */
export function safeNext(fallback) {
  const next = new URLSearchParams(window.location.search).get("next") || "";
  return /^[a-z0-9-]+\.html$/.test(next) ? next : fallback;
}
