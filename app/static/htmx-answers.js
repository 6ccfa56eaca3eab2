// Every page (base.html): what htmx does with answers that are not a success.
// What htmx swaps in from an answer that is not a success:
// - a refused form or bulk action answers 422 (or 409) with the page part that says why (the
//   marked field, the refusal): swapped in like a success, not dropped as htmx does by default;
// - an error page (a whole document: the case left the user's hands, the form is not open any
//   more) is not swapped in: its message is shown in the row's form place, or above the list;
// - an expired session ends at the login page: the browser goes there.
function minqingAlert(text) {
  const alert = document.createElement("div");
  alert.className = "alert alert-danger py-2";
  alert.setAttribute("role", "alert");
  alert.dataset.testid = "inline-error";
  alert.textContent = text;
  return alert;
}

document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  const url = new URL(xhr.responseURL || window.location.href);
  if (url.pathname === "/login" && window.location.pathname !== "/login") {
    event.detail.shouldSwap = false;
    window.location.href = url.href;
    return;
  }
  if (xhr.status < 400) return;
  const text = xhr.responseText || "";
  if (/^\s*<!doctype/i.test(text)) {
    event.detail.shouldSwap = false;
    const page = new DOMParser().parseFromString(text, "text/html");
    const lead = page.querySelector('[data-testid="error-page"] .lead');
    const alert = minqingAlert(lead ? lead.textContent : `${xhr.status} ${xhr.statusText}`);
    const target = event.detail.target;
    if (target.classList.contains("minqing-inline-form")) target.replaceChildren(alert);
    else target.before(alert);
    return;
  }
  // A refused form (any 4xx that answers with the form again, e.g. 413 for a file too large).
  if (xhr.status === 409 || xhr.status === 422 || text.includes("minqing-action-form")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
