// What crosses the phone's link, counted by the phone's own proxy: on the
// first visit every file once (the service worker's install takes the page's
// files from the HTTP cache) within the budget; a monthly report's push and
// its answer, each within 1 KB with headers; an update downloads only what
// changed.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { HomePage, LoginPage, ReportPage } from "./pages.mjs";

// Bytes on the wire, headers included, for a first visit with the service
// worker installed, up to the first screen's files (the village forms, split
// into WASM chunks, come after them; counted apart). Issue #10 sets 120 KB /
// 200 KB as the goal; these are today's ceilings, so a regression fails.
// Measured with the office's screens split too (review, desk, reports, and
// the village home in the office bundle) and the village's storage panel and
// set-password screen: 264.9 KB (+146.8 KB of chunks) for the village,
// 301.7 KB (+479.0 KB) for the office. Then (branch h10) with the browser's
// JSON instead of serde_json, dates read without chrono's parser, the
// village's own routing instead of leptos_router, ASCII lower-casing, one
// sort, and the JS glue minified: 199.8 KB (+144.5 KB) and 269.3 KB
// (+469.2 KB). Then (session 9) with the report catalogue fetched after the
// first screen instead of compiled into the village bundle: 200.2 KB;
// 201.6 KB with the tag-first `Body` reader (h13).
const VILLAGE_BUDGET = 203 * 1024;
const OFFICE_BUDGET = 275 * 1024;

let server, browser;
before(async () => {
  // A copy of dist/, so the last test can "deploy" a new build into it.
  ({ server, browser } = await openEnv({ copyWeb: true }));
});
after(() => closeEnv({ server, browser }));

/** Resolves once nothing has crossed the proxy for `ms`. */
async function quiet(traffic, ms = 1000) {
  for (let n = -1; n !== traffic.exchanges.length; ) {
    n = traffic.exchanges.length;
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** Reports `traffic` in the test's log, one diagnostic a line. */
function log(t, title, traffic) {
  t.diagnostic(title);
  for (const line of traffic.report().split("\n")) t.diagnostic(line);
}

/** Opens `path` on a fresh phone and waits until it is ready to work offline. */
async function firstVisit(path) {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url + path);
  await waitForServiceWorker(page);
  await quiet(ctx.traffic);
  return { ctx, page };
}

function assertEachOnce(traffic) {
  const twice = [...traffic.downloads()].filter(([, n]) => n > 1);
  assert.deepEqual(twice, [], `downloaded more than once:\n${traffic.report()}`);
}

// The screens the service worker fetches after the shell (WASM chunks of
// the split build, and the report catalogue they read): not part of what
// the first screen waits for.
const isChunk = (p) => /^\/assets\/([a-z_]+-(split|chunk)_[^/]*\.wasm|catalogue-[0-9a-f]+\.json)$/.test(p);

test("a village head's first visit downloads each file once and then starts offline", async (t) => {
  const { ctx, page } = await firstVisit("/");
  log(t, "first visit of /", ctx.traffic);
  assertEachOnce(ctx.traffic);
  const first = ctx.traffic.received((p) => !isChunk(p));
  const later = ctx.traffic.received(isChunk);
  t.diagnostic(`first download ${(first / 1024).toFixed(1)} KB; screens fetched after it ${(later / 1024).toFixed(1)} KB`);
  assert.ok(first <= VILLAGE_BUDGET, `${first} B > budget ${VILLAGE_BUDGET} B`);
  assert.ok(later > 0, "the worker fetches the screens after the shell");
  // The office's bundle is not the village head's business.
  assert.deepEqual(ctx.traffic.filter((p) => p.startsWith("/assets/sothon_office")), []);

  await ctx.setOffline(true);
  await page.reload();
  await page.getByTestId("login-form").waitFor();
  await ctx.close();
});

test("the office's first visit downloads each file once, and not the village bundle", async (t) => {
  const { ctx, page } = await firstVisit("/office.html");
  log(t, "first visit of /office.html", ctx.traffic);
  assertEachOnce(ctx.traffic);
  const first = ctx.traffic.received((p) => !isChunk(p));
  t.diagnostic(`first download ${(first / 1024).toFixed(1)} KB; screens fetched after it ${(ctx.traffic.received(isChunk) / 1024).toFixed(1)} KB`);
  assert.ok(first <= OFFICE_BUDGET, `${first} B > budget ${OFFICE_BUDGET} B`);
  assert.deepEqual(ctx.traffic.filter((p) => /^\/assets\/sothon-/.test(p)), []);

  await ctx.setOffline(true);
  await page.reload();
  await page.getByTestId("login-form").waitFor();
  await ctx.close();
});

// A village head's monthly report as typed: twenty figures.
const MONTHLY = {
  pop: 512, hh: 131, bhyt: 498, poor_hh: 9, near_poor_hh: 14, child35: 31, child35_school: 29, dvc_helped: 12,
  fee_cashless: 40, ds_sessions: 3, ds_people: 57, hh_fibre: 88, hh_waste_col: 120, security_cases: 2,
  mediation_cases: 3, mediation_ok: 2, petitions: 1, petitions_done: 1, culture_events: 2, warnings: 4,
};

test("a monthly report's push goes gzipped, and it and its answer are each ≤ 1 KB on the wire", async (t) => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  await home.openCurrentReport();
  const form = new ReportPage(page);
  for (const [key, value] of Object.entries(MONTHLY)) await form.fill(key, value);
  await quiet(ctx.traffic);
  ctx.traffic.clear();
  await form.submit();
  await home.waitFor();
  await home.waitForState(`r.pq-t01.${currentMonth()}`, "received");
  const syncs = ctx.traffic.filter((p) => p === "/api/v1/sync");
  log(t, "saving and sending a monthly report", ctx.traffic);
  assert.equal(syncs.length, 1, ctx.traffic.report());
  const [push] = syncs;
  assert.equal(push.headers["content-encoding"], "gzip");
  assert.ok(push.sent <= 1024, `push: ${push.sent} B sent`);
  assert.ok(push.received <= 1024, `answer: ${push.received} B received`);
  await ctx.close();
});

test("an update downloads only the files that changed", async () => {
  const { ctx, page } = await firstVisit("/");
  ctx.traffic.clear();

  // Deploy a build whose only change is the service worker (a new cache name).
  const swPath = join(server.web, "sw.js");
  writeFileSync(swPath, readFileSync(swPath, "utf8").replace(/const CACHE = "sothon-[^"]+"/, 'const CACHE = "sothon-update"'));
  rmSync(swPath + ".br", { force: true });
  rmSync(swPath + ".gz", { force: true });
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.waitForSelector("#update:not([hidden])", { timeout: 20000 });
  await quiet(ctx.traffic);

  assert.deepEqual([...ctx.traffic.downloads().keys()], ["/sw.js"], ctx.traffic.report());
  const kept = await page.evaluate(async () => (await (await caches.open("sothon-update")).keys()).map((r) => new URL(r.url).pathname));
  assert.ok(kept.some((p) => p.endsWith(".wasm")), `the new cache holds the WASM: ${kept}`);
  await ctx.close();
});
