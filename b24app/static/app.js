/* BX24 glue: init, fit the frame to the content, open portal links in the portal. */
(function () {
  function fit() { if (window.BX24 && BX24.fitWindow) { BX24.fitWindow(); } }
  function localTimes() {
    /* <time datetime="…Z"> shows UTC from the server; the reader's own zone here, named. */
    var lang = document.documentElement.lang || undefined;
    document.querySelectorAll("time[datetime]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime()) || !window.Intl) { return; }
      try {
        el.textContent = new Intl.DateTimeFormat(lang, {year: "numeric", month: "2-digit", day: "2-digit",
          hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short"}).format(when);
        el.title = el.getAttribute("datetime");
      } catch (e) { /* keep the UTC text */ }
    });
  }
  function ready() {
    localTimes();
    fit();
    document.querySelectorAll("[data-open-path]").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (window.BX24 && BX24.openPath) { ev.preventDefault(); BX24.openPath(link.dataset.openPath); }
      });
    });
    document.querySelectorAll("[data-disables]").forEach(function (box) {
      var sync = function () {
        /* a checkbox switches its fields on; a select does unless its first choice ("off") is picked */
        var on = box.tagName === "SELECT" ? box.selectedIndex > 0 : box.checked;
        box.dataset.disables.split(" ").forEach(function (id) {
          var el = document.getElementById(id);
          if (!el) { return; }
          var row = el.closest(".b24-field");
          if (row) { row.classList.toggle("b24-field-off", !on); }
        });
        fit();
      };
      box.addEventListener("change", sync); sync();
    });
    if (document.querySelector("[data-install-finish='1']") && window.BX24 && BX24.installFinish) {
      BX24.installFinish();
    }
  }
  if (window.BX24 && BX24.init) { BX24.init(ready); } else { document.addEventListener("DOMContentLoaded", ready); }
  window.addEventListener("resize", fit);
})();
