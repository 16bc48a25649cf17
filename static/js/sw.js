/* The service worker: pages a person saved for offline reading ("Save for offline") are shown when the
   network fails. It caches nothing on its own: private pages (a help request's secret link) never are. */
"use strict";

var SHELL = "diaspora-shell-v1";
var SAVED = "diaspora-saved";
var OFFLINE_PAGE = "/offline";

self.addEventListener("install", function (event) {
  // Without cookies: the worker installs while the person may be logging in, and a response to a request
  // that carried the old session cookie would set it again over the new one.
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.add(new Request(OFFLINE_PAGE, {credentials: "omit"}));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  // Navigation preload: the browser asks for the page while this worker starts, instead of after (a round
  // trip less before a repeat visit shows, on a slow link).
  var preload = self.registration.navigationPreload ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(preload.then(function () { return caches.keys(); }).then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("diaspora-shell-") === 0 && key !== SHELL;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function withoutEmptyParameters(url) {
  // A filter form sends its empty fields too (/contacts?country=RU&q=): the same page as the one saved.
  var clean = new URL(url);
  var kept = new URLSearchParams();
  clean.searchParams.forEach(function (value, name) { if (value !== "") { kept.append(name, value); } });
  clean.search = kept.toString();
  return clean.toString();
}

function savedCopy(request) {
  // Pages vary on the language cookie: the copy is the one saved, in the language it was saved in.
  return caches.open(SAVED).then(function (cache) {
    return cache.match(request, {ignoreVary: true}).then(function (found) {
      return found || cache.match(withoutEmptyParameters(request.url), {ignoreVary: true});
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var page = request.mode === "navigate";
  if (!page && url.pathname.indexOf("/static/") !== 0) { return; }  // the API and the rest: untouched
  // The network first (a saved page may be out of date); the saved copy only when it fails.
  var answer = page && event.preloadResponse ? event.preloadResponse.then(function (preloaded) {
    return preloaded || fetch(request);
  }) : fetch(request);
  event.respondWith(answer.catch(function (error) {
    return savedCopy(request).then(function (saved) {
      if (saved) { return saved; }
      if (!page) { throw error; }
      return caches.open(SHELL).then(function (cache) { return cache.match(OFFLINE_PAGE); }).then(function (shell) {
        if (shell) { return shell; }
        throw error;
      });
    });
  }));
});
