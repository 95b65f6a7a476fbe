// Form 01 (Mẫu số 01): reading the form into the API's JSON, and the checks
// that mirror the server's rules (chalicelib/domain/form01.py), so most
// mistakes are shown before sending. The server stays the judge: its errors[]
// are shown on the same fields when it disagrees.
import { t } from "./i18n.js";
import { value } from "./forms.js";

/** "15/12/1965" or "1965-12-15" → "1965-12-15"; anything else is returned as typed (the server says why). */
export function isoDate(text) {
  const trimmed = text.trim();
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(trimmed);
  if (match) return `${match[3]}-${match[2].padStart(2, "0")}-${match[1].padStart(2, "0")}`;
  return trimmed;
}

function realDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return null;
  const date = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso ? null : date;
}

function todayInVietnam() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
}

export function readForm01(form) {
  const email = value(form, "email");
  const unit = value(form, "unit_code");
  const body = {
    full_name: value(form, "full_name").replace(/\s+/g, " "),
    date_of_birth: isoDate(value(form, "date_of_birth")),
    gender: value(form, "gender"),
    nationality: value(form, "nationality").toUpperCase() || "VN",
    id_document: {
      type: value(form, "id_document.type"),
      number: value(form, "id_document.number").replace(/\s+/g, "").toUpperCase(),
      issued_on: isoDate(value(form, "id_document.issued_on")),
      issued_by: value(form, "id_document.issued_by"),
    },
    phone: value(form, "phone").replace(/[\s.]/g, ""),
    address: value(form, "address"),
    office_code: value(form, "office_code"),
  };
  // A CCCD holder may leave the code out: the CCCD number serves as the code (Công văn 1804/BHXH-QLT).
  const code = value(form, "bhxh_code").replace(/\s+/g, "");
  if (code) body.bhxh_code = code;
  if (email) body.email = email;
  if (unit) body.unit_code = unit;
  return body;
}

export function validateForm01(body) {
  const errors = [];
  const add = (field, key, params) => errors.push({ field, message: t(key, params) });
  const today = todayInVietnam();

  if (!body.full_name) add("full_name", "v.full_name.required");
  else if (body.full_name.length > 100) add("full_name", "v.too_long", { max: 100 });
  else if (!/^[\p{L}\p{M} ]+$/u.test(body.full_name)) add("full_name", "v.full_name.letters");

  const birth = realDate(body.date_of_birth);
  if (!body.date_of_birth) add("date_of_birth", "v.date_of_birth.required");
  else if (!birth) add("date_of_birth", "v.date.invalid");
  else if (body.date_of_birth < "1900-01-01" || body.date_of_birth >= today) add("date_of_birth", "v.date_of_birth.range");

  if (!body.gender) add("gender", "v.gender.required");
  if (!/^[A-Z]{2}$/.test(body.nationality)) add("nationality", "v.nationality");
  if (!body.bhxh_code) {
    if (body.id_document.type && body.id_document.type !== "cccd") add("bhxh_code", "v.bhxh_code.required");
  } else if (!/^\d{10}$/.test(body.bhxh_code)) add("bhxh_code", "v.bhxh_code.format");

  const doc = body.id_document;
  if (!doc.type) add("id_document.type", "v.id_type.required");
  if (!doc.number) add("id_document.number", "v.id_number.required");
  else if (doc.type === "cccd") {
    if (!/^\d{12}$/.test(doc.number)) add("id_document.number", "v.cccd.format");
    else if (birth && body.gender) {
      const year = Number(body.date_of_birth.slice(0, 4));
      const century = Math.floor(year / 100) - 19;
      const expected = century * 2 + (body.gender === "female" ? 1 : 0);
      if (Number(doc.number[3]) !== expected) add("id_document.number", "v.cccd.century");
      else if (doc.number.slice(4, 6) !== String(year % 100).padStart(2, "0")) add("id_document.number", "v.cccd.year");
    }
  } else if (doc.type === "cmnd" && !/^(\d{9}|\d{12})$/.test(doc.number)) add("id_document.number", "v.cmnd.format");
  else if (doc.type === "passport" && !/^(?=.*\d)[A-Z0-9]{6,9}$/.test(doc.number)) add("id_document.number", "v.passport.format");

  const issued = realDate(doc.issued_on);
  if (!doc.issued_on) add("id_document.issued_on", "v.issued_on.required");
  else if (!issued) add("id_document.issued_on", "v.date.invalid");
  else if (doc.issued_on > today || (birth && doc.issued_on < body.date_of_birth)) add("id_document.issued_on", "v.issued_on.range");
  if (!doc.issued_by) add("id_document.issued_by", "v.issued_by.required");
  else if (doc.issued_by.length > 200) add("id_document.issued_by", "v.too_long", { max: 200 });

  if (!body.phone) add("phone", "v.phone.required");
  else if (!/^(\+84|84|0)[35789]\d{8}$/.test(body.phone)) add("phone", "v.phone.format");
  if (body.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) add("email", "v.email.format");
  if (!body.address) add("address", "v.address.required");
  else if (body.address.length > 300) add("address", "v.too_long", { max: 300 });
  if (!body.office_code) add("office_code", "v.office.required");
  if (body.unit_code && !/^[A-Za-z0-9._-]{1,20}$/.test(body.unit_code)) add("unit_code", "v.unit_code.format");
  return errors;
}

/** The office picker: offices grouped by province (optgroup), from GET /v1/offices. */
export function fillOfficePicker(select, offices, provinces) {
  const chosen = select.value;
  const groups = new Map();
  for (const office of offices) {
    if (!groups.has(office.province_code)) groups.set(office.province_code, []);
    groups.get(office.province_code).push(office);
  }
  const placeholder = select.querySelector("option[value='']");
  select.replaceChildren(...(placeholder ? [placeholder] : []));
  const ordered = [...groups.keys()].sort((a, b) =>
    (provinces[a] ?? a).localeCompare(provinces[b] ?? b, "vi"),
  );
  for (const code of ordered) {
    const group = document.createElement("optgroup");
    group.label = provinces[code] ?? code;
    for (const office of groups.get(code)) {
      const option = document.createElement("option");
      option.value = office.office_code;
      option.textContent = `${office.name} (${office.office_code})`;
      group.append(option);
    }
    select.append(group);
  }
  if (chosen) select.value = chosen;
}
