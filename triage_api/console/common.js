// Shared by every console page: the bearer token (kept in sessionStorage only, never in a URL),
// calls to the API, DOM building without innerHTML, and the Vietnamese names of codes.

const TOKEN_KEY = "triage.console.token";

export const URGENCY_VI = { P1: "P1 — khẩn cấp", P2: "P2 — cao", P3: "P3 — trung bình", P4: "P4 — thấp" };
export const STATUS_VI = {
  received: "mới nhận", queued: "đã chuyển hàng đợi công an", acknowledged: "công an đã nhận",
  in_progress: "đang xử lý", resolved: "đã xử lý xong", closed: "đã đóng",
};
export const CHANNEL_VI = { zalo: "Zalo", telegram: "Telegram", web: "Web chat", hotline: "Điện thoại 111" };
export const ROLE_VI = { operator: "điều phối viên", supervisor: "giám sát viên", police: "công an", auditor: "kiểm tra viên", service: "dịch vụ" };

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.message_vi) || `Lỗi ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}

export function token() { return sessionStorage.getItem(TOKEN_KEY); }
export function setToken(value) { sessionStorage.setItem(TOKEN_KEY, value); }
function forget() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem("triage.console.me"); location.assign("/console/"); }

/** Sign out: the server deletes the token first (a copy of it stops working), then the page forgets it. */
export async function logout() {
  const t = token();
  if (t) {
    try { await fetch("/v1/logout", { method: "POST", headers: { Authorization: `Bearer ${t}` } }); } catch { /* offline: it still expires */ }
  }
  forget();
}

export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

/** Call the API; JSON in and out. A 401 sends the person back to the sign-in page. */
export async function api(path, { method = "GET", json, headers = {}, raw = false, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  if (response.status === 401 && token()) { forget(); throw new ApiError(401, null); }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/** el("td", {class: "x"}, "text", child): user text always becomes a text node, never markup. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

export function badge(urgency) { return el("span", { class: `badge ${urgency}`, title: URGENCY_VI[urgency] || "" }, urgency); }

export function formatTime(iso) {
  return new Date(iso).toLocaleString("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", hour12: false });
}

export function waited(iso, now = Date.now()) {
  const minutes = Math.max(0, Math.floor((now - new Date(iso).getTime()) / 60000));
  if (minutes < 1) return "vừa xong";
  if (minutes < 60) return `${minutes} phút`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} giờ ${minutes % 60} phút`;
  return `${Math.floor(hours / 24)} ngày`;
}

/** A random key made once per form, so a double click or a retry never makes a second report. */
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

let referenceCache = null;
export async function reference() {
  if (!referenceCache) referenceCache = await api("/v1/reference");
  return referenceCache;
}

export async function me() {
  const cached = sessionStorage.getItem("triage.console.me");
  if (cached) return JSON.parse(cached);
  const who = await api("/v1/me");
  sessionStorage.setItem("triage.console.me", JSON.stringify(who));
  return who;
}

/** For pages other than sign-in: the signed-in person, or back to the sign-in page. */
export async function signedIn(active) {
  if (!token()) { location.assign("/console/"); throw new Error("not signed in"); }
  const who = await me();
  renderHeader(active, who);
  return who;
}

export function renderHeader(active, who) {
  const header = document.querySelector("header.top");
  if (!header) return;
  const role = who ? who.role : null;
  const pages = [["queue", "/console/", "Hàng đợi", true],
    ["hotline", "/console/hotline.html", "Nhập cuộc gọi", role === "operator" || role === "supervisor"],
    ["stats", "/console/stats.html", "Thống kê", role === "supervisor" || role === "auditor"]];
  const nav = el("nav", {}, pages.filter(([, , , shown]) => who && shown).map(([id, href, text]) =>
    el("a", { href, "aria-current": id === active ? "page" : null }, text)));
  clear(header).append(
    el("h1", {}, "Tiếp nhận tin báo mua bán người"), nav,
    who ? el("span", { class: "who" }, `${who.name.replace(/^user:/, "")} (${ROLE_VI[who.role] || who.role}) `,
      el("button", { class: "secondary", type: "button", id: "logout", onclick: logout }, "Đăng xuất")) : null,
  );
}

export function fillSelect(select, options, emptyText) {
  clear(select);
  if (emptyText !== undefined) select.append(el("option", { value: "" }, emptyText));
  for (const [value, text] of options) select.append(el("option", { value }, text));
}
