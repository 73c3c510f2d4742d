// Threadwork: small progressive enhancements; every page works without this file.
"use strict";

(function () {
  // Patch list: "select all" checkbox and a count of selected rows.
  function setUpSelection(form) {
    var all = form.querySelector("[data-select-all]");
    var status = form.querySelector("[data-bulk-status]");
    var boxes = function () {
      return Array.prototype.slice.call(form.querySelectorAll('input[name="patch"]'));
    };
    var update = function () {
      var checked = boxes().filter(function (b) { return b.checked; }).length;
      if (all) {
        all.checked = checked > 0 && checked === boxes().length;
        all.indeterminate = checked > 0 && checked < boxes().length;
      }
      if (status) {
        status.hidden = checked === 0;
        status.textContent = checked + " selected";
      }
    };
    if (all) {
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        update();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "patch") { update(); }
    });
  }

  // Discussion: one button to unfold (or fold) every quote at once.
  function setUpQuoteToggle(section) {
    var quotes = section.querySelectorAll("details.quote");
    var heading = section.querySelector("h2");
    if (!quotes.length || !heading) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    button.textContent = "Expand quotes";
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-pressed") !== "true";
      quotes.forEach(function (d) { d.open = open; });
      button.setAttribute("aria-pressed", String(open));
      button.textContent = open ? "Fold quotes" : "Expand quotes";
    });
    heading.appendChild(button);
  }

  document.querySelectorAll("form.bulk").forEach(setUpSelection);
  // The API token field selects itself (an inline onfocus= would be refused by the CSP).
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  document.querySelectorAll("section.discussion").forEach(setUpQuoteToggle);
})();

// Phones: blocks marked "fold-on-phone" (the patch list's filters and bulk
// actions) start folded, so the first screen shows patches; wider screens
// always show them open.
(function () {
  var narrow = window.matchMedia("(max-width: 700px)");
  var sync = function () {
    document.querySelectorAll("details.fold-on-phone").forEach(function (d) {
      d.open = !narrow.matches;
    });
  };
  sync();
  narrow.addEventListener("change", sync);
})();
