/* Minimal BX24 shim of the fake Bitrix24: talks to the portal page via postMessage. */
(function () {
  "use strict";
  var parts = (window.name || "").split("|");
  var info = {domain: parts[0] || "", protocol: parts[1] || "0", sid: parts[2] || "",
              lang: null, admin: false};
  var query = new URLSearchParams(window.location.search);
  if (query.get("LANG")) { info.lang = query.get("LANG"); }
  if (!info.domain && query.get("DOMAIN")) { info.domain = query.get("DOMAIN"); }
  var ready = false;
  var queue = [];

  function send(cmd, extra) {
    var msg = Object.assign({bx24: cmd, sid: info.sid}, extra || {});
    if (window.parent && window.parent !== window) { window.parent.postMessage(msg, "*"); }
  }
  function flush() {
    if (ready) { return; }
    ready = true;
    queue.splice(0).forEach(function (cb) {
      try { cb(); } catch (e) { console.error(e); }
    });
  }
  function scrollSize() {
    var el = document.documentElement;
    var body = document.body || el;
    return {scrollWidth: Math.max(el.scrollWidth, body.scrollWidth),
            scrollHeight: Math.max(el.scrollHeight, body.scrollHeight)};
  }
  function contentHeight() {
    // scrollHeight of <html> never drops below the frame's own height, so a frame could grow
    // but never shrink to its content; measure the laid-out content instead.
    var el = document.documentElement;
    var body = document.body || el;
    return Math.ceil(Math.max(el.getBoundingClientRect().height, body.scrollHeight));
  }
  function notSupported(cb) {
    if (!cb) { return; }
    setTimeout(function () {
      cb({error: function () { return "NOT_SUPPORTED"; },
          error_description: function () { return "callMethod is not supported by the sandbox"; },
          data: function () { return null; }, more: function () { return false; }});
    }, 0);
  }

  window.addEventListener("message", function (e) {
    var d = e.data || {};
    if (d.bx24 !== "init" || !d.lang) { return; }
    info.lang = info.lang || d.lang;
    info.admin = !!d.admin;
    info.domain = info.domain || d.domain;
    flush();
  });

  window.BX24 = {
    init: function (cb) { if (ready) { cb(); } else { queue.push(cb); } },
    installFinish: function () { send("installFinish"); },
    fitWindow: function (cb) {
      send("resize", {width: "100%", height: contentHeight()});
      if (cb) { cb(); }
    },
    resizeWindow: function (width, height, cb) {
      send("resize", {width: width, height: height});
      if (cb) { cb(); }
    },
    getScrollSize: scrollSize,
    setTitle: function (title, cb) { send("setTitle", {title: title}); if (cb) { cb(); } },
    reloadWindow: function () { send("reloadWindow"); },
    closeApplication: function () { send("closeApplication"); },
    openPath: function (path, cb) { send("openPath", {path: path}); if (cb) { cb({result: "ok"}); } },
    getLang: function () { return info.lang || "en"; },
    getDomain: function () { return info.domain; },
    isAdmin: function () { return info.admin; },
    getAuth: function () { return false; },
    refreshAuth: function (cb) { if (cb) { cb(false); } },
    callMethod: function (method, params, cb) { notSupported(cb); },
    callBatch: function (calls, cb) { notSupported(cb); },
    placement: {info: function () { return {placement: "DEFAULT", options: {}}; }}
  };

  function start() { send("init"); setTimeout(flush, 300); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
