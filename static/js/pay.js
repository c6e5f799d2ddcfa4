// The pay page while it waits for the money. The page works without this script: the expiry time is
// printed, and a button loads the page again to see how the order stands. With it:
// - the order's status is asked of the API every 5 seconds and written into the status line, a
//   polite live region, so a screen reader says it once when it changes; the page is never
//   reloaded, so keyboard and reader focus stay where the customer left them;
// - the minutes and seconds left tick down in a timer (not announced every second);
// - a button pauses and resumes both (WCAG 2.2.2).
(function () {
  var status = document.getElementById("pay-status");
  var waiting = document.getElementById("pay-waiting");
  if (!status || !waiting) return;
  var out = status.getAttribute("data-out");
  var pause = document.getElementById("pay-pause");
  var hint = document.getElementById("pay-hint");
  var result = document.getElementById("pay-result");
  var timer = document.querySelector("[data-expires]");
  var end = timer ? Date.parse(timer.getAttribute("data-expires")) : 0;
  var label = timer ? timer.getAttribute("data-label") || "" : "";
  var paused = false, polling = null, ticking = null, state = status.getAttribute("data-state");

  function tick() {
    if (!timer) return;
    var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = label + " " + m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) stop();
  }

  function stop() {
    clearInterval(polling);
    clearInterval(ticking);
    polling = ticking = null;
  }

  function start() {
    if (polling) return;
    tick();
    ticking = setInterval(tick, 1000);
    polling = setInterval(check, 5000);
  }

  // settle shows how the order ended: the status line says it (announced), the code goes away.
  function settle(order) {
    stop();
    var text = status.getAttribute("data-text-" + order.status.toLowerCase());
    if (text) status.textContent = text;
    if (order.status === "PAID" || order.status === "POSTED") {
      result.textContent = order.receipt_no
        ? status.getAttribute("data-posted").replace("%s", order.receipt_no)
        : status.getAttribute("data-done");
      result.hidden = false;
    }
    // The code and its controls go; whatever had focus among them gives it to the status line,
    // which the customer reads next, instead of losing it to the top of the page.
    if (waiting.contains(document.activeElement)) {
      status.setAttribute("tabindex", "-1");
      status.focus();
    }
    waiting.hidden = true;
  }

  function check() {
    var req = new XMLHttpRequest();
    req.open("GET", "/api/v1/payments/" + encodeURIComponent(out));
    req.setRequestHeader("Accept", "application/json");
    req.onload = function () {
      if (req.status !== 200) return;
      var order;
      try { order = JSON.parse(req.responseText); } catch (e) { return; }
      if (!order || order.status === state) return;
      state = order.status;
      if (state !== "CREATED" && state !== "PENDING") settle(order);
    };
    req.send();
  }

  if (hint && hint.getAttribute("data-auto")) hint.textContent = hint.getAttribute("data-auto");
  if (pause) {
    pause.hidden = false;
    pause.addEventListener("click", function () {
      paused = !paused;
      pause.setAttribute("aria-pressed", paused ? "true" : "false");
      pause.textContent = pause.getAttribute(paused ? "data-resume" : "data-pause");
      if (paused) stop(); else { start(); check(); }
    });
  }
  start();
})();
