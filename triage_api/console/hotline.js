// A phone call typed in: as the operator types, the engine's urgency, indicators and the questions
// still to ask; saving makes a report with channel=hotline in the same queue, under one
// Idempotency-Key made when the form opened (a double click never makes two reports). A save whose
// outcome is unknown (no answer, a timeout, a 5xx) may have been stored: the retry resends the very same
// body under the same key, so the server answers with that report and its receipt code; only a definite
// refusal (4xx: nothing stored) lets the operator edit and save again, under a new key.
import { ApiError, URGENCY_VI, api, badge, clear, el, fillSelect, newKey, reference, signedIn } from "/console/common.js";

const $ = (id) => document.getElementById(id);
const DEBOUNCE_MS = 300;
let labels = {};
let key = newKey();
let pending = null; // the body of a save whose outcome is unknown: resent as is, never rebuilt from the form
const SAVE_TIMEOUT_MS = 20000;
let timer = null;
let asked = 0; // only the latest answer is shown, whatever order they come back in
let latest = null;

/** The questions of the call script the notes and the form do not answer yet. */
export function missingQuestions(result, form) {
  const questions = [];
  const dangerNow = result && result.urgency === "P1";
  if (!dangerNow) questions.push(["danger", "Hiện giờ có ai đang gặp nguy hiểm không? Người đó có đang bị giữ, bị đe dọa không?"]);
  if (!(result && result.entities.ages.length) && !form.age) questions.push(["age", "Người gặp nguy hiểm bao nhiêu tuổi?"]);
  if (!(result && result.entities.province) && !form.province) questions.push(["location", "Người đó đang ở đâu (tỉnh, thành; nếu ở nước ngoài thì nước nào)?"]);
  if (!form.relation) questions.push(["who", "Người gặp nguy hiểm là ai, quan hệ thế nào với người gọi?"]);
  return questions;
}

function form() {
  return { age: $("age").value.trim(), province: $("province").value, relation: $("relation").value.trim() };
}

function showScript() {
  const list = clear($("script"));
  for (const [id, text] of missingQuestions(latest, form())) list.append(el("li", { "data-question": id }, text));
  if (!list.childNodes.length) list.append(el("li", { class: "muted" }, "Đã đủ thông tin cơ bản."));
}

function showSuggestion(result) {
  latest = result;
  const box = clear($("suggestion"));
  box.className = "";
  if (!result) {
    box.className = "muted";
    box.textContent = "Gõ ghi chép, gợi ý sẽ hiện ở đây.";
    clear($("why"));
    clear($("found"));
  } else {
    box.dataset.urgency = result.urgency;
    box.append("Mức gợi ý: ", badge(result.urgency), ` ${URGENCY_VI[result.urgency]}`);
    if (result.urgency === "P1") box.append(el("strong", { class: "error", id: "p1-advice" }, " — Khẩn cấp: báo công an (113) ngay."));
    clear($("why")).append(result.explanation);
    const found = clear($("found"));
    for (const i of result.indicators) found.append(el("li", { "data-code": i.code }, el("strong", {}, labels[i.code] || i.code), ` — «${i.evidence}»`));
    if (!result.indicators.length) found.append(el("li", { class: "muted" }, "Chưa thấy dấu hiệu nào."));
  }
  showScript();
}

async function assist() {
  const text = $("notes").value;
  const mine = ++asked;
  if (!text.trim()) { showSuggestion(null); return; }
  try {
    const result = await api("/v1/triage", { method: "POST", json: { text } });
    if (mine === asked) showSuggestion(result);
  } catch (error) {
    if (mine === asked) { $("suggestion").className = "error"; $("suggestion").textContent = error.message; }
  }
}

function body() {
  const age = $("age").value.trim();
  const relation = $("relation").value.trim();
  const person = age || relation ? [{ age: age ? Number(age) : null, relation: relation || null }] : [];
  return {
    channel: "hotline", reporter_role: $("reporter-role").value, consent: $("consent").value,
    contact: $("contact").value.trim() || null, narrative: $("notes").value, people_at_risk: person,
    location: { province: $("province").value || null, commune: $("commune").value.trim() || null },
  };
}

async function save(event) {
  event.preventDefault();
  const button = $("save");
  const message = $("save-message");
  if (!pending && !$("consent").value) { // the caller chooses: never a default they did not say
    message.className = "error";
    message.textContent = "Xin hãy hỏi người gọi muốn thông tin liên hệ được xử lý thế nào (bảo mật, chia sẻ với công an, "
      + "hay ẩn danh) và chọn ở mục «Người gọi đồng ý» trước khi lưu.";
    $("consent").focus();
    return;
  }
  const age = $("age").value.trim();
  if (age && !(Number.isInteger(Number(age)) && Number(age) >= 0 && Number(age) <= 120)) {
    message.className = "error";
    message.textContent = "Tuổi phải là số từ 0 đến 120.";
    return;
  }
  button.disabled = true;
  message.className = "";
  message.textContent = "Đang lưu…";
  const sent = pending || body();
  try {
    const accepted = await api("/v1/reports", { method: "POST", json: sent, headers: { "Idempotency-Key": key },
      signal: AbortSignal.timeout(SAVE_TIMEOUT_MS) });
    pending = null;
    message.className = "ok";
    clear(message).append(`Đã lưu tin báo. Mã tiếp nhận: `, el("strong", { id: "receipt" }, accepted.receipt_code),
      ` (${accepted.urgency}). Hãy đọc mã này cho người gọi. `, el("a", { href: `/console/report.html?id=${encodeURIComponent(accepted.id)}` }, "Mở tin báo"));
    $("new-call").classList.remove("hidden");
  } catch (error) {
    message.className = "error";
    button.disabled = false;
    if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
      // refused: nothing was stored. The operator corrects the form; the next save is a new submission
      pending = null;
      key = newKey();
      lockForm(false);
      message.textContent = error.message;
    } else {
      // no answer, a timeout or a server error: it may be stored. Same body, same key on retry
      pending = sent;
      lockForm(true);
      message.textContent = "Chưa rõ tin báo đã được lưu hay chưa (mất kết nối hoặc hệ thống bận). "
        + "Bấm «Lưu tin báo» lần nữa để gửi lại đúng nội dung này: sẽ không tạo tin báo thứ hai.";
    }
  }
}

/** While a save's outcome is unknown the form cannot change: the retry must be the same submission. */
function lockForm(locked) {
  for (const node of $("call-form").elements) if (node.id !== "save" && node.id !== "new-call") node.disabled = locked;
}

function newCall() {
  lockForm(false);
  $("call-form").reset();
  key = newKey();
  pending = null;
  $("save").disabled = false;
  $("new-call").classList.add("hidden");
  $("save-message").textContent = "";
  showSuggestion(null);
}

async function start() {
  const who = await signedIn("hotline");
  if (who.role !== "operator" && who.role !== "supervisor") {
    $("save").disabled = true;
    $("save-message").className = "error";
    $("save-message").textContent = "Nhập cuộc gọi dành cho điều phối viên và giám sát viên.";
    return;
  }
  const ref = await reference();
  labels = ref.indicators;
  fillSelect($("province"), ref.provinces.map((p) => [p, p]), "— chưa rõ —");
  $("notes").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(assist, DEBOUNCE_MS); });
  for (const id of ["age", "province", "relation"]) $(id).addEventListener("input", showScript);
  $("call-form").addEventListener("submit", save);
  $("new-call").addEventListener("click", newCall);
  showScript();
}

start();
