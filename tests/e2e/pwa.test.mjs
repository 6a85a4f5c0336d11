// The PWA itself: manifest, compressed and cached assets, a service worker
// that caches only the shell, and "Có phiên bản mới — tải lại" when a new
// build is deployed.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, closeEnv, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { HomePage, LoginPage } from "./pages.mjs";

let server, browser;
before(async () => {
  // A copy of dist/, so the test can "deploy" a new build into it.
  ({ server, browser } = await openEnv({ copyWeb: true }));
});
after(() => closeEnv({ server, browser }));

test("manifest is installable and Vietnamese", async () => {
  const res = await fetch(`${server.url}/manifest.webmanifest`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /application\/manifest\+json/);
  const m = await res.json();
  assert.equal(m.lang, "vi");
  assert.equal(m.display, "standalone");
  assert.equal(m.short_name, "Sổ Thôn");
  assert.ok(m.theme_color);
  const sizes = m.icons.map((i) => `${i.sizes}/${i.purpose}`);
  for (const want of ["192x192/any", "512x512/any", "512x512/maskable"]) assert.ok(sizes.includes(want), want);
  for (const icon of m.icons) {
    const r = await fetch(`${server.url}${icon.src}`);
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers.get("content-type"), "image/png");
  }
});

test("assets are sent precompressed with PWA cache headers", async () => {
  const build = JSON.parse(readFileSync(join(server.web, "build.json"), "utf8"));
  const wasm = await fetch(`${server.url}/assets/${build.assets.WASM}`, { headers: { "accept-encoding": "br, gzip" } });
  assert.equal(wasm.headers.get("content-encoding"), "br");
  assert.match(wasm.headers.get("cache-control"), /max-age=31536000/);
  assert.match(wasm.headers.get("cache-control"), /immutable/);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  const gz = await fetch(`${server.url}/assets/${build.assets.JS}`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(gz.headers.get("content-encoding"), "gzip");
  for (const path of ["/", "/sw.js", "/manifest.webmanifest"]) {
    const r = await fetch(`${server.url}${path}`);
    assert.match(r.headers.get("cache-control"), /no-cache/, path);
  }
});

test("the service worker never answers API requests", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await waitForServiceWorker(page);
  await ctx.setOffline(true);
  // Offline, the shell comes from the cache but the API must fail, not be faked.
  const api = await page.evaluate(() => fetch("/api/v1/health").then((r) => r.status, () => "failed"));
  assert.equal(api, "failed");
  const shell = await page.evaluate(() => fetch("/index.html").then((r) => r.status, () => "failed"));
  assert.equal(shell, 200);
  await ctx.close();
});

test("a new build is announced, and taken only when the person asks", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await waitForServiceWorker(page);
  assert.equal(await page.isVisible("#update"), false);
  const oldCache = await page.evaluate(() => caches.keys());
  assert.equal(oldCache.length, 1);

  // Deploy: a new service worker (new cache name) replaces the old file.
  const swPath = join(server.web, "sw.js");
  const sw = readFileSync(swPath, "utf8").replace(/const CACHE = "sothon-[^"]+"/, 'const CACHE = "sothon-newbuild"');
  writeFileSync(swPath, sw);
  rmSync(swPath + ".br", { force: true });
  rmSync(swPath + ".gz", { force: true });

  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.waitForSelector("#update:not([hidden])", { timeout: 20000 });
  assert.match(await page.textContent("#update"), /Có phiên bản mới/);
  assert.match(await page.textContent("#update"), /Tải lại/);

  await Promise.all([page.waitForEvent("load"), page.click("[data-testid=update-reload]")]);
  await waitForServiceWorker(page);
  await page.waitForFunction(async () => (await caches.keys()).join() === "sothon-newbuild", null, { timeout: 20000 });
  assert.equal(await page.isVisible("#update"), false);
  await ctx.close();
});

test("on an iPhone browser tab the app says to add it to the home screen", async () => {
  const ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
  for (const [userAgent, shown] of [[ua, true], [undefined, false]]) {
    const ctx = await phone(browser, server, userAgent ? { userAgent } : {});
    const page = await ctx.newPage();
    await page.goto(ctx.url);
    await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
    const home = new HomePage(page);
    await home.waitFor();
    // The warning sits in the storage panel, which arrives as its own chunk after the home screen.
    await home.waitForStoragePanel();
    assert.equal(await page.getByTestId("ios-install").isVisible(), shown, userAgent ?? "Android");
    if (shown) assert.match(await page.getByTestId("ios-install").textContent(), /Thêm vào MH chính/);
    await ctx.close();
  }
});
