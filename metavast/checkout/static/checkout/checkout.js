// Checkout helpers (CSP: no inline script). A place-order button disables itself after the
// first click (the server makes one order either way); the payment bridge form goes to the
// gateway by itself, its button staying as the no-script path.
(function () {
  function setup() {
    document.querySelectorAll("form button[data-once]").forEach(function (button) {
      button.form.addEventListener("submit", function () {
        window.setTimeout(function () { button.disabled = true; }, 0);
      });
    });
    var pay = document.querySelector("form[data-autosubmit]");
    if (pay && !sessionStorage.getItem("paid-" + pay.action)) {
      sessionStorage.setItem("paid-" + pay.action, "1");
      pay.submit();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
