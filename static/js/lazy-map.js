/* Maps that are not what the page is for (a venue, an association's pin, the offers' map): Leaflet (37 KB) and
   the map are loaded only when the map's box comes near the screen, so a phone on a slow or paid connection
   that never scrolls to it never pays for it.

   The map's own script waits in a <script type="text/plain" class="lazy-map"> (not run); once Leaflet is
   here, it is run by a <script> element made from it. The page's Content Security Policy allows it by its
   hash, as it would have allowed it inline. Then map-layers.js puts the labels on it. */
(function () {
  "use strict";
  var loaded = {};

  function load(src) {
    if (!loaded[src]) {
      loaded[src] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = src;
        tag.onload = resolve;
        tag.onerror = reject;
        document.body.appendChild(tag);
      });
    }
    return loaded[src];
  }

  function start(waiting) {
    var scripts = JSON.parse(waiting.getAttribute("data-scripts") || "[]");
    // Leaflet before its plugins: one after the other
    scripts.reduce(function (done, src) { return done.then(function () { return load(src); }); }, Promise.resolve())
      .then(function () {
        var run = document.createElement("script");
        run.textContent = waiting.textContent;
        waiting.parentNode.insertBefore(run, waiting.nextSibling);
        return load(waiting.getAttribute("data-layers"));
      })
      .catch(function (error) { if (window.console) console.error("map:", error); });
  }

  var waiting = document.querySelectorAll('script[type="text/plain"].lazy-map');
  Array.prototype.forEach.call(waiting, function (script) {
    var box = document.getElementById(script.getAttribute("data-box"));
    if (!box || !("IntersectionObserver" in window)) { start(script); return; }
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        watcher.disconnect();
        start(script);
      }
    }, {rootMargin: "300px 0px"});
    watcher.observe(box);
  });
})();
