// Benefits calculator: shows the chosen plan's row and summary as the choice changes (the page already holds every
// plan's figures, computed on the server to the sen). Without this file the form is submitted and the server
// shows the same thing.
(function () {
  "use strict";

  // Hidden by the attribute and the class: component display rules (buttons, stacked rows) beat [hidden] alone.
  function setHidden(element, hidden) {
    element.hidden = hidden;
    element.classList.toggle("hidden", hidden);
  }

  function show(form) {
    var checked = form.querySelector("input[name='plan']:checked");
    if (!checked) return;
    var plan = checked.value;
    var result = document.querySelector("[data-benefits-result]");
    result.querySelectorAll("[data-plan-row]").forEach(function (row) {
      setHidden(row, plan !== "all" && row.getAttribute("data-plan-row") !== plan);
    });
    result.querySelectorAll("[data-plan-summary]").forEach(function (summary) {
      setHidden(summary, summary.getAttribute("data-plan-summary") !== plan);
    });
    if (window.history && window.history.replaceState) {
      var url = new URL(window.location.href);
      url.searchParams.set("plan", plan);
      window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-benefits-form]");
    if (!form) return;
    var submit = form.querySelector("[data-benefits-submit]");
    if (submit) setHidden(submit, true);
    form.addEventListener("change", function () { show(form); });
    form.setAttribute("data-live", "");
  });
})();
