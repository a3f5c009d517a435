// Sign-in and the queue: open reports, P1 first then the longest waiting, kept live from
// GET /v1/queue/events (read with fetch and the bearer header: EventSource cannot send one).
import {
  CHANNEL_VI, STATUS_VI, api, badge, clear, el, fillSelect, me, reference, renderHeader, setToken, signedIn, token, waited,
} from "/console/common.js";

const OPEN = new Set(["received", "queued", "acknowledged", "in_progress"]);
const reports = new Map(); // id → QueueItem
// P1 ids this page already knows (alerted, or open when the page first loaded): any other open P1 seen
// in a listing or on the stream alerts — also one that arrived while the stream was down
const knownP1 = new Set();
let loadedOnce = false;
let labels = {};
let audio = null;

const $ = (id) => document.getElementById(id);

function filters() {
  const data = new FormData($("filters"));
  return Object.fromEntries([...data.entries()].filter(([, v]) => v));
}

function matches(item, f) {
  if (f.status ? item.status !== f.status : !OPEN.has(item.status)) return false;
  if (f.province && item.province !== f.province) return false;
  if (f.channel && item.channel !== f.channel) return false;
  if (f.indicator && !item.indicators.includes(f.indicator)) return false;
  return true;
}

function order(a, b) {
  return a.urgency.localeCompare(b.urgency) || a.received_at.localeCompare(b.received_at) || a.id.localeCompare(b.id);
}

function render() {
  const f = filters();
  const rows = [...reports.values()].filter((r) => matches(r, f)).sort(order);
  const body = clear($("queue-body"));
  for (const r of rows) {
    body.append(el("tr", { class: r.urgency === "P1" ? "urgent" : null, "data-id": r.id, "data-urgency": r.urgency },
      el("td", {}, badge(r.urgency)),
      el("td", { title: r.received_at }, waited(r.received_at)),
      el("td", {}, r.receipt_code),
      el("td", {}, r.province || "chưa rõ"),
      el("td", {}, CHANNEL_VI[r.channel] || r.channel),
      el("td", {}, r.indicators.filter((c) => c !== "IMMEDIATE_DANGER").map((c) => el("span", { class: "chip", title: c }, labels[c] || c))),
      el("td", {}, STATUS_VI[r.status] || r.status),
      el("td", {}, r.claimed_by ? r.claimed_by.replace(/^user:/, "") : "—"),
      el("td", {}, el("a", { href: `/console/report.html?id=${encodeURIComponent(r.id)}` }, "Mở")),
    ));
  }
  $("queue-empty").classList.toggle("hidden", rows.length > 0);
}

async function load() {
  const query = new URLSearchParams(filters());
  try {
    const items = await api(`/v1/queue?${query}`);
    for (const [id, item] of reports) if (matches(item, filters())) reports.delete(id);
    for (const item of items) reports.set(item.id, item);
    $("queue-error").textContent = "";
    if (!loadedOnce && Object.keys(filters()).length) { // know every open P1, not only the filtered ones
      for (const r of await api("/v1/queue?limit=500")) newP1(r);
    }
    // after a reconnect a P1 may have come while the stream was down: it alerts like one from the stream
    const fresh = items.filter(newP1);
    if (loadedOnce && fresh.length) alertP1(fresh[0]);
    loadedOnce = true;
  } catch (error) {
    $("queue-error").textContent = error.message;
  }
  render();
}

function beep() {
  try {
    audio = audio || new AudioContext();
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = 880;
    gain.gain.value = 0.08;
    oscillator.connect(gain).connect(audio.destination);
    if (audio.state === "suspended") audio.resume(); // allowed once the person has clicked on the page
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.35);
    if (audio.state === "running") document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  } catch { /* no audio device: the banner still shows */ }
}

function alertP1(item) {
  const box = $("alert");
  clear(box).append(
    el("span", {}, `Tin báo khẩn cấp P1 mới (${item.receipt_code}${item.province ? ", " + item.province : ""}).`),
    el("a", { href: `/console/report.html?id=${encodeURIComponent(item.id)}` }, "Mở ngay"),
    el("button", { type: "button", onclick: () => box.classList.add("hidden") }, "Đã thấy"),
  );
  box.classList.remove("hidden");
  beep();
}

/** True for an open P1 this page never knew (new, or raised to P1 since): it needs someone now. */
function newP1(item) {
  if (item.urgency !== "P1" || !OPEN.has(item.status)) { knownP1.delete(item.id); return false; } // lowered: raising it again alerts
  if (knownP1.has(item.id)) return false; // an old P1 that changed (claimed, forwarded…) alerts no one
  knownP1.add(item.id);
  return true;
}

function received(item) {
  reports.set(item.id, item);
  if (newP1(item)) alertP1(item);
  render();
}

async function follow() {
  const live = $("live");
  while (token()) {
    try {
      const started = Date.now();
      const response = await fetch("/v1/queue/events", { headers: { Authorization: `Bearer ${token()}` } });
      if (response.status === 401) { live.className = "live off"; live.textContent = "Phiên đăng nhập đã hết, vui lòng đăng nhập lại."; return; }
      if (!response.ok || !response.body) throw new Error(String(response.status));
      live.className = "live on";
      live.textContent = "Cập nhật trực tiếp";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const kind = (block.match(/^event: (.*)$/m) || [])[1];
          const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (kind === "report" && data) received(JSON.parse(data));
          if (kind === "expired") { live.className = "live off"; live.textContent = "Phiên đăng nhập đã hết, vui lòng đăng nhập lại."; return; }
        }
      }
      // the server ends each stream after a while: the next one picks up where it left off
      if (Date.now() - started > 1000) continue;
    } catch { /* dropped: try again below */ }
    live.className = "live off";
    live.textContent = "Mất kết nối, đang thử lại…";
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await load();
  }
}

async function showQueue() {
  await signedIn("queue");
  const ref = await reference();
  labels = ref.indicators;
  fillSelect($("f-province"), ref.provinces.map((p) => [p, p]), "Tất cả");
  fillSelect($("f-status"), Object.entries(STATUS_VI), "Đang mở");
  fillSelect($("f-channel"), Object.entries(CHANNEL_VI), "Tất cả");
  fillSelect($("f-indicator"), Object.entries(labels), "Tất cả");
  $("filters").addEventListener("change", load);
  $("login").classList.add("hidden");
  $("queue").classList.remove("hidden");
  await load();
  setInterval(render, 30000); // waiting times move on
  follow();
}

async function signIn(event) {
  event.preventDefault();
  $("login-error").textContent = "";
  const button = $("login-submit");
  button.disabled = true;
  try { audio = audio || new AudioContext(); } catch { /* no audio */ } // unlocked by this click, for the P1 beep
  try {
    const response = await fetch("/v1/token", { method: "POST", body: new URLSearchParams(new FormData($("login-form"))) });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new Error((problem && problem.message_vi) || "Không đăng nhập được.");
    }
    setToken((await response.json()).access_token);
    await me();
    $("password").value = "";
    await showQueue();
  } catch (error) {
    $("login-error").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

$("login-form").addEventListener("submit", signIn);
// after a reload there was no click yet: the first one unlocks the P1 beep
document.addEventListener("click", () => { try { audio = audio || new AudioContext(); audio.resume(); } catch { /* no audio */ } }, { once: true });
if (token()) showQueue(); else { renderHeader("queue", null); $("login").classList.remove("hidden"); }
