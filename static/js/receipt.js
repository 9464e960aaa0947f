// The order receipt page (orders:receive). The page works without this file.

// After "Add a line", put the cursor in the new line's product code, so a keyboard
// or screen reader user carries on where the new line is.
document.addEventListener("htmx:afterSettle", (event) => {
  const trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!trigger || trigger.name !== "add_line") {
    return;
  }
  const codes = document.querySelectorAll("#receipt-lines input[name$='-product_code']");
  if (codes.length) {
    codes[codes.length - 1].focus();
  }
});
