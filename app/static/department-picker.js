// The department picker: a search box filters its select's options by name, English name,
// pinyin initials and district (data-search, app/templates/pages/macros.html).
document.addEventListener("input", (event) => {
  const box = event.target;
  if (!box.matches || !box.matches("[data-picker-search]")) return;
  const select = document.getElementById(box.dataset.pickerSearch);
  const words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  for (const option of select.options) {
    if (!option.value) continue;
    const text = option.dataset.search.toLowerCase();
    option.hidden = !words.every((w) => text.includes(w));
  }
});
