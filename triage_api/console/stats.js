// The plans' figures for a month, quarter, half-year or year (GET /v1/stats), as tiles and inline SVG
// bar charts drawn here, and the same figures as CSV or XLSX (fetched with the bearer header).
import { CHANNEL_VI, api, clear, el, fillSelect, reference, signedIn } from "/console/common.js";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const COUNT = { month: 12, quarter: 4, half: 2, year: 1 };
const NAME = { month: "Tháng", quarter: "Quý", half: "6 tháng", year: "Năm" };
const FIRST_MONTH = { month: (n) => n, quarter: (n) => (n - 1) * 3 + 1, half: (n) => (n - 1) * 6 + 1, year: () => 1 };
const SPAN = { month: 1, quarter: 3, half: 6, year: 12 };
let labels = {};
let provinceNames = [];

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Horizontal bars; a suppressed cell (null) is a grey stub labelled «<3». */
function bars(entries) {
  if (!entries.length) return el("p", { class: "muted" }, "Chưa có số liệu.");
  const rowH = 22, labelW = 190, barW = 320;
  const max = Math.max(1, ...entries.map(([, v]) => v || 0));
  const chart = svg("svg", { class: "chart", width: labelW + barW + 60, height: entries.length * rowH + 6, role: "img" });
  entries.forEach(([label, value], i) => {
    const y = i * rowH + 3;
    chart.append(svg("text", { x: 0, y: y + 14 }, label.length > 28 ? label.slice(0, 27) + "…" : label));
    const width = value === null ? 6 : Math.max(1, Math.round((value / max) * barW));
    chart.append(svg("rect", { class: value === null ? "suppressed" : "bar", x: labelW, y, width, height: rowH - 6 }));
    chart.append(svg("text", { x: labelW + width + 6, y: y + 14 }, value === null ? "<3" : String(value)));
  });
  return chart;
}

function share(value) { return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`; }

function tiles(stats) {
  const box = clear($("tiles"));
  const tile = (value, what) => box.append(el("div", { class: "tile" }, el("div", { class: "value" }, value), el("div", { class: "what" }, what)));
  tile(String(stats.received), "tin báo nhận được");
  tile(share(stats.classified_share), "đã phân loại (mục tiêu 100 %)");
  tile(share(stats.resolved_share), "đã xử lý xong (mục tiêu > 90 %)");
  tile(share(stats.finished_share), "đã xong hoặc đã đóng có lý do");
  for (const [urgency, cells] of Object.entries(stats.minutes_to_acknowledge)) {
    tile(cells.median === null ? "—" : `${cells.median} phút`, `thời gian đến khi công an nhận, ${urgency} (trung vị)`);
  }
}

function params() {
  const p = new URLSearchParams({ period: $("period").value, year: $("year").value, number: $("number").value });
  if ($("province").value) p.set("province", $("province").value);
  return p;
}

async function byMonth(period, year, number, province) {
  if (period === "month") return null;
  const first = FIRST_MONTH[period](number);
  const months = Array.from({ length: SPAN[period] }, (_, i) => first + i);
  const found = await Promise.all(months.map((m) => {
    const p = new URLSearchParams({ period: "month", year: String(year), number: String(m) });
    if (province) p.set("province", province);
    return api(`/v1/stats?${p}`);
  }));
  // a month's total is itself a count: suppressed the same way when it is 1 or 2
  return months.map((m, i) => [`Tháng ${m}`, found[i].received > 0 && found[i].received < 3 ? null : found[i].received]);
}

async function show(event) {
  if (event) event.preventDefault();
  $("error").textContent = "";
  try {
    const period = $("period").value, year = Number($("year").value), number = Number($("number").value);
    const stats = await api(`/v1/stats?${params()}`);
    $("figures").classList.remove("hidden");
    $("heading").textContent = `${NAME[period]}${period === "year" ? "" : " " + number} năm ${year}${stats.province ? " — " + stats.province : ""}`;
    tiles(stats);
    const months = await byMonth(period, year, number, $("province").value);
    clear($("chart-month")).append(months ? bars(months) : el("p", { class: "muted" }, "Chọn quý, 6 tháng hoặc năm để xem theo tháng."));
    clear($("chart-urgency")).append(bars(Object.entries(stats.by_urgency)));
    clear($("chart-indicator")).append(bars(Object.entries(stats.by_indicator).map(([k, v]) => [labels[k] || k, v])));
    clear($("chart-channel")).append(bars(Object.entries(stats.by_channel).map(([k, v]) => [CHANNEL_VI[k] || k, v])));
    // all 34, those with no report too: a plan reads the zeros as well
    const provinces = provinceNames.map((p) => [p, p in stats.by_province ? stats.by_province[p] : 0]);
    const unknown = Object.entries(stats.by_province).filter(([p]) => !provinceNames.includes(p));
    clear($("chart-province")).append(bars([...provinces, ...unknown]));
  } catch (error) {
    $("error").textContent = error.message;
  }
}

async function download(kind) {
  $("error").textContent = "";
  try {
    const response = await api(`/v1/stats.${kind}?${params()}`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    const p = params();
    const link = el("a", { href: url, download: `thong-ke-${p.get("period")}-${p.get("year")}-${p.get("number")}.${kind}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    $("error").textContent = error.message;
  }
}

function numbers() {
  const period = $("period").value;
  const now = new Date();
  fillSelect($("number"), Array.from({ length: COUNT[period] }, (_, i) => [String(i + 1), String(i + 1)]));
  const current = { month: now.getMonth() + 1, quarter: Math.floor(now.getMonth() / 3) + 1, half: now.getMonth() < 6 ? 1 : 2, year: 1 }[period];
  $("number").value = String(current);
}

async function start() {
  const who = await signedIn("stats");
  if (who.role !== "supervisor" && who.role !== "auditor") {
    $("error").textContent = "Thống kê dành cho giám sát viên và kiểm tra viên.";
    $("period-form").classList.add("hidden");
    return;
  }
  const ref = await reference();
  labels = ref.indicators;
  provinceNames = ref.provinces;
  fillSelect($("province"), ref.provinces.map((p) => [p, p]), "Cả nước");
  $("year").value = String(new Date().getFullYear());
  numbers();
  $("period").addEventListener("change", numbers);
  $("period-form").addEventListener("submit", show);
  $("export-csv").addEventListener("click", () => download("csv"));
  $("export-xlsx").addEventListener("click", () => download("xlsx"));
  await show();
}

start();
