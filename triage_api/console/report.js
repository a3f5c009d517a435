// One report: the narrative with each indicator's evidence highlighted (by the stored offsets, as text
// nodes, never markup), the urgency and why, what was extracted, the history, and the actions.
import { CHANNEL_VI, STATUS_VI, URGENCY_VI, api, badge, clear, el, formatTime, reference, signedIn } from "/console/common.js";

const $ = (id) => document.getElementById(id);
const reportId = new URLSearchParams(location.search).get("id") || "";
const OPEN = new Set(["received", "queued", "acknowledged", "in_progress"]);
const KIND_VI = {
  received: "tiếp nhận", status: "đổi trạng thái", urgency: "đổi mức khẩn cấp", claim: "nhận xử lý", release: "trả lại hàng đợi",
  forward: "chuyển tiếp",
};
const TARGET_VI = { police: "công an", victim_support: "hỗ trợ nạn nhân" };
let labels = {};
let who = null;

/** The narrative as DOM nodes: offsets count code points (as the API does), so emoji never shift a mark. */
export function highlighted(text, indicators) {
  const chars = Array.from(text);
  const spans = indicators.filter((i) => Number.isInteger(i.start) && Number.isInteger(i.end) && i.end > i.start)
    .map((i) => ({ code: i.code, start: Math.max(0, i.start), end: Math.min(chars.length, i.end) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const nodes = [];
  let at = 0;
  for (const span of spans) {
    if (span.end <= at) continue; // inside a span already marked
    const start = Math.max(span.start, at);
    if (start > at) nodes.push(document.createTextNode(chars.slice(at, start).join("")));
    nodes.push(el("mark", { "data-code": span.code, title: labels[span.code] || span.code },
      chars.slice(start, span.end).join(""), el("span", { class: "tag" }, labels[span.code] || span.code)));
    at = span.end;
  }
  if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join("")));
  return nodes;
}

function dl(pairs) {
  return pairs.filter(([, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length))
    .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, Array.isArray(v) ? v.join(", ") : String(v))]);
}

async function entities(report) {
  const box = clear($("entities"));
  const people = (report.people_at_risk || []).map((p) => [p.relation, p.age != null ? `${p.age} tuổi` : null].filter(Boolean).join(", "));
  const suspects = (report.suspects || []).map((s) => `${s.kind}: ${s.value}`);
  const pairs = [["Tỉnh, thành", report.province], ["Xã, phường", report.commune], ["Nước đến", report.destination_country],
    ["Người gặp nguy hiểm", people], ["Đối tượng", suspects], ["Liên hệ người báo", report.contact]];
  if (report.narrative) {
    try { // the engine again, for what the stored report does not keep (ages, phones, accounts, money)
      const found = (await api("/v1/triage", { method: "POST", json: { text: report.narrative } })).entities;
      pairs.push(["Tuổi nhắc tới", found.ages], ["Số điện thoại", found.phones],
        ["Tài khoản", found.handles.map((h) => `${h.platform}: ${h.handle}`)], ["Số tiền", found.money.map((m) => m.text)]);
    } catch { /* the stored fields still show */ }
  }
  box.append(...dl(pairs));
  if (!box.childNodes.length) box.append(el("p", { class: "muted" }, "Không có."));
}

function show(report) {
  $("report").classList.remove("hidden");
  document.title = `Tin báo ${report.receipt_code} — Tiếp nhận tin báo mua bán người`;
  clear($("title")).append(badge(report.urgency), ` Tin báo ${report.receipt_code}`);
  const claimed = report.history.filter((e) => e.kind === "claim" || e.kind === "release").at(-1);
  const holder = claimed && claimed.kind === "claim" ? claimed.actor : null;
  clear($("summary")).append(
    `${URGENCY_VI[report.urgency]} · ${STATUS_VI[report.status] || report.status} · ${CHANNEL_VI[report.channel] || report.channel}`,
    ` · ${report.province || "chưa rõ tỉnh"} · nhận lúc ${formatTime(report.received_at)}`,
  );
  $("report").dataset.status = report.status;
  const narrative = clear($("narrative"));
  if (report.narrative === null) {
    narrative.append(el("p", { class: "muted", id: "no-personal" }, "Vai trò của bạn không được xem nội dung và thông tin cá nhân của tin báo này."));
  } else {
    narrative.append(...highlighted(report.narrative, report.indicators));
  }
  clear($("explanation")).append(report.explanation ? el("span", {}, el("strong", {}, "Vì sao mức này: "), report.explanation) : "");
  const list = clear($("indicators"));
  const chars = report.narrative === null ? null : Array.from(report.narrative);
  for (const i of report.indicators) {
    list.append(el("li", { "data-code": i.code }, el("strong", {}, labels[i.code] || i.code),
      chars ? ` — «${chars.slice(i.start, i.end).join("")}»` : ""));
  }
  if (!report.indicators.length) list.append(el("li", { class: "muted" }, "Không thấy dấu hiệu nào."));
  entities(report);
  const history = clear($("history"));
  for (const e of report.history) {
    const what = e.kind === "status" ? `${KIND_VI.status}: ${STATUS_VI[e.to_value] || e.to_value}`
      : e.kind === "urgency" ? `${KIND_VI.urgency}: ${e.from_value} → ${e.to_value}`
        : e.kind === "forward" ? `${KIND_VI.forward} cho ${TARGET_VI[e.to_value] || e.to_value}` : (KIND_VI[e.kind] || e.kind);
    history.append(el("tr", {}, el("td", {}, formatTime(e.at)), el("td", {}, e.actor.replace(/^user:/, "")), el("td", {}, what),
      el("td", {}, e.reason || "")));
  }
  const canAct = who && (who.role === "operator" || who.role === "supervisor") && OPEN.has(report.status);
  $("actions").classList.toggle("hidden", !canAct);
  $("holder").textContent = holder ? `Đang xử lý: ${holder.replace(/^user:/, "")}` : "Chưa ai nhận xử lý.";
  // a claimed report is acted on only by its holder or a supervisor (the API refuses anyone else: 409)
  const mayChange = !holder || holder === who.name || who.role === "supervisor";
  for (const id of ["urgency-form", "forward-form", "close-form"]) $(id).classList.toggle("hidden", !mayChange);
  $("claim").classList.toggle("hidden", Boolean(holder));
  $("release").classList.toggle("hidden", !holder || (holder !== who.name && who.role !== "supervisor"));
}

async function act(path, json, done) {
  const message = $("action-message");
  message.className = "";
  message.textContent = "";
  try {
    show(await api(`/v1/reports/${encodeURIComponent(reportId)}/${path}`, { method: "POST", json }));
    message.className = "ok";
    message.textContent = done;
    return true;
  } catch (error) {
    message.className = "error";
    message.textContent = error.message;
    return false;
  }
}

async function start() {
  who = await signedIn("queue");
  labels = (await reference()).indicators;
  try {
    show(await api(`/v1/reports/${encodeURIComponent(reportId)}`));
  } catch (error) {
    $("error").textContent = error.message;
    return;
  }
  $("claim").addEventListener("click", () => act("claim", undefined, "Bạn đã nhận xử lý tin báo này."));
  $("release").addEventListener("click", () => act("release", undefined, "Đã trả tin báo về hàng đợi."));
  $("urgency-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!$("urgency-reason").value.trim()) {
      $("action-message").className = "error";
      $("action-message").textContent = "Đổi mức khẩn cấp cần ghi lý do.";
      return;
    }
    if (await act("urgency", { to: $("urgency-to").value, reason: $("urgency-reason").value }, "Đã đổi mức khẩn cấp.")) $("urgency-reason").value = "";
  });
  $("forward-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = $("forward-note").value.trim();
    if (await act("forward", { target: $("forward-target").value, note: note || null }, "Đã ghi nhận chuyển tiếp.")) $("forward-note").value = "";
  });
  $("close-form").addEventListener("submit", async (event) => {
    event.preventDefault(); // the API decides: a close without a reason is refused there, and its message shown here
    await act("status", { to: "closed", reason: $("close-reason").value.trim() || null }, "Đã đóng tin báo.");
  });
}

start();
