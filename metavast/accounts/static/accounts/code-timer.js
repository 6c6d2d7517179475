// The SMS code page's countdown (CSP: a file, no inline script, no eval). The server renders
// the seconds left until a resend is allowed and the button disabled until then; this counts
// them down as «۰:۵۹» and enables the button at zero. Without script the page still works:
// reloading it after the wait shows the button enabled.
(function () {
  var FA = "۰۱۲۳۴۵۶۷۸۹";
  function fa(n) { return String(n).replace(/[0-9]/g, function (d) { return FA[+d]; }); }
  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return fa(m) + ":" + fa(s < 10 ? "0" + s : s);
  }
  function setup() {
    document.querySelectorAll("form[data-code-timer]").forEach(function (form) {
      var left = parseInt(form.getAttribute("data-resend-in"), 10) || 0;
      var button = form.querySelector("button[type=submit]");
      var note = form.querySelector(".acc-timer");
      if (left <= 0 || !button || !note) return;
      var end = Date.now() + left * 1000;
      note.textContent = "";
      note.append("ارسال دوبارهٔ کد تا ");
      var time = document.createElement("span");
      time.setAttribute("data-timer-left", "");
      time.dir = "ltr";
      note.append(time, " دیگر ممکن می‌شود.");
      function tick() {
        var remaining = Math.max(0, Math.ceil((end - Date.now()) / 1000));
        if (remaining > 0) {
          time.textContent = clock(remaining);
          window.setTimeout(tick, 250);
          return;
        }
        note.textContent = "اگر کد نرسید، کد تازه بخواهید.";
        button.disabled = false;
      }
      tick();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
