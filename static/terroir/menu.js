/* The header's menu and the search filters fold under a button on a narrow screen and stay open on a
   wide one. They are open in the HTML, so that without JavaScript everything is reachable. */
(function () {
  "use strict";
  if (!window.matchMedia) { return; }
  var folds = document.querySelectorAll("details.fold-narrow");
  var narrow = window.matchMedia("(max-width: 899px)");
  function fit() {
    for (var i = 0; i < folds.length; i++) { folds[i].open = !narrow.matches; }
  }
  fit();
  if (narrow.addEventListener) { narrow.addEventListener("change", fit); }
})();
