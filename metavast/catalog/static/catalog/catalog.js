// Suggestions under the header's search box: htmx asks /search/suggest/ while the shopper
// types. Attributes are added here because base.html's box belongs to every page.
(function () {
  function setup() {
    var input = document.getElementById("q");
    if (!input || !window.htmx || input.hasAttribute("hx-get")) return;
    var form = input.form;
    var box = document.createElement("div");
    box.id = "suggest";
    box.className = "suggest-box";
    form.parentNode.insertBefore(box, form.nextSibling);
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
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
