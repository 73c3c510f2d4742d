// Threadwork maintainer workflow: confirmations and the bulk bar; forms work without it.
"use strict";

(function () {
  // Buttons with data-confirm ask before their form is sent.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = button && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // Patch list: the bulk buttons say how many rows they act on.
  document.querySelectorAll("form.bulk").forEach(function (form) {
    var bar = form.querySelector(".bulk-bar");
    if (!bar) { return; }
    var update = function () {
      var n = form.querySelectorAll('input[name="patch"]:checked').length;
      bar.classList.toggle("has-selection", n > 0);
    };
    form.addEventListener("change", update);
    update();
  });
})();
