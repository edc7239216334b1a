// Progressive enhancement: a form marked data-submit-once sends one request however often its button is
// clicked (a double click on "Pay with FPX"). The server is right without it: a repeated start of a payment
// gets the same order and the same signed request to FPX.
(function () {
  "use strict";
  function buttons(form) {
    return form.querySelectorAll("button[type=submit], input[type=submit]");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) {
      return;
    }
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    // Disabled after this event, so that the submission still carries the button that was pressed.
    window.setTimeout(function () {
      buttons(form).forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // Back to a page from the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitting;
      buttons(form).forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
