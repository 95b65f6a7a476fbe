// The only module that talks to the API (/v1, same origin). The session token
// lives in sessionStorage (this tab only; never localStorage), and is dropped
// on sign-out or when the API says it is no longer valid.
import { lang } from "./i18n.js";

const SESSION_KEY = "bhxh.session";

export class Problem extends Error {
  constructor(status, body) {
    const problem = body && typeof body === "object" ? body : {};
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "unknown";
    this.title = problem.title || "";
    this.detail = problem.detail || "";
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.differences = Array.isArray(problem.differences) ? problem.differences : [];
  }
}

/** Raised when the API could not be reached at all (the request may be sent again). */
export class NetworkError extends Error {}

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export function newIdempotencyKey() {
  return crypto.randomUUID();
}

export async function request(method, path, options = {}) {
  const { json, body, contentType, query, headers = {}, idempotencyKey, raw = false } = options;
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const sent = { Accept: "application/json, application/problem+json", "Accept-Language": lang(), ...headers };
  const current = session();
  if (current?.token) sent.Authorization = `Bearer ${current.token}`;
  if (idempotencyKey) sent["Idempotency-Key"] = idempotencyKey;
  let payload = body;
  if (json !== undefined) {
    payload = JSON.stringify(json);
    sent["Content-Type"] = "application/json";
  } else if (contentType) {
    sent["Content-Type"] = contentType;
  }
  let response;
  try {
    response = await fetch(url, { method, headers: sent, body: payload, cache: "no-store", credentials: "omit" });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  if (response.status === 401 && current?.token) clearSession();
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const problem = type.includes("json") ? await response.json().catch(() => null) : null;
    throw new Problem(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204 || response.status === 202) return null;
  return type.includes("json") ? response.json() : response.text();
}

// --- the calls the pages make -------------------------------------------------------------

export const listOffices = () => request("GET", "/v1/offices");

export const submitDeclaration = (form, idempotencyKey) =>
  request("POST", "/v1/declarations", { json: form, idempotencyKey });

export const submitPaperDeclaration = (form, idempotencyKey) =>
  request("POST", "/v1/declarations/paper", { json: form, idempotencyKey });

export const submitSignedDeclaration = (file, idempotencyKey) =>
  request("POST", "/v1/declarations/signed", { body: file, contentType: "application/xml", idempotencyKey });

/**
 * The declarant reads their declaration's status (by its id or counter code):
 * the ID number travels in the X-Id-Number header, never in the URL.
 */
export const declarationStatus = (declarationId, idNumber) =>
  request("GET", `/v1/declarations/${encodeURIComponent(declarationId)}`, { headers: { "X-Id-Number": idNumber } });

/**
 * Officer lookup by counter code and/or ID number (with bhxh_code to prove the
 * person is present): in a POST body, so ID numbers stay out of URLs and logs.
 */
export const lookupDeclarations = (criteria) => request("POST", "/v1/declarations/lookup", { json: criteria });

export const receiveDeclaration = (id, body) =>
  request("POST", `/v1/declarations/${encodeURIComponent(id)}/receive`, { json: body });
/**
 * Form 01 as a PDF to print (a Blob): the declarant sends their ID number in X-Id-Number,
 * an officer's session token goes along by itself.
 */
export async function form01Pdf(declarationId, idNumber) {
  const headers = { Accept: "application/pdf" };
  if (idNumber) headers["X-Id-Number"] = idNumber;
  const path = `/v1/declarations/${encodeURIComponent(declarationId)}/form01.pdf`;
  const response = await request("GET", path, { headers, raw: true });
  return response.blob();
}

/** Save a Blob as a file the browser downloads. */
export function saveFile(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * The copy of the ID document: a presigned POST straight to S3 (the file never passes
 * through the API), then the service checks what arrived and keeps it with the dossier.
 */
export async function uploadIdCopy(id, file) {
  const path = `/v1/declarations/${encodeURIComponent(id)}/id-copy`;
  const asked = await request("POST", path, { json: { content_type: file.type } });
  const form = new FormData();
  for (const [name, value] of Object.entries(asked.upload.fields)) form.append(name, value);
  form.append("file", file);
  try {
    // S3's answer is not needed (and not readable across origins): the check says what arrived.
    await fetch(asked.upload.url, { method: "POST", body: form, mode: "no-cors", credentials: "omit" });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  return request("POST", `${path}/check`);
}
export const approveDeclaration = (id) => request("POST", `/v1/declarations/${encodeURIComponent(id)}/approve`);
export const rejectDeclaration = (id, body) =>
  request("POST", `/v1/declarations/${encodeURIComponent(id)}/reject`, { json: body });
export const declarationHistory = (id) => request("GET", `/v1/declarations/${encodeURIComponent(id)}/history`);
export const overdueDeclarations = () => request("GET", "/v1/declarations/overdue");

export const signIn = (username, password) => request("POST", "/v1/auth/login", { json: { username, password } });
export const changePassword = (currentPassword, newPassword) =>
  request("POST", "/v1/auth/password", { json: { current_password: currentPassword, new_password: newPassword } });
export const signOut = () => request("POST", "/v1/auth/logout");
export const startRecovery = (username, phone) => request("POST", "/v1/auth/recovery", { json: { username, phone } });
export const confirmRecovery = (username, code, newPassword) =>
  request("POST", "/v1/auth/recovery/confirm", { json: { username, code, new_password: newPassword } });
export const me = () => request("GET", "/v1/me");

export const progressReport = (province) =>
  request("GET", "/v1/reports/progress", { query: { format: "json", province } });
export const progressCsv = (province) =>
  request("GET", "/v1/reports/progress", { query: { format: "csv", province }, raw: true });
export const serviceReport = (from, to) => request("GET", "/v1/reports/service", { query: { from, to } });

/** VNeID (OpenID Connect): where to send the person, then the code and state it sends back. */
export const startVneid = (purpose, officeCode) =>
  request("POST", "/v1/auth/vneid/start", { json: officeCode ? { purpose, office_code: officeCode } : { purpose } });

export const finishVneid = (code, state) => request("POST", "/v1/auth/vneid/callback", { json: { code, state } });
