/* Click (or drag the pin) to fill the latitude/longitude fields. Without JavaScript the fields still work. */
(function () {
  "use strict";
  var box = document.getElementById("pin-picker");
  if (!box || !window.L) return;
  var lat = document.getElementById("latitude");
  var lng = document.getElementById("longitude");
  function num(input) { var v = parseFloat((input.value || "").replace(",", ".")); return isFinite(v) ? v : null; }
  box.hidden = false;
  var start = (num(lat) !== null && num(lng) !== null) ? [num(lat), num(lng)] : null;
  var map = L.map(box, {worldCopyJump: true}).setView(start || [45, 60], start ? 14 : 2);
  var tiles = box.getAttribute("data-tiles");
  if (tiles) L.tileLayer(tiles, {maxZoom: 19, attribution: box.getAttribute("data-attribution")}).addTo(map);
  var marker = null;
  function put(latlng) {
    var wrapped = latlng.wrap();
    lat.value = wrapped.lat.toFixed(6);
    lng.value = wrapped.lng.toFixed(6);
    if (!marker) {
      marker = L.marker(wrapped, {draggable: true, keyboard: true}).addTo(map);
      marker.on("dragend", function () { put(marker.getLatLng()); });
    } else {
      marker.setLatLng(wrapped);
    }
  }
  if (start) put(L.latLng(start[0], start[1]));
  map.on("click", function (e) { put(e.latlng); });
  function fromInputs() {
    if (num(lat) !== null && num(lng) !== null && Math.abs(num(lat)) <= 90 && Math.abs(num(lng)) <= 180) {
      put(L.latLng(num(lat), num(lng)));
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12));
    }
  }
  lat.addEventListener("change", fromInputs);
  lng.addEventListener("change", fromInputs);
})();
