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

  // Idle-session warning: shown SESSION_WARNING_SECONDS before the server ends the session, with the time left
  // counting down, "Stay signed in" (extends the session) and "Log out".
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
    var warning = parseInt(body.getAttribute("data-idle-warning") || "0", 10);
    var dialog = document.getElementById("session-timeout");
    if (!timeout || !dialog) return;
    var extendUrl = dialog.getAttribute("data-extend-url");
    var left = dialog.querySelector("[data-session-left]");
    var warnTimer, endTimer, tick, deadline;
    function showLeft() {
      if (!left) return;
      var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      var template = minutes ? left.getAttribute("data-template-minutes") : left.getAttribute("data-template-seconds");
      left.textContent = template.replace("{minutes}", String(minutes)).replace("{seconds}", String(seconds % 60));
    }
    function schedule() {
      clearTimeout(warnTimer);
      clearTimeout(endTimer);
      clearInterval(tick);
      deadline = Date.now() + timeout * 1000;
      warnTimer = setTimeout(function () {
        dialog.classList.remove("hidden");
        showLeft();
        tick = setInterval(showLeft, 1000);
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

  // Forms split into parts (data-form-parts): on a phone-sized screen one part shows at a time, with
  // "Next"/"Previous" buttons; every part stays in the one form, so nothing entered is lost, and without this
  // script every part simply shows. After a refused submit the first part with an error opens.
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-form-parts]");
    if (!form) return;
    var parts = Array.prototype.slice.call(form.querySelectorAll("[data-form-part]"));
    var status = form.querySelector("[data-part-status]");
    if (parts.length < 2) return;
    var current = -1;
    parts.forEach(function (part, index) {
      if (current === -1 && part.querySelector(".field-error")) current = index;
    });
    if (current === -1) current = 0;
    function show(index, focus) {
      current = index;
      parts.forEach(function (part, i) { part.classList.toggle("part-hidden", i !== index); });
      form.classList.toggle("on-last-part", index === parts.length - 1);
      if (status) {
        status.textContent = status.getAttribute("data-template")
          .replace("{part}", String(index + 1)).replace("{parts}", String(parts.length));
      }
      if (focus) {
        var heading = parts[index].querySelector("h2");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
      }
    }
    form.classList.add("parts-enhanced");
    // A link of the error summary opens the part that holds its field.
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-error-summary] a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      var part = field && field.closest("[data-form-part]");
      if (part) show(parts.indexOf(part), false);
    });
    form.addEventListener("click", function (event) {
      var target = event.target.closest("[data-part-next], [data-part-previous]");
      if (!target) return;
      event.preventDefault();
      var step = target.hasAttribute("data-part-next") ? 1 : -1;
      show(Math.min(parts.length - 1, Math.max(0, current + step)), true);
    });
    show(current, false);
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
