// OrderDesk's own script (the Content Security Policy allows no inline script).
// Pages work without it; it only adds conveniences.
document.addEventListener("submit", (event) => {
  // Stop a double click submitting a form twice; the server refuses repeats anyway.
  const form = event.target;
  if (form.dataset.submitted === "yes") {
    event.preventDefault();
    return;
  }
  form.dataset.submitted = "yes";
  setTimeout(() => { delete form.dataset.submitted; }, 5000);
});
