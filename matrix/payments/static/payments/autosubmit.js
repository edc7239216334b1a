// Posts the signed FPX authorisation request as soon as the page is ready; the visible button is the fallback.
(function () {
  "use strict";
  function submit() {
    var form = document.querySelector("form[data-autosubmit]");
    if (form && !form.dataset.submitted) {
      form.dataset.submitted = "1";
      form.submit();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", submit);
  } else {
    submit();
  }
})();
