// The unread badge in the top bar, kept live by the message centre's stream (server-sent
// events, /messages/stream): the count on every change, and a toast for a new notification.
// EventSource reconnects by itself after a lost connection and sends the last event id it saw
// (Last-Event-ID), so a notification that arrived meanwhile still gets its toast. A refused
// stream (a 503 while the server restarts) closes it for good: then a new one is started
// here, after a growing, jittered wait, with the last id in `?last=`.
//
// Screen pop: an `incoming_call` notification (a call offered to this agent) opens the intake
// page for the caller's number and the call, in this page, without the agent's click; unless
// the agent is typing in an intake form, which would be lost: then a toast with the link.
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

  // The intake form the agent has typed in: leaving it would lose what they typed.
  const intake = document.getElementById("intake-form");
  let typing = false;
  if (intake) {
    intake.addEventListener("input", function () { typing = true; });
    intake.addEventListener("submit", function () { typing = false; });
  }
  // The app's root as the stream's URL shows it ("/messages/stream" under a prefix or not).
  const root = badge.dataset.stream.replace(/\/messages\/stream.*$/, "");

  function screenPop(note) {
    const data = note.data || {};
    const phone = String(data.phone || "");
    const call = String(data.channel_id || "");
    const url = root + "/intake?phone=" + encodeURIComponent(phone) + "&call=" + encodeURIComponent(call);
    const here = document.querySelector("[data-testid=incoming-call]");
    if (here && here.dataset.call === call) return; // this call's page is open already
    if (!typing) {
      window.location.assign(url);
      return;
    }
    if (!toasts) return;
    const box = document.createElement("a");
    box.className = "toast show d-block text-decoration-none mb-2 border-danger";
    box.href = url;
    box.setAttribute("role", "alert");
    box.dataset.testid = "call-toast";
    const head = document.createElement("div");
    head.className = "toast-header text-bg-danger";
    const title = document.createElement("strong");
    title.className = "me-auto";
    title.textContent = (zh ? "来电 " : "Incoming call ") + (phone || (zh ? "未显示号码" : "number withheld"));
    head.appendChild(title);
    box.appendChild(head);
    const body = document.createElement("div");
    body.className = "toast-body small text-body";
    const cases = (data.history || []).length;
    body.textContent = (zh ? "点击打开该来电的受理页" : "Open the intake page of this call") +
      (cases ? (zh ? "（此前 " + cases + " 件工单）" : " (" + cases + " earlier cases)") : "");
    box.appendChild(body);
    toasts.appendChild(box);
    setTimeout(function () { box.remove(); }, 30000);
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
      if (data.newest && data.newest.kind === "incoming_call") screenPop(data.newest);
      else if (data.newest) toast(data.newest);
    });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      setTimeout(connect, wait + Math.random() * wait);
      wait = Math.min(wait * 2, 60000);
    });
  }

  connect();
})();
