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

  // Patch list: once the whole page is selected, offer every patch the filters
  // match (the bar's own checkbox does the same without this script).
  document.querySelectorAll("form.bulk").forEach(function (form) {
    var matching = form.querySelector("[data-select-matching]");
    var all = form.querySelector("[data-select-all]");
    var bar = form.querySelector(".bulk-bar");
    if (!matching || !all || !bar) { return; }
    var offer = document.createElement("p");
    offer.className = "bulk-offer small";
    offer.hidden = true;
    var text = document.createElement("span");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "quiet";
    offer.appendChild(text);
    offer.appendChild(document.createTextNode(" "));
    offer.appendChild(button);
    bar.insertAdjacentElement("afterend", offer);
    var boxes = function () { return form.querySelectorAll('input[name="patch"]'); };
    var n = matching.getAttribute("data-matching");
    var show = function () {
      var page = boxes().length;
      if (matching.checked) {
        text.textContent = "All " + n + " patches that match these filters are selected.";
        button.textContent = "Only this page";
      } else {
        text.textContent = "All " + page + " on this page are selected.";
        button.textContent = "Select all " + n + " that match";
      }
      offer.hidden = !(matching.checked || (all.checked && String(page) !== n));
    };
    button.addEventListener("click", function () {
      matching.checked = !matching.checked;
      show();
    });
    matching.addEventListener("change", function () {
      if (matching.checked) {
        boxes().forEach(function (b) { b.checked = true; });
        all.checked = true;
        all.indeterminate = false;
      }
    });
    form.addEventListener("change", function (event) {
      // Unselecting any row (or the page) means not "everything that matches".
      var box = event.target;
      if ((box.name === "patch" || box === all) && !box.checked) { matching.checked = false; }
      show();
    });
  });
})();
