// Print buttons: behaviour lives here, not in an onclick attribute, which the page's policy refuses.
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
