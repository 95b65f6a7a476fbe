// Leadership dashboard (role reporter): campaign progress per unit, worst first,
// totals, the CSV for Excel, accounts issued per day and the service report.
// Charts are plain SVG (sizes are attributes, so the strict CSP holds), each
// with the same figures in a table for screen readers and keyboard users.
import { progressCsv, progressReport, serviceReport } from "../api.js";
import { busy, showBanner, showFailure, value } from "../forms.js";
import { formatDate, formatNumber, t } from "../i18n.js";
import { initPage, requireSession, signInAgain } from "../layout.js";
import { PROVINCES } from "../provinces.js";

const SVG = "http://www.w3.org/2000/svg";
const DAYS = 14;

initPage();
const me = requireSession("dashboard.html");
const $ = (id) => document.getElementById(id);
const filter = $("filter-form");
const outcome = $("outcome");
let progress = null;
let service = null;

function failed(error) {
  if (error.status === 401) signInAgain("dashboard.html");
  else showFailure(null, outcome, error);
}

function svg(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, val] of Object.entries(attributes)) element.setAttribute(key, String(val));
  return element;
}

function vietnamToday() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
}

function daysBefore(isoDate, days) {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - days);
  return date.toISOString().slice(0, 10);
}

function table(caption, headings, rows, numeric = []) {
  const element = document.createElement("table");
  const title = document.createElement("caption");
  title.textContent = caption;
  const head = document.createElement("thead");
  const headRow = document.createElement("tr");
  headings.forEach((heading, index) => {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = heading;
    if (numeric.includes(index)) cell.className = "num";
    headRow.append(cell);
  });
  head.append(headRow);
  const body = document.createElement("tbody");
  for (const cells of rows) {
    const line = document.createElement("tr");
    cells.forEach((content, index) => {
      const cell = document.createElement(index === 0 ? "th" : "td");
      if (index === 0) cell.scope = "row";
      if (numeric.includes(index)) cell.className = "num";
      if (content instanceof Node) cell.append(content);
      else cell.textContent = content;
      line.append(cell);
    });
    body.append(line);
  }
  element.append(title, head, body);
  return element;
}

function figures(list, entries) {
  list.replaceChildren();
  for (const [label, text] of entries) {
    const group = document.createElement("div");
    const term = document.createElement("dt");
    term.textContent = label;
    const detail = document.createElement("dd");
    detail.textContent = text;
    group.append(term, detail);
    list.append(group);
  }
}

function percentText(share) {
  return share === null || share === undefined ? "—" : `${formatNumber(share * 100, 1)}%`;
}

// --- progress ------------------------------------------------------------------------------

/** Behind schedule first, then the lowest share, then the most people left. */
function worstFirst(units) {
  return [...units].sort(
    (a, b) =>
      Number(a.on_track) - Number(b.on_track) ||
      (a.percent ?? 101) - (b.percent ?? 101) ||
      b.remaining - a.remaining ||
      a.unit_code.localeCompare(b.unit_code),
  );
}

function bar(percent, onTrack) {
  const graphic = svg("svg", { class: "bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true", focusable: "false" });
  graphic.append(svg("rect", { class: "track", x: 0, y: 0, width: 100, height: 10 }));
  graphic.append(svg("rect", { class: onTrack ? "fill" : "fill behind", x: 0, y: 0, width: Math.max(0, Math.min(100, percent ?? 0)), height: 10 }));
  return graphic;
}

function renderProgress() {
  if (!progress) return;
  $("as-of").textContent = t("dash.as_of", {
    date: formatDate(progress.as_of),
    from: formatDate(progress.rate_window.from),
    to: formatDate(progress.rate_window.to),
  });
  const totals = progress.totals;
  figures($("totals"), [
    [t("dash.total.units"), formatNumber(totals.units)],
    [t("dash.total.roster"), formatNumber(totals.roster)],
    [t("dash.total.registered"), formatNumber(totals.registered)],
    [t("dash.total.percent"), totals.percent === null ? "—" : `${formatNumber(totals.percent, 1)}%`],
    [t("dash.total.remaining"), formatNumber(totals.remaining)],
    [t("dash.total.behind"), formatNumber(totals.units_behind)],
  ]);
  const box = $("units");
  if (!progress.units.length) {
    const text = document.createElement("p");
    text.textContent = t("dash.no_units");
    box.replaceChildren(text);
    return;
  }
  const rows = worstFirst(progress.units).map((unit) => {
    const cell = document.createElement("span");
    cell.className = "bar-cell";
    cell.append(bar(unit.percent, unit.on_track), document.createTextNode(unit.percent === null ? "—" : `${formatNumber(unit.percent, 1)}%`));
    const track = document.createElement("span");
    track.className = `tag tag--${unit.on_track ? "ok" : "behind"}`;
    track.textContent = t(unit.on_track ? "dash.on_track" : "dash.behind");
    return [
      `${unit.name} (${unit.unit_code})`,
      cell,
      `${formatNumber(unit.registered)} / ${formatNumber(unit.roster)}`,
      formatNumber(unit.remaining),
      `${formatDate(unit.deadline)} (${formatNumber(unit.days_left)})`,
      track,
    ];
  });
  const units = table(
    t("dash.units.caption"),
    [t("dash.col.unit"), t("dash.col.progress"), t("dash.col.registered"), t("dash.col.remaining"), t("dash.col.deadline"), t("dash.col.track")],
    rows,
    [2, 3],
  );
  units.querySelector("caption").className = "visually-hidden"; // the heading above says it
  box.replaceChildren(units);
}

// --- charts --------------------------------------------------------------------------------------

function columnChart(label, days, values, { limit = null, format = (v) => formatNumber(v) } = {}) {
  const width = 700;
  const height = 220;
  const left = 44;
  const bottom = 30;
  const top = 12;
  const peak = Math.max(1, limit ?? 0, ...values.map((v) => v ?? 0));
  const plot = height - bottom - top;
  const step = (width - left) / days.length;
  const chart = svg("svg", { class: "chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  chart.append(svg("line", { class: "axis", x1: left, y1: top + plot, x2: width, y2: top + plot }));
  const topLabel = svg("text", { x: 0, y: top + 4 });
  topLabel.textContent = format(peak);
  chart.append(topLabel);
  days.forEach((day, index) => {
    const v = values[index] ?? 0;
    const h = (v / peak) * plot;
    const x = left + index * step + step * 0.15;
    const over = limit !== null && v > limit;
    chart.append(svg("rect", { class: over ? "column over" : "column", x, y: top + plot - h, width: step * 0.7, height: h }));
    const tick = svg("text", { x: x, y: height - 10 });
    tick.textContent = day.slice(8, 10) + "/" + day.slice(5, 7);
    chart.append(tick);
  });
  if (limit !== null) {
    const y = top + plot - (limit / peak) * plot;
    chart.append(svg("line", { class: "limit", x1: left, y1: y, x2: width, y2: y }));
    const text = svg("text", { x: left + 4, y: y - 4 });
    text.textContent = t("dash.limit");
    chart.append(text);
  }
  return chart;
}

function renderService() {
  if (!service) return;
  const days = service.days.map((day) => day.date);
  const approved = (day) => ({
    office: day.declarations.office.approved,
    paper: day.declarations.paper.approved,
    signed: day.declarations.signed.approved,
    vneid: day.declarations.vneid.approved,
  });
  const totalsPerDay = service.days.map((day) => Object.values(approved(day)).reduce((a, b) => a + b, 0));
  const recent = $("recent");
  recent.replaceChildren(
    columnChart(t("dash.recent.chart"), days, totalsPerDay),
    table(
      t("dash.recent.caption"),
      [t("dash.recent.date"), t("channel.office"), t("channel.paper"), t("channel.signed"), t("channel.vneid"), t("dash.recent.total")],
      service.days.map((day, index) => {
        const counts = approved(day);
        return [formatDate(day.date), formatNumber(counts.office), formatNumber(counts.paper), formatNumber(counts.signed), formatNumber(counts.vneid), formatNumber(totalsPerDay[index])];
      }),
      [1, 2, 3, 4, 5],
    ),
  );
  const totals = service.totals;
  const seconds = (v) => (v === null || v === undefined ? "—" : t("dash.seconds", { value: formatNumber(v, 1) }));
  figures($("service-figures"), [
    [t("dash.service.count"), formatNumber(totals.notices.count)],
    [t("dash.service.p50"), seconds(totals.notices.p50_seconds)],
    [t("dash.service.p99"), seconds(totals.notices.p99_seconds)],
    [t("dash.service.max"), seconds(totals.notices.max_seconds)],
    [t("dash.service.within"), percentText(totals.notices.share_within_limit)],
    [t("dash.service.paper"), percentText(totals.dossiers.paper.share_on_time)],
    [t("dash.service.office"), percentText(totals.dossiers.office.share_on_time)],
    [t("dash.service.cancelled"), formatNumber(totals.cancelled_after_10_days)],
  ]);
  const p99 = service.days.map((day) => day.notices.p99_seconds);
  $("latency").replaceChildren(
    columnChart(t("dash.latency.chart"), days, p99, { limit: service.limit_seconds, format: (v) => formatNumber(v, 0) }),
    table(
      t("dash.latency.caption"),
      [t("dash.recent.date"), t("dash.service.count"), "p50", "p99", t("dash.service.max")],
      service.days.map((day) => [
        formatDate(day.date),
        formatNumber(day.notices.count),
        formatNumber(day.notices.p50_seconds, 1),
        formatNumber(day.notices.p99_seconds, 1),
        formatNumber(day.notices.max_seconds, 1),
      ]),
      [1, 2, 3, 4],
    ),
  );
}

// --- loading ----------------------------------------------------------------------------------

async function load() {
  const province = value(filter, "province");
  const today = vietnamToday();
  const [progressAnswer, serviceAnswer] = await Promise.all([
    progressReport(province),
    serviceReport(daysBefore(today, DAYS - 1), today),
  ]);
  progress = progressAnswer;
  service = serviceAnswer;
  outcome.hidden = true;
  renderProgress();
  renderService();
}

function fillProvinces() {
  const select = filter.elements.namedItem("province");
  const codes = Object.keys(PROVINCES).sort((a, b) => PROVINCES[a].localeCompare(PROVINCES[b], "vi"));
  for (const code of codes) {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = PROVINCES[code];
    select.append(option);
  }
}

filter.addEventListener("submit", async (event) => {
  event.preventDefault();
  await busy(filter, async () => {
    try {
      await load();
    } catch (error) {
      failed(error);
    }
  });
});

$("download-csv").addEventListener("click", async () => {
  try {
    const response = await progressCsv(value(filter, "province"));
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? "tien-do-dang-ky.csv";
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    showBanner(outcome, "success", t("dash.csv.done", { name }));
  } catch (error) {
    failed(error);
  }
});

document.addEventListener("langchange", () => {
  renderProgress();
  renderService();
});

if (me) {
  fillProvinces();
  load().catch(failed);
}
