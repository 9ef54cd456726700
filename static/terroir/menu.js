/* The header's menu and the search filters fold under a button on a narrow screen and stay open on a
   wide one. They are open in the HTML, so that without JavaScript everything is reachable. */
(function () {
  "use strict";
  if (!window.matchMedia) { return; }
  var folds = document.querySelectorAll("details.fold-narrow");
  var narrow = window.matchMedia("(max-width: 899px)");
  // A fold marked data-open-narrow stays open on a phone too: a refused search names a field inside it.
  function fit() {
    for (var i = 0; i < folds.length; i++) { folds[i].open = !narrow.matches || folds[i].hasAttribute("data-open-narrow"); }
  }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
})();

/* A wide table scrolls inside its box on a narrow screen: keyboard users must reach that box to scroll it
   with the arrow keys, so a box that overflows joins the tab order, named after its table's caption or the
   heading above it. A box that fits stays out of it (no useless tab stop on a wide screen). */
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".table-scroll");
  function name(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var el = box.previousElementSibling; el; el = el.previousElementSibling) {
      if (/^H[1-6]$/.test(el.tagName)) { return el.textContent.trim(); }
    }
    return document.title;
  }
  function fit() {
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) { box.setAttribute("aria-label", name(box)); }
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    }
  }
  fit();
  window.addEventListener("resize", fit);
})();

/* The account menu's "More" (a <details>, usable without JavaScript): on a wide screen a drop-down, closed
   again by Escape or a click elsewhere, as a menu is. */
(function () {
  "use strict";
  var more = document.getElementById("more-menu");
  if (!more) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (more.open && !more.contains(event.target)) { more.open = false; }
  });
})();
