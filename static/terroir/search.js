/* The search form: communes suggested as one types (the API's /communes, into the field's datalist),
   "around me" from the browser's position (sent as `near`, the commune left empty). */
(function () {
  "use strict";
  var input = document.getElementById("commune");
  var list = document.getElementById("commune-suggestions");
  var near = document.getElementById("near");
  var nearMe = document.getElementById("near-me");
  var status = document.getElementById("near-status");
  var form = document.getElementById("search-form");
  if (!input || !list || !near || !form) { return; }
  var timer = null;
  var controller = null;
  var lastAsked = "";

  function say(message) {
    if (!status) { return; }
    status.hidden = !message;
    status.textContent = message || "";
  }

  function suggest() {
    var typed = input.value.trim();
    if (typed.length < 2 || typed === lastAsked) { return; }
    lastAsked = typed;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var url = input.dataset.suggestUrl + "?" + new URLSearchParams({ q: typed, limit: "10" }).toString();
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (communes) {
        while (list.firstChild) { list.removeChild(list.firstChild); }
        communes.forEach(function (c) {
          var option = document.createElement("option");
          option.value = c.label;
          option.textContent = c.postcodes.length ? c.postcodes[0] : c.label;
          list.appendChild(option);
        });
        input.dataset.suggested = String(communes.length);
        // What the list answers: a pause while typing asks for a shorter text first.
        input.dataset.suggestedFor = typed;
      })
      .catch(function () { /* an aborted or failed suggestion leaves the field as typed */ });
  }

  input.addEventListener("input", function () {
    // A commune typed replaces "around me": `near` would win over it.
    if (near.value) { near.value = ""; say(""); }
    input.placeholder = "Ambert";
    clearTimeout(timer);
    timer = setTimeout(suggest, 150);
  });

  if (nearMe && navigator.geolocation) {
    nearMe.hidden = false;
    nearMe.addEventListener("click", function () {
      say(nearMe.dataset.locating || "…");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          near.value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
          input.value = "";
          form.submit();
        },
        function (error) {
          say(error.code === 1 ? nearMe.dataset.refused : nearMe.dataset.failed);
          input.focus();
        },
        { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 }
      );
    });
  }
})();
