// FPX simulator: post the indirect AC form to the merchant as soon as the page loads (as FPX's page does).
// The visible "Return to merchant" button does the same when JavaScript is off.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-fpx-autosubmit]");
  if (form) {
    form.submit();
  }
});
