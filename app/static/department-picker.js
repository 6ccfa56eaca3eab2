// The department picker: a search box filters its select's options by name, English name,
// pinyin initials and district (data-search, app/templates/pages/macros.html).
// For a single choice the first match is chosen as one types (when the choice made before no
// longer matches), and Enter in the box keeps the match instead of submitting the form.
function minqingFilterPicker(box) {
  const select = document.getElementById(box.dataset.pickerSearch);
  if (!select) return;
  const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let first = null;
  let matches = 0;
  for (const option of select.options) {
    if (!option.value) continue;
    const text = (option.dataset.search || "").toLowerCase();
    option.hidden = !words.every((w) => text.includes(w));
    if (!option.hidden) {
      matches += 1;
      if (first === null) first = option;
    }
  }
  if (!select.multiple && words.length) {
    const chosen = select.selectedOptions[0];
    if (first !== null && (!chosen || !chosen.value || chosen.hidden)) {
      select.value = first.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  const count = document.querySelector(`[data-picker-count="${select.id}"]`);
  if (count) count.textContent = words.length ? count.dataset.template.replace("{n}", matches) : "";
}

document.addEventListener("input", (event) => {
  const box = event.target;
  if (box.matches && box.matches("[data-picker-search]")) minqingFilterPicker(box);
});

document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key === "Enter" && box.matches && box.matches("[data-picker-search]")) {
    event.preventDefault();
    minqingFilterPicker(box);
  }
});
