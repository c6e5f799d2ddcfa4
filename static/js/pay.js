// The pay page's countdown: the page works without it (the expiry time is printed and the page
// refreshes itself); with it, the minutes and seconds left tick down.
(function () {
  var el = document.querySelector("[data-expires]");
  if (!el) return;
  var end = Date.parse(el.getAttribute("data-expires"));
  var label = el.getAttribute("data-label") || "";
  function tick() {
    var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    el.textContent = label + " " + m + ":" + (s < 10 ? "0" : "") + s;
    if (left > 0) setTimeout(tick, 1000);
  }
  tick();
})();
