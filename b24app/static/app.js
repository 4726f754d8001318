/* BX24 glue: init, fit the frame to the content, open portal links in the portal. */
(function () {
  function fit() { if (window.BX24 && BX24.fitWindow) { BX24.fitWindow(); } }
  function ready() {
    fit();
    document.querySelectorAll("[data-open-path]").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (window.BX24 && BX24.openPath) { ev.preventDefault(); BX24.openPath(link.dataset.openPath); }
      });
    });
    document.querySelectorAll("[data-disables]").forEach(function (box) {
      var sync = function () {
        box.dataset.disables.split(" ").forEach(function (id) {
          var el = document.getElementById(id);
          if (!el) { return; }
          var row = el.closest(".b24-field");
          if (row) { row.classList.toggle("b24-field-off", !box.checked); }
        });
        fit();
      };
      box.addEventListener("change", sync); sync();
    });
    if (document.body.dataset.installFinish === "1" && window.BX24 && BX24.installFinish) {
      BX24.installFinish();
    }
  }
  if (window.BX24 && BX24.init) { BX24.init(ready); } else { document.addEventListener("DOMContentLoaded", ready); }
  window.addEventListener("resize", fit);
})();
