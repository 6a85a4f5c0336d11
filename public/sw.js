// Sổ Thôn service worker: caches the app shell, and nothing else.
//
// It never touches API requests or request bodies (service workers that
// replay POSTs have corrupted bodies on WebKit); the app sends its own data.
// CACHE is derived from the build's content by scripts/postbuild.mjs, so a new
// build installs beside the old one and the page announces it.
const CACHE = "sothon-__BUILD__";
const SHELL = __SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))
    )
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("sothon-") && k !== CACHE).map((k) => caches.delete(k)))
      )
      .then(() => self.clients.claim())
  );
});

// The page asks for the new version when the person presses "Tải lại".
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate") {
    // Every page is the app; office.html is the office's bundle.
    const page = url.pathname === "/office.html" ? "/office.html" : "/index.html";
    event.respondWith(fromCacheOrNetwork(page, req));
    return;
  }
  event.respondWith(fromCacheOrNetwork(req, req));
});

// Shell files come from the cache; anything else of the app's own (the
// office bundle) is cached on first use, so it too works offline later.
function fromCacheOrNetwork(key, req) {
  return caches.open(CACHE).then((cache) =>
    cache.match(key, { ignoreSearch: true }).then(
      (hit) =>
        hit ||
        fetch(req).then((res) => {
          const path = new URL(req.url).pathname;
          if (res.ok && (path.startsWith("/assets/") || path === "/office.html")) cache.put(key, res.clone());
          return res;
        })
    )
  );
}
