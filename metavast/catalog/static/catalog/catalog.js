// Suggestions under the header's search box: htmx asks /search/suggest/ while the shopper
// types. Attributes are added here because base.html's box belongs to every page.
// Also: the add-to-cart toast's close button, and the phone's filter sheet closing when the
// shopper applies it (htmx swaps the results behind it).
(function () {
  function setup() {
    var input = document.getElementById("q");
    if (!input || !window.htmx || input.hasAttribute("hx-get")) return;
    var form = input.form;
    var box = document.createElement("div");
    box.id = "suggest";
    box.className = "suggest-box";
    // Inside the form, hung below the box: the header's line is not pushed apart.
    form.appendChild(box);
    input.setAttribute("hx-get", "/search/suggest/");
    input.setAttribute("hx-trigger", "input changed delay:250ms, search");
    input.setAttribute("hx-target", "#suggest");
    input.setAttribute("hx-sync", "this:replace");
    window.htmx.process(input);
    document.addEventListener("click", function (e) {
      if (!box.contains(e.target) && e.target !== input) box.innerHTML = "";
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") box.innerHTML = "";
    });
  }
  document.addEventListener("click", function (e) {
    var close = e.target.closest && e.target.closest(".toast-close");
    if (close) close.closest(".toast").remove();
  });
  document.addEventListener("submit", function (e) {
    var sheet = e.target.closest && e.target.closest("details.filters");
    if (sheet && window.matchMedia("(max-width: 47.99rem)").matches) sheet.open = false;
  });
  // A page that defers htmx (the home page) names it in <meta name="htmx-src">: load it
  // when the shopper first reaches for the search box, then set the suggestions up.
  function setupLazily() {
    var input = document.getElementById("q");
    var meta = document.querySelector('meta[name="htmx-src"]');
    if (window.htmx || !input || !meta) return setup();
    var requested = false;
    function load() {
      if (requested) return;
      requested = true;
      var script = document.createElement("script");
      script.src = meta.content;
      script.onload = function () {
        setup();
        if (input.value) window.htmx.trigger(input, "search");
      };
      document.head.appendChild(script);
    }
    input.addEventListener("focus", load);
    input.addEventListener("pointerdown", load);
    // The cookie banner's buttons answer in place with htmx (they work without it too).
    if (document.getElementById("cookie-banner")) load();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setupLazily);
  else setupLazily();
})();
