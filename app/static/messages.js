// The unread badge in the top bar, kept live by the message centre's stream (server-sent
// events, /messages/stream): the count on every change, and a toast for a new notification.
// EventSource reconnects by itself after a lost connection and sends the last event id it saw
// (Last-Event-ID), so a notification that arrived meanwhile still gets its toast. A refused
// stream (a 503 while the server restarts) closes it for good: then a new one is started
// here, after a growing, jittered wait, with the last id in `?last=`.
(function () {
  "use strict";
  const badge = document.querySelector("[data-unread-badge]");
  if (!badge || !window.EventSource) return;
  const zh = document.documentElement.lang.startsWith("zh");
  const toasts = document.getElementById("minqing-toasts");

  function show(count) {
    badge.textContent = String(count);
    badge.dataset.count = String(count);
    badge.classList.toggle("text-bg-danger", count > 0);
    badge.classList.toggle("text-bg-light", count === 0);
  }

  function toast(note) {
    if (!toasts) return;
    const box = document.createElement("a");
    box.className = "toast show d-block text-decoration-none mb-2";
    box.href = badge.closest("a").href;
    box.setAttribute("role", "status");
    box.dataset.testid = "toast";
    const head = document.createElement("div");
    head.className = "toast-header";
    const kind = document.createElement("strong");
    kind.className = "me-auto";
    kind.textContent = (note.words && (zh ? note.words.zh : note.words.en)) || note.kind;
    head.appendChild(kind);
    if (note.case_number) {
      const number = document.createElement("small");
      number.textContent = note.case_number;
      head.appendChild(number);
    }
    box.appendChild(head);
    const text = note.body || (note.data && note.data.title) || "";
    if (text) {
      const body = document.createElement("div");
      body.className = "toast-body small text-body";
      body.textContent = text;
      box.appendChild(body);
    }
    toasts.appendChild(box);
    setTimeout(function () { box.remove(); }, 8000);
  }

  // The newest notification the page was rendered with: one that arrives before the stream
  // opens is newer, so it still gets its toast.
  let lastId = badge.dataset.seen || "";
  let wait = 2000;

  function connect() {
    const url = badge.dataset.stream + (lastId ? "?last=" + encodeURIComponent(lastId) : "");
    const source = new EventSource(url);
    source.addEventListener("unread", function (event) {
      wait = 2000;
      if (event.lastEventId) lastId = event.lastEventId;
      const data = JSON.parse(event.data);
      show(data.unread);
      if (data.newest) toast(data.newest);
    });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      setTimeout(connect, wait + Math.random() * wait);
      wait = Math.min(wait * 2, 60000);
    });
  }

  connect();
})();
