// Vietnamese first, English on request. The HTML is written in Vietnamese; every
// element with data-i18n has its English text in HTML_EN. Texts made by scripts
// come from STRINGS (both languages). The choice lives in sessionStorage.
import { HTML_EN, STRINGS } from "./strings.js";

const LANG_KEY = "bhxh.lang";

export function lang() {
  return document.documentElement.lang === "en" ? "en" : "vi";
}

export function t(key, params = {}) {
  const entry = STRINGS[key];
  let text = entry ? entry[lang()] ?? entry.vi : key;
  for (const [name, value] of Object.entries(params)) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

export function applyLang(code) {
  const target = code === "en" ? "en" : "vi";
  document.documentElement.lang = target;
  for (const element of document.querySelectorAll("[data-i18n]")) {
    if (element.dataset.vi === undefined) element.dataset.vi = element.textContent;
    const english = HTML_EN[element.dataset.i18n];
    element.textContent = target === "en" && english !== undefined ? english : element.dataset.vi;
  }
  for (const element of document.querySelectorAll("[data-i18n-label]")) {
    if (element.dataset.viLabel === undefined) element.dataset.viLabel = element.getAttribute("aria-label") ?? "";
    const english = HTML_EN[element.dataset.i18nLabel];
    element.setAttribute("aria-label", target === "en" && english !== undefined ? english : element.dataset.viLabel);
  }
  const toggle = document.getElementById("lang-toggle");
  if (toggle) {
    // The button names the other language, in that language.
    toggle.textContent = target === "en" ? "Tiếng Việt" : "English";
    toggle.lang = target === "en" ? "vi" : "en";
  }
  sessionStorage.setItem(LANG_KEY, target);
  document.dispatchEvent(new CustomEvent("langchange", { detail: target }));
}

export function initLang() {
  const toggle = document.getElementById("lang-toggle");
  toggle?.addEventListener("click", () => applyLang(lang() === "en" ? "vi" : "en"));
  applyLang(sessionStorage.getItem(LANG_KEY) === "en" ? "en" : "vi");
}

const TIME_ZONE = "Asia/Ho_Chi_Minh";

export function formatDateTime(iso) {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(lang() === "en" ? "en-GB" : "vi-VN", {
    timeZone: TIME_ZONE,
    dateStyle: "full",
    timeStyle: "short",
  }).format(new Date(iso));
}

export function formatDate(isoDate) {
  if (!isoDate) return "—";
  const [year, month, day] = isoDate.slice(0, 10).split("-");
  return `${day}/${month}/${year}`;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(lang() === "en" ? "en-GB" : "vi-VN", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}
