// closewatch: refresh a page's numbers without reloading it.
// The page's <main data-live-src="..."> names a JSON answer of
// {"values": {key: text}, "classes": {key: className}, "open": "1,2"}; each element whose
// data-live is a key gets the text (and the class). When the open incidents differ from
// the page's data-live-open, the hidden #live-stale notice is shown. Signed out: it stops.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live-src]");
  if (!main) { return; }
  var source = main.getAttribute("data-live-src");
  var every = 10000;
  var timer = null;

  function apply(answer) {
    var elements = document.querySelectorAll("[data-live]");
    for (var i = 0; i < elements.length; i++) {
      var key = elements[i].getAttribute("data-live");
      if (Object.prototype.hasOwnProperty.call(answer.values, key)) {
        elements[i].textContent = answer.values[key];
      }
      if (Object.prototype.hasOwnProperty.call(answer.classes, key)) {
        elements[i].className = answer.classes[key];
      }
    }
    var stale = document.getElementById("live-stale");
    var known = main.getAttribute("data-live-open");
    if (stale && known !== null && answer.open !== known) { stale.hidden = false; }
    main.setAttribute("data-live-updated", answer.values["as-of"] || "");
  }

  function poll() {
    fetch(source, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401) { clearInterval(timer); return null; }
        return response.ok ? response.json() : null;
      })
      .then(function (answer) { if (answer) { apply(answer); } })
      .catch(function () { /* the next round tries again */ });
  }

  timer = setInterval(poll, every);
})();
