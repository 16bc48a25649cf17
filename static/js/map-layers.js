/* What people read on a map (names, titles, places) comes as JSON next to the map, never inside folium's
   script: this file makes the markers and sets every label with textContent, so no text can become markup
   or script. Loaded after the map's own script, which defines the map as a global (spec.map). */
(function () {
  "use strict";
  var STYLES = {
    demand: {color: "#b01c1c", fill: true, fillOpacity: 0.35, weight: 3},
    supply: {color: "#0b57a4", fill: false, weight: 3},
    centre: {color: "#0b57a4", fill: true, fillOpacity: 1, weight: 3}
  };

  function text(tag, value) {
    var node = document.createElement(tag);
    node.textContent = value;
    return node;
  }

  function popup(pin) {
    var box = document.createElement("div");
    box.className = "popup";
    var link = text("a", pin.label);
    if (pin.lang) link.lang = pin.lang;  // a title in another language than the page's
    link.href = pin.url;
    box.appendChild(link);
    return box;
  }

  function addLayers(spec) {
    var map = window[spec.map];
    if (!map || !window.L) return;
    (spec.pins || []).forEach(function (pin) {
      var marker = L.marker([pin.lat, pin.lng], {alt: pin.label, keyboard: true});
      if (pin.label) {
        var tip = text("span", pin.label);
        if (pin.lang) tip.lang = pin.lang;
        marker.bindTooltip(tip);
      }
      if (pin.url) marker.bindPopup(popup(pin));
      marker.addTo(map);
    });
    (spec.discs || []).forEach(function (disc) {
      var options = {radius: disc.radius};
      var style = STYLES[disc.kind] || STYLES.centre;
      for (var key in style) options[key] = style[key];
      var circle = L.circleMarker([disc.lat, disc.lng], options);
      if (disc.label) circle.bindTooltip(text("span", disc.label));
      circle.addTo(map);
    });
  }

  var blocks = document.querySelectorAll('script[type="application/json"].map-layers');
  for (var i = 0; i < blocks.length; i++) {
    try {
      addLayers(JSON.parse(blocks[i].textContent));
    } catch (e) {
      if (window.console) console.error("map layers:", e);
    }
  }
})();
