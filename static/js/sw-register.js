/* Registers the service worker that keeps pages saved for offline reading (static/js/sw.js). */
"use strict";
if ("serviceWorker" in navigator) {
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () {
      /* not fatal: the site works without it, only offline reading does not */
    });
  });
}
