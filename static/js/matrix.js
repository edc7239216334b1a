// MATRIX: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Move focus to the error summary so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  // Idle-session warning: shown SESSION_WARNING_SECONDS before the server ends the session.
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
    var warning = parseInt(body.getAttribute("data-idle-warning") || "0", 10);
    var dialog = document.getElementById("session-timeout");
    if (!timeout || !dialog) return;
    var extendUrl = dialog.getAttribute("data-extend-url");
    var warnTimer, endTimer;
    function schedule() {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      warnTimer = setTimeout(function () {
        dialog.classList.remove("hidden");
        var button = dialog.querySelector("[data-session-extend]");
        if (button) button.focus();
      }, Math.max(0, timeout - warning) * 1000);
      endTimer = setTimeout(function () { window.location.reload(); }, (timeout + 1) * 1000);
    }
    var button = dialog.querySelector("[data-session-extend]");
    if (button && extendUrl) {
      button.addEventListener("click", function () {
        fetch(extendUrl, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
          .then(function (response) {
            if (response.ok) { dialog.classList.add("hidden"); schedule(); } else { window.location.reload(); }
          });
      });
    }
    schedule();
  });

  // Elements with data-amount-for: live amount due = monthly rate of the chosen plan x months.
  document.addEventListener("DOMContentLoaded", function () {
    var output = document.querySelector("[data-amount-due]");
    if (!output) return;
    var form = output.closest("form");
    function update() {
      var plan = form.querySelector("input[name='plan']:checked, select[name='plan']");
      var months = form.querySelector("[name='months']");
      if (!plan || !months || !months.value) return;
      var option = plan.tagName === "SELECT" ? plan.options[plan.selectedIndex] : plan;
      var sen = parseInt(option.getAttribute("data-monthly-sen") || "0", 10) * parseInt(months.value, 10);
      if (!sen) return;
      var ringgit = Math.floor(sen / 100), cents = String(sen % 100).padStart(2, "0");
      output.textContent = "RM " + ringgit.toLocaleString("en-MY") + "." + cents;
    }
    form.addEventListener("change", update);
    update();
  });
})();
