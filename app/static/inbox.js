// The work lists (inbox, dispatch, revisit): choose-all checkboxes, one inline form at a time,
// and htmx swapping the answers that say why something was refused.

// A refused form or bulk action answers 4xx with the page part that says why (the marked
// field, the refusal): swap it in like a success, instead of htmx's default of dropping it.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status === 409 || status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

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
