// The work lists (inbox, dispatch, revisit): choose-all checkboxes, one inline form at a time.
// (Refused answers are swapped in by htmx-answers.js, on every page.)

// "Choose all": the header checkbox ticks every row checkbox of its table.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches("[data-select-all]")) return;
  const table = box.closest("table");
  for (const row of table.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) {
    row.checked = box.checked;
  }
});

// Opening a row's form closes the one open in another row (two forms of one action would
// share their fields' ids).
document.addEventListener("htmx:beforeRequest", (event) => {
  const target = event.detail.target;
  if (!target || !target.classList || !target.classList.contains("minqing-inline-form")) return;
  for (const other of document.querySelectorAll(".minqing-inline-form")) {
    if (other !== target) other.replaceChildren();
  }
});
