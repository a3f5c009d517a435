// The web chat page: same-origin requests only, nothing kept in the browser (no cookie, no storage); the
// conversation id is random per page load and lives in this closure. Quick exit (button or Esc) asks the server
// to forget the conversation, empties the page and replaces it with a neutral site, so Back does not return.
(() => {
  "use strict";
  const BASE = "/webhooks/webchat/";
  const EXIT = document.body.dataset.exit || "https://www.google.com/";
  const OFFLINE = "Chưa gửi được tin nhắn. Bạn thử lại nhé. Nếu đang gặp nguy hiểm, hãy gọi ngay 113; cần hỗ trợ: gọi 111 (miễn phí, 24/7).";
  const random = new Uint8Array(16);
  crypto.getRandomValues(random);
  let sender = Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("");
  const log = document.getElementById("log");
  const form = document.getElementById("form");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");

  function add(who, text, buttons) {
    const p = document.createElement("p");
    p.className = "msg " + who;
    p.textContent = text;
    log.append(p);
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => send(b.payload, b.title));
        row.append(button);
      }
      log.append(row);
    }
    p.scrollIntoView({ block: "end" });
  }

  async function send(message, shown) {
    if (!sender || !message.trim()) return;
    add("me", shown || message);
    sendButton.disabled = true;
    try {
      const r = await fetch(BASE + "message", {
        method: "POST", headers: { "Content-Type": "application/json" }, cache: "no-store", credentials: "omit",
        body: JSON.stringify({ sender, message }),
      });
      const data = await r.json();
      for (const m of data.messages || []) add("bot", m.text, m.buttons);
    } catch (e) {
      add("bot", OFFLINE);
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  function quickExit() {
    try {
      if (sender) navigator.sendBeacon(BASE + "forget", new Blob([JSON.stringify({ sender })], { type: "application/json" }));
    } catch (e) { /* leaving matters more */ }
    sender = "";
    input.value = "";
    document.title = "";
    document.body.replaceChildren();
    try { localStorage.clear(); sessionStorage.clear(); } catch (e) { /* nothing was stored */ }
    location.replace(EXIT);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = input.value;
    input.value = "";
    send(message);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("exit").addEventListener("click", quickExit);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") quickExit(); });
  window.addEventListener("pagehide", () => { log.replaceChildren(); input.value = ""; });
  input.focus();
})();
