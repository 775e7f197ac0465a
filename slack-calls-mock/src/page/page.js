// Live updates: fetch the server-rendered inside of <main> every second
// and swap it in when it changed, keeping open the <details> (long
// rosters) a person opened. Without JavaScript the page is the state at
// load time.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var live = document.getElementById("live");
  var last = null;
  function tick() {
    fetch("/_mock/page/fragment", { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html !== last) {
          last = html;
          var open = [];
          main.querySelectorAll("details[open][id]").forEach(function (d) { open.push(d.id); });
          main.innerHTML = html;
          open.forEach(function (id) {
            var d = document.getElementById(id);
            if (d) { d.open = true; }
          });
        }
        live.textContent = "Live: updated " + new Date().toLocaleTimeString() + ".";
      })
      .catch(function () {
        live.textContent = "The fake stopped answering; showing its last state.";
      })
      .then(function () { setTimeout(tick, 1000); });
  }
  tick();
})();
