// The pay page while it waits for the money. The page works without this script: the expiry time is
// printed, and a button loads the page again to see how the order stands. With it:
// - the order's status is asked of the API every 5 seconds and written into the status line, a
//   polite live region, so a screen reader says it once when it changes; the page is never
//   reloaded, so keyboard and reader focus stay where the customer left them;
// - the minutes and seconds left tick down in a timer (not announced every second);
// - a button pauses and resumes both (WCAG 2.2.2);
// - inside WeChat, for an order paid there, a button opens WeChat's payment sheet
//   (WeixinJSBridge getBrandWCPayRequest) with the signed request the page carries.
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

  // payInWeChat hands the page's signed request to WeChat's payment sheet. A request older than
  // four minutes is refused by WeChat: the page is loaded again for a fresh one. Its age is read on
  // this phone's clock from when the page came, not against the server's time, which a phone's
  // clock may be far from.
  var loadedAt = Date.now(), awaitingBridge = false;
  var jsapi = document.getElementById("pay-jsapi");
  var note = document.getElementById("pay-jsapi-note");
  function say(text) {
    note.textContent = text;
    note.hidden = !text;
  }
  function payInWeChat() {
    var req = {
      appId: jsapi.getAttribute("data-app-id"), timeStamp: jsapi.getAttribute("data-time-stamp"),
      nonceStr: jsapi.getAttribute("data-nonce-str"), "package": jsapi.getAttribute("data-package"),
      signType: jsapi.getAttribute("data-sign-type"), paySign: jsapi.getAttribute("data-pay-sign")
    };
    if (Date.now() - loadedAt > 240000) {
      window.location.reload();
      return;
    }
    if (typeof window.WeixinJSBridge === "undefined") {
      // WeChat may not have given the page its bridge yet: the sheet opens when it does.
      say(jsapi.getAttribute("data-no-bridge"));
      if (!awaitingBridge) {
        awaitingBridge = true;
        document.addEventListener("WeixinJSBridgeReady", function ready() {
          document.removeEventListener("WeixinJSBridgeReady", ready);
          awaitingBridge = false;
          payInWeChat();
        });
      }
      return;
    }
    say("");
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", req, function (res) {
      var msg = (res && res.err_msg) || "";
      if (msg === "get_brand_wcpay_request:ok") check(); // the money is on its way: ask at once
      else if (msg === "get_brand_wcpay_request:cancel") say(jsapi.getAttribute("data-cancelled"));
      else say(jsapi.getAttribute("data-failed"));
    });
  }
  if (jsapi && note) {
    jsapi.hidden = false;
    jsapi.addEventListener("click", payInWeChat);
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
