// The intake page (app/templates/pages/intake.html): the answer box shows when the case is
// answered at intake (即办件), and the submit button says which way the case goes.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("intake-form");
  const answered = document.getElementById("answered");
  if (!form || !answered) return;
  const answer = form.querySelector('[data-field="answer"]');
  const submit = form.querySelector('[data-testid="accept"]');
  const sync = () => {
    if (answer) answer.hidden = !answered.checked && !answer.querySelector(".is-invalid");
    if (submit) submit.textContent = answered.checked ? submit.dataset.labelAnswered : submit.dataset.labelDispatch;
  };
  answered.addEventListener("change", sync);
  sync();
});
