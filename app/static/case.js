// The case detail page's htmx forms (app/templates/pages/case.html): a refused action form
// comes back 4xx with its fields marked (app/pages/actions.py) and is swapped in place, which
// htmx does for 2xx answers only. Any other refusal (an error page: the request too large, the
// session gone) is shown as an alert with the page's message instead of being dropped.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  if (xhr.status < 400 || xhr.status >= 500) return;
  if (xhr.responseText.includes("minqing-action-form")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    return;
  }
  const page = new DOMParser().parseFromString(xhr.responseText, "text/html");
  const message = page.querySelector("[data-testid=error-page] .lead");
  window.alert(message ? message.textContent : "HTTP " + xhr.status);
});
