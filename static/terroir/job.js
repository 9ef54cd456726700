// A run the worker computes (a plan of rounds, a relay siting study): follows its state until it ends,
// then reloads the page, which then shows the result. While it waits in the queue it says so, rather
// than show a bar that does not move. The page's own script draws the result once there is no #job.
(function () {
  "use strict";
  var job = document.getElementById("job");
  if (!job) return;
  var bar = document.getElementById("job-bar");
  var message = document.getElementById("job-message");
  var working = message.textContent;
  var poll = function () {
    fetch(job.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        bar.value = state.fraction || 0;
        if (state.status === "done") { window.location.reload(); return; }
        if (state.status === "failed") {
          message.textContent = job.dataset.failed + " " + (state.error || "");
          message.classList.add("error");
          return;
        }
        message.textContent = state.status === "queued" ? job.dataset.queued : working;
        setTimeout(poll, 500);
      })
      .catch(function () { setTimeout(poll, 2000); });
  };
  poll();
})();
