// Split by screen (issue #10 point 3): the first download holds login and
// home; the forms are WASM chunks that the service worker fetches after the
// shell. After one visit online, every village screen opens with no
// connection at all (the phone's proxy cut, as on a real upland link). A
// chunk that never reached the phone gives a clear message, not a dead app.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, closeEnv, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { ActivityPage, HomePage, IncidentPage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser, build;
before(async () => {
  ({ server, browser } = await openEnv());
  build = JSON.parse(readFileSync(join(server.web, "build.json"), "utf8"));
});
after(() => closeEnv({ server, browser }));

/** Waits until the worker's cache holds every village chunk. */
async function chunksKept(page, chunks) {
  await page.waitForFunction(
    async (chunks) => {
      const keys = await caches.keys();
      for (const k of keys.filter((k) => k.startsWith("sothon-"))) {
        const c = await caches.open(k);
        const kept = await Promise.all(chunks.map((u) => c.match(u)));
        if (kept.every(Boolean)) return true;
      }
      return false;
    },
    chunks.map((f) => `/assets/${f}`),
    { timeout: 30000, polling: 250 }
  );
}

async function onlineOnce() {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  return { ctx, page, home, errors };
}

test("the build is split: the forms are chunks outside the first download", () => {
  assert.ok(build.chunks.length >= 3, `village chunks: ${build.chunks}`);
  const first = Object.values(build.assets);
  for (const c of build.chunks) assert.ok(!first.includes(c), `${c} is in the first download`);
});

test("after one visit online, every village screen opens with no connection", async () => {
  const { ctx, page, home, errors } = await onlineOnce();
  await chunksKept(page, build.chunks);
  // No signal from here on: the proxy drops every connection.
  await ctx.setOffline(true);
  await page.reload();
  await home.waitFor();

  await home.openCurrentReport();
  await new ReportPage(page).fill("pop", 500);
  await page.getByTestId("back").click();
  await home.waitFor();

  const incident = new IncidentPage(page);
  await incident.open();
  await page.getByTestId("back").click();
  await home.waitFor();

  const activity = new ActivityPage(page);
  await activity.open();
  await page.getByTestId("back").click();
  await home.waitFor();
  await page.getByTestId("storage-used").waitFor();

  assert.equal(await page.getByTestId("screen-missing").count(), 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a screen whose chunk never reached the phone says so, and opens once the signal is back", async () => {
  const { ctx, page, home, errors } = await onlineOnce();
  await chunksKept(page, build.chunks);
  // As if the worker's top-up had never run: the report form's own chunk is gone.
  const own = build.chunks.filter((c) => c.includes("split_report_form"));
  assert.equal(own.length, 1, `${build.chunks}`);
  await page.evaluate(async (url) => {
    for (const k of await caches.keys()) await (await caches.open(k)).delete(url);
  }, `/assets/${own[0]}`);
  // …and the browser's own HTTP cache does not have it either.
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Network.clearBrowserCache");
  await ctx.setOffline(true);
  await page.reload();
  await home.waitFor();

  await page.getByTestId("open-report").click();
  await page.getByTestId("screen-missing").waitFor();
  assert.match(await page.getByTestId("screen-missing").textContent(), /cần có mạng/);
  // The app is alive: back home, the other screens still open.
  await page.getByTestId("screen-missing-home").click();
  await home.waitFor();
  await new IncidentPage(page).open();
  await page.getByTestId("back").click();

  // Still offline, "Thử lại" fails again and says so again.
  await page.getByTestId("open-report").click();
  await page.getByTestId("screen-retry").click();
  await page.getByTestId("screen-missing").waitFor();

  // The signal is back: the same button fetches the screen (a failed load is not remembered).
  await ctx.setOffline(false);
  await page.getByTestId("screen-retry").click();
  await page.getByTestId("report-form").waitFor({ timeout: 20000 });
  assert.deepEqual(errors, []);
  await ctx.close();
});

// The office's screens (all but its home) are chunks of the office bundle; an
// officer who opened the office once online opens every one of them offline
// (their answers then come from what was kept, or say there is no connection).
const OFFICE_SCREENS = [
  ["/office/review/pq-t01/2026-01", ".review-page"],
  ["/office/audit", "[data-testid=audit-kind]"],
  ["/office/grid", "[data-testid=grid-screen]"],
  ["/office/incidents", "[data-testid=incidents-screen]"],
  ["/office/incidents/i.pq-t01.x", "[data-testid=incidents-screen]"],
  ["/office/accounts", "[data-testid=admin-users]"],
  ["/office/figures", "[data-testid=figures-screen]"],
  ["/office/targets", "[data-testid=targets-screen]"],
  ["/office/print/2026-01", "[data-testid=print-back]"],
];

test("the office's screens are chunks, and after one visit online each opens with no connection", async () => {
  assert.ok(build.office_chunks.length >= OFFICE_SCREENS.length - 1, `office chunks: ${build.office_chunks}`);
  const first = Object.values(build.office);
  for (const c of build.office_chunks) assert.ok(!first.includes(c), `${c} is in the office's first download`);

  const ctx = await phone(browser, server, { viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(ctx.url + "/office");
  await new LoginPage(page).login("quantri", DEMO_PASSWORD);
  await page.getByTestId("office-summary").waitFor({ timeout: 20000 });
  await waitForServiceWorker(page);
  await chunksKept(page, build.office_chunks);

  await ctx.setOffline(true);
  for (const [path, marker] of OFFICE_SCREENS) {
    await page.goto(ctx.url + path);
    await page.locator(marker).first().waitFor({ state: "attached", timeout: 20000 });
    assert.equal(await page.getByTestId("screen-missing").count(), 0, path);
  }
  assert.deepEqual(errors, []);
  await ctx.close();
});
