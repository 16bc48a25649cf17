/* Popups for the directory map. The page carries only [lat, lng, id] per marker; the details are fetched
   when a popup opens and put on the page with textContent, so no name can become markup or script. */
(function () {
  "use strict";
  // The page's settings and words, as JSON data (only our own map script runs inline, allowed by its hash).
  // folium's marker callback reads window.diasporaMap when the map's script runs, after this file.
  var config = document.getElementById("map-config");
  var cfg = window.diasporaMap = config ? JSON.parse(config.textContent) : {};
  var cache = {};

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function fill(box, data) {
    box.textContent = "";
    var title = el("h3", null, data.name);
    if (data.lang) title.lang = data.lang;  // content shown in another language than the page's
    box.appendChild(title);
    if (data.demo) box.appendChild(el("p", "badge badge-demo", data.demo));
    box.appendChild(el("p", null, data.place));
    if (data.services && data.services.length) box.appendChild(el("p", "muted", data.services.join(", ")));
    var link = el("a", null, data.link_label);
    link.href = data.url;
    if (cfg.newTab) { link.target = "_blank"; link.rel = "noopener"; }  // the widget: the full site, not the frame
    var p = el("p");
    p.appendChild(link);
    box.appendChild(p);
  }

  cfg.popup = function (id, marker) {
    var box = el("div", "popup", cfg.loading);
    if (cache[id]) { fill(box, cache[id]); return box; }
    fetch(cfg.popupUrl + encodeURIComponent(id) + (cfg.popupQuery || ""), {headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        cache[id] = data;
        fill(box, data);
        // the popup grew: let Leaflet measure it again and pan so all of it is in view
        if (marker && marker.isPopupOpen()) marker.getPopup().update();
      })
      .catch(function () { box.textContent = cfg.failed; });
    return box;
  };

  // The filters' panel on a phone: it opens over the map (map.css, under .has-js); without this script it
  // stands below the map and the "Filters" link jumps to it. On a wide screen it is a column, always shown.
  function filterPanel() {
    var page = document.getElementById("map-page");
    var panel = document.getElementById("filter-panel");
    var toggle = document.getElementById("filters-toggle");
    var close = document.getElementById("filters-close");
    if (!page || !panel || !toggle) return;
    page.classList.add("has-js");
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", "false");
    if (close) close.hidden = false;

    function show(open) {
      panel.classList.toggle("open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) {
        var first = panel.querySelector("input:not([type=hidden]), select, button");
        (first || panel).focus();
      } else {
        toggle.focus();
      }
    }
    toggle.addEventListener("click", function (event) {
      event.preventDefault();
      show(!panel.classList.contains("open"));
    });
    toggle.addEventListener("keydown", function (event) {
      if (event.key === " ") { event.preventDefault(); show(!panel.classList.contains("open")); }
    });
    if (close) close.addEventListener("click", function () { show(false); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && panel.classList.contains("open")) show(false);
    });
    // a place that was not found: the panel opens on its message
    if (panel.querySelector(".error")) {
      panel.classList.add("open");
      toggle.setAttribute("aria-expanded", "true");
    }
  }

  // "Near me": the browser's location fills the hidden lat/lng fields and submits the filters.
  document.addEventListener("DOMContentLoaded", function () {
    filterPanel();
    var button = document.getElementById("near-me");
    var form = document.getElementById("filters");
    if (!button || !form || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var status = document.getElementById("near-me-status");
      status.textContent = cfg.loading;
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(4);
        form.elements.lng.value = pos.coords.longitude.toFixed(4);
        form.elements.near.value = "";
        form.submit();
      }, function () {
        status.textContent = button.getAttribute("data-error");
      }, {timeout: 10000, maximumAge: 600000});
    });
    // Typing a place replaces a previous "near me" position.
    form.elements.near.addEventListener("input", function () {
      form.elements.lat.value = "";
      form.elements.lng.value = "";
    });
  });
})();
