// Follows an import started from the web: polls its progress file until the import ends.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job) return;
  var bar = document.getElementById("job-bar");
  var message = document.getElementById("job-message");
  function show(state) {
    if (state.fraction === null || state.fraction === undefined) bar.removeAttribute("value");
    else bar.value = state.fraction;
    if (state.status === "done") {
      bar.value = 1;
      message.textContent = job.dataset.done + " ";
      var link = document.createElement("a");
      link.href = state.url;
      link.textContent = job.dataset.see;
      link.id = "job-result";
      message.appendChild(link);
      return true;
    }
    if (state.status === "failed") {
      message.textContent = job.dataset.failed + " " + (state.error || "");
      message.classList.add("error");
      if (state.url) {
        var see = document.createElement("a");
        see.href = state.url;
        see.textContent = " " + job.dataset.see;
        message.appendChild(see);
      }
      return true;
    }
    if (state.message) message.textContent = state.message;
    return false;
  }
  function poll() {
    fetch(job.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) { if (!show(state)) setTimeout(poll, 700); })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
