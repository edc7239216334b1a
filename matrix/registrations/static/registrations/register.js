// Registration form: offer only the cities of the chosen state (the server checks it too).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var state = document.querySelector("[data-state-select]");
    var city = document.querySelector("[data-city-select]");
    if (!state || !city) return;
    function filter() {
      var chosen = state.value;
      Array.prototype.forEach.call(city.options, function (option) {
        if (!option.value) return;
        var match = !chosen || option.getAttribute("data-state") === chosen;
        option.hidden = !match;
        option.disabled = !match;
      });
      var selected = city.options[city.selectedIndex];
      if (selected && selected.disabled) city.value = "";
    }
    state.addEventListener("change", filter);
    filter();
  });
})();
