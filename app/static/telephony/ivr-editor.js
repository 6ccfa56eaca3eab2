// The IVR editor's rows and menus: add a key row or a menu from the page's <template>s (each
// with fresh input names, menu-<i>-opt-<j>-...), remove one, and show per action which target
// the row needs. Without script the form still saves what it shows.
(function () {
  "use strict";
  const form = document.getElementById("ivr-form");
  if (!form) return;
  const rowTemplate = document.getElementById("ivr-row-template");
  const menuTemplate = document.getElementById("ivr-menu-template");
  const menus = form.querySelector("[data-ivr-menus]");

  // A row parses inside a <tbody>, a menu inside a <div>.
  function fromTemplate(template, replace, container) {
    let html = template.innerHTML;
    Object.keys(replace).forEach(function (key) { html = html.split(key).join(replace[key]); });
    const box = document.createElement(container);
    box.innerHTML = html;
    return box.firstElementChild;
  }

  function fit(row) {
    const action = row.querySelector("[data-ivr-action]");
    const target = row.querySelector("[data-ivr-target]");
    const next = row.querySelector("[data-ivr-next]");
    if (!action || !target) return;
    const needs = ["menu", "queue", "announcement", "transfer"].indexOf(action.value) >= 0;
    target.disabled = !needs;
    target.placeholder = needs ? (target.dataset["placeholder" + action.value[0].toUpperCase() + action.value.slice(1)] || "") : "—";
    if (next) next.hidden = action.value !== "announcement";
  }

  function addRow(menuBox) {
    const rows = menuBox.querySelector("[data-ivr-rows]");
    const n = Number(rows.dataset.nextRow || "0");
    rows.dataset.nextRow = String(n + 1);
    const index = menuBox.dataset.menu.replace("menu-", "");
    const row = fromTemplate(rowTemplate, { "__M__": index, "__O__": String(n) }, "tbody");
    rows.appendChild(row);
    fit(row);
    row.querySelector("input").focus();
  }

  form.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-ivr-add-row")) {
      addRow(button.closest("[data-menu]"));
    } else if (button.hasAttribute("data-ivr-remove-row")) {
      button.closest("tr").remove();
    } else if (button.hasAttribute("data-ivr-remove-menu")) {
      button.closest("[data-menu]").remove();
    } else if (button.hasAttribute("data-ivr-add-menu")) {
      const n = Number(menus.dataset.nextMenu || "0");
      menus.dataset.nextMenu = String(n + 1);
      const box = fromTemplate(menuTemplate, { "__M__": String(n) }, "div");
      menus.appendChild(box);
      box.querySelector("input").focus();
    } else {
      return;
    }
    event.preventDefault();
  });

  form.addEventListener("change", function (event) {
    if (event.target.matches("[data-ivr-action]")) fit(event.target.closest("tr"));
  });

  form.querySelectorAll("tr[data-option]").forEach(fit);
})();
