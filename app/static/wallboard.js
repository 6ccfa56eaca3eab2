// The wallboard (大屏): draws the board from the page's JSON, then from every `board` event of
// /wallboard/stream (server-sent events), without reloading. Each number element names its
// field (data-field="calls.answer_rate") and how it is written (data-format). EventSource
// reconnects by itself after a lost connection; a refused stream (a 503 while the server
// restarts, or a session that ended) closes it, and then a new one is tried after a growing,
// jittered wait. The green dot turns red while no board has come for three intervals.
(function () {
  "use strict";
  const root = document.querySelector("[data-wallboard]");
  if (!root) return;

  function get(board, path) {
    return path.split(".").reduce(function (v, k) { return v == null ? v : v[k]; }, board);
  }

  function seconds(n) { return root.dataset.seconds.replace("{s}", String(n)); }

  function duration(value) {
    const total = Math.round(value);
    if (total < 60) return seconds(total);
    return root.dataset.minutes
      .replace("{m}", String(Math.floor(total / 60)))
      .replace("{s}", String(total % 60));
  }

  function format(kind, value) {
    if (value === null || value === undefined) return "—";
    if (kind === "rate") return (value * 100).toFixed(1) + "%";
    if (kind === "duration") return duration(value);
    if (kind === "seconds") return seconds(value);
    if (kind === "time") return value.replace("T", " ");
    return String(value);
  }

  function row(name, count, cls) {
    const tr = document.createElement("tr");
    if (cls) tr.className = cls;
    const a = document.createElement("td");
    a.textContent = name;
    tr.appendChild(a);
    if (count !== null) {
      const b = document.createElement("td");
      b.textContent = String(count);
      tr.appendChild(b);
    }
    return tr;
  }

  function draw(board) {
    root.querySelectorAll("[data-field]").forEach(function (el) {
      el.textContent = format(el.dataset.format, get(board, el.dataset.field));
    });
    const body = root.querySelector("[data-overdue]");
    body.replaceChildren();
    if (!board.overdue.length) body.appendChild(row(body.dataset.none, null, "wb-none"));
    board.overdue.forEach(function (d) { body.appendChild(row(d.department, d.count)); });
    if (board.overdue_others > 0) body.appendChild(row(body.dataset.others, board.overdue_others));
    lastBoard = Date.now();
    live.classList.remove("wb-stale");
  }

  const live = root.querySelector("[data-live]");
  let lastBoard = Date.now();
  const initial = document.getElementById("wallboard-initial");
  let lastId = initial.dataset.seq || "";
  draw(JSON.parse(initial.textContent));
  setInterval(function () {
    if (Date.now() - lastBoard > 30000) live.classList.add("wb-stale");
  }, 5000);

  let wait = 2000;
  function connect() {
    const url = root.dataset.stream + (lastId ? "?last=" + encodeURIComponent(lastId) : "");
    const source = new EventSource(url);
    source.addEventListener("board", function (event) {
      wait = 2000;
      if (event.lastEventId) lastId = event.lastEventId;
      draw(JSON.parse(event.data));
    });
    source.addEventListener("error", function () {
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      setTimeout(connect, wait + Math.random() * wait);
      wait = Math.min(wait * 2, 60000);
    });
  }
  if (window.EventSource) connect();
})();
