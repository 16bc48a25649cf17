/* "Save for offline": stores a country's pack (its contacts and guides, listed by /offline/pack/<country>.json)
   in the cache the service worker reads when there is no connection; and the list of saved pages on /offline.
   Every text comes from the page's data attributes (translated there) and goes in with textContent. */
(function () {
  "use strict";
  var SAVED = "diaspora-saved";
  var INDEX = "diaspora-offline-packs";  // localStorage: {country: {name, saved_at, pages: [{url, title}]}}

  function readIndex() {
    try { return JSON.parse(window.localStorage.getItem(INDEX) || "{}") || {}; } catch (e) { return {}; }
  }

  function writeIndex(index) {
    try { window.localStorage.setItem(INDEX, JSON.stringify(index)); } catch (e) { /* private mode: fine */ }
  }

  function save(box) {
    var status = box.querySelector("[data-offline-status]");
    var button = box.querySelector("[data-offline-button]");
    if (!("caches" in window) || !("serviceWorker" in navigator)) {
      status.textContent = box.dataset.unsupported;
      return;
    }
    button.disabled = true;
    status.textContent = box.dataset.saving;
    fetch(box.dataset.packUrl, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error("pack " + response.status); }
      return response.json();
    }).then(function (pack) {
      var urls = pack.pages.map(function (page) { return page.url; }).concat(pack.assets);
      return caches.open(SAVED).then(function (cache) {
        return cache.addAll(urls);
      }).then(function () {
        var index = readIndex();
        index[pack.country] = {name: pack.country_name, saved_at: new Date().toISOString(), pages: pack.pages};
        writeIndex(index);
        status.textContent = box.dataset.saved.replace("{count}", String(pack.pages.length));
      });
    }).catch(function () {
      status.textContent = box.dataset.failed;
    }).then(function () {
      button.disabled = false;
    });
  }

  function showSaved(list) {
    var index = readIndex();
    var countries = Object.keys(index).sort();
    if (!countries.length) {
      var empty = document.createElement("p");
      empty.textContent = list.dataset.empty;
      list.appendChild(empty);
      return;
    }
    countries.forEach(function (code) {
      var pack = index[code];
      var heading = document.createElement("h2");
      heading.textContent = pack.name || code;
      var when = document.createElement("p");
      when.className = "muted";
      when.textContent = list.dataset.savedOn.replace("{date}", new Date(pack.saved_at).toLocaleDateString(
        document.documentElement.lang || undefined));
      var pages = document.createElement("ul");
      (pack.pages || []).forEach(function (page) {
        if (typeof page.url !== "string" || page.url.charAt(0) !== "/" || page.url.charAt(1) === "/") { return; }
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = page.url;  // site-relative, from our own pack
        link.textContent = page.title;
        item.appendChild(link);
        pages.appendChild(item);
      });
      list.appendChild(heading);
      list.appendChild(when);
      list.appendChild(pages);
    });
  }

  document.querySelectorAll("[data-offline-save]").forEach(function (box) {
    box.querySelector("[data-offline-button]").addEventListener("click", function () { save(box); });
  });
  document.querySelectorAll("[data-offline-list]").forEach(showSaved);
  var notice = document.querySelector("[data-offline-notice]");
  if (notice && !navigator.onLine) { notice.hidden = false; }
}());
