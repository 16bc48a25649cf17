/* Contacts, "near me": the browser's position fills the form's lat/lng, and the server picks the country and
   city of the nearest contacts. Without this script (or a position) the country select works alone. */
(function () {
  "use strict";
  function setUp() {
    var button = document.getElementById("contacts-near-me");
    if (!button || !button.form || !navigator.geolocation) return;
    var form = button.form;
    var status = document.getElementById("contacts-near-me-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (status) status.textContent = button.getAttribute("data-loading");
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(2);
        form.elements.lng.value = pos.coords.longitude.toFixed(2);
        form.elements.country.value = "";
        form.submit();
      }, function () {
        if (status) status.textContent = button.getAttribute("data-error");
      }, {timeout: 10000, maximumAge: 600000});
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
