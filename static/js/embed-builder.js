/* The snippet builder (/embed): the code and the preview follow the choices as they change. The page
   works without this file (the form is a GET form that renders them). */
(function () {
  "use strict";
  var MAP_KEYS = ["country", "category", "language", "near", "radius_km"];

  function attrEscape(text) {
    return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("embed-form");
    if (!form) return;
    var bases = JSON.parse(form.getAttribute("data-bases"));
    var previewBases = JSON.parse(form.getAttribute("data-preview-bases"));
    var sizes = JSON.parse(form.getAttribute("data-sizes"));
    var snippet = document.getElementById("snippet");
    var preview = document.getElementById("embed-preview");
    var timer = null;

    function update(initial) {
      var data = new FormData(form);
      var kind = data.get("kind") || "map";
      var query = new URLSearchParams();
      var keys = kind === "map" ? MAP_KEYS : ["organization"];
      keys.concat(["lang"]).forEach(function (key) {
        data.getAll(key).forEach(function (value) { if (value) query.append(key, value); });
      });
      var qs = query.toString() ? "?" + query.toString() : "";
      var size = sizes[data.get("size")] || sizes.medium;
      form.querySelectorAll(".for-map").forEach(function (el) { el.hidden = kind !== "map"; });
      form.querySelectorAll(".for-events").forEach(function (el) { el.hidden = kind !== "events"; });
      snippet.value = '<iframe src="' + attrEscape(bases[kind] + qs) + '" width="' + size[0] + '" height="' +
        size[1] + '" style="border:0;max-width:100%" loading="lazy" title="' +
        attrEscape(form.getAttribute("data-title")) + '"></iframe>';
      var src = previewBases[kind] + qs;
      preview.width = size[0];
      preview.height = size[1];
      if (initial === true) return;  // the page came with the preview of these choices
      // typing a place: wait for a pause before reloading the preview
      clearTimeout(timer);
      timer = setTimeout(function () { if (preview.getAttribute("src") !== src) preview.src = src; }, 400);
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    document.getElementById("embed-update").hidden = true;
    snippet.addEventListener("focus", function () { snippet.select(); });
    update(true);
  });
})();
