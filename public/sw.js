// Sổ Thôn service worker: caches the app shell, and nothing else.
//
// It never touches API requests or request bodies (service workers that
// replay POSTs have corrupted bodies on WebKit); the app sends its own data.
// CACHE is derived from the build's content by scripts/postbuild.mjs, so a new
// build installs beside the old one and the page announces it.
//
// No byte twice: the page has just downloaded its files when this installs
// (index.html registers it after `load`), so the content-hashed assets are
// taken with the default cache mode — from the HTTP cache, where the server's
// `immutable` keeps them — and an update copies every asset whose name (hence
// content) did not change from the previous build's cache. Only the pages and
// the manifest, whose names outlive a release, are revalidated (`no-cache`: a
// 304 when unchanged). Icons are cached when first used.
const CACHE = "sothon-__BUILD__";
// Each app's page and its content-hashed assets (filled in by postbuild.mjs).
const APPS = __APPS__;
const MANIFEST = "/manifest.webmanifest";
// `make dev` only: the network first (the cache when offline), so a reload
// shows the build just made.
const DEV = __DEV__;

self.addEventListener("install", (event) => {
  if (DEV) self.skipWaiting();
  event.waitUntil(install());
});

// The shell must be kept whole, or the worker does not install. The screens
// fetched on first use (WASM chunks) come after it, on a best-effort basis:
// one that fails now is fetched at a later page load (topUp).
async function install() {
  const cache = await caches.open(CACHE);
  const apps = await appsInUse();
  const pages = [...apps.map((a) => a.page), MANIFEST];
  const assets = apps.flatMap((a) => a.assets);
  await Promise.all([
    ...pages.map((url) => cache.add(new Request(url, { cache: "no-cache" }))),
    ...assets.map((url) => reuseOrFetch(cache, url)),
  ]);
  await topUp(cache, apps);
}

// Every chunk of these apps that the cache lacks, fetched one after the
// other (a slow link gives the page's own requests the way), never failing.
async function topUp(cache, apps) {
  for (const url of apps.flatMap((a) => a.chunks || [])) {
    if (await cache.match(url)) continue;
    await reuseOrFetch(cache, url).catch(() => {});
  }
}

// The apps worth keeping offline: those with a page open now or kept by the
// previous build; the village app when there is neither. An officer's first
// visit of office.html then never downloads the village bundle.
async function appsInUse() {
  const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const paths = open.map((c) => pageKey(new URL(c.url).pathname));
  const inUse = [];
  for (const app of Object.values(APPS)) {
    if (paths.includes(app.page) || (await caches.match(app.page))) inUse.push(app);
  }
  return inUse.length ? inUse : [APPS.village];
}

// A content-hashed file: the previous build's copy if it has one, otherwise
// the HTTP cache's or the network's.
async function reuseOrFetch(cache, url) {
  const old = await caches.match(url);
  if (old) return cache.put(url, old);
  return cache.add(url);
}

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

// Which app answers a navigation: the office's bundle for /office, /office/…
// (its screens: deep links such as /office/review/pq-t01/2026-11) and its
// page office.html; the village app for every other path. The server
// (crates/server/src/routes/web.rs) and src/app/routes.rs use the same rule.
function pageKey(path) {
  const office = path === "/office" || path.startsWith("/office/") || path === APPS.office.page;
  return office ? APPS.office.page : APPS.village.page;
}

self.addEventListener("fetch", (event) => {
  const req = event.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate" || url.pathname === "/index.html") {
    const key = pageKey(url.pathname);
    // An office address on a phone that never opened the office, offline:
    // the village app answers and says where the office's screens are.
    const page = fromCacheOrNetwork(key, req);
    event.respondWith(
      key === APPS.village.page ? page : page.catch(() => caches.match(APPS.village.page).then((hit) => hit || Response.error()))
    );
    // A chunk that could not be fetched at install is tried again now.
    if (!DEV) {
      const app = Object.values(APPS).find((a) => a.page === key);
      event.waitUntil(caches.open(CACHE).then((cache) => topUp(cache, [app])));
    }
    return;
  }
  event.respondWith(fromCacheOrNetwork(req, req));
});

// Shell files come from the cache; anything else of the app's own (the other
// bundle, icons) is cached on first use, so it too works offline later.
function fromCacheOrNetwork(key, req) {
  if (DEV) return fetch(req).catch(() => caches.match(key, { ignoreSearch: true }).then((hit) => hit || Response.error()));
  return caches.open(CACHE).then((cache) =>
    cache.match(key, { ignoreSearch: true }).then(
      (hit) =>
        hit ||
        fetch(req).then((res) => {
          const path = new URL(req.url).pathname;
          const page = key === APPS.village.page || key === APPS.office.page;
          const keep = page || path.startsWith("/assets/") || path.startsWith("/icons/") || path === MANIFEST;
          if (res.ok && keep) cache.put(key, res.clone());
          return res;
        })
    )
  );
}
