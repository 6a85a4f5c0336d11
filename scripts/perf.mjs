// make perf: how fast the first visit and an offline repeat visit are on the
// upland profile (400 kbps, 400 ms RTT, 4× CPU slowdown). Not part of make
// test: timings are noisy; the figures go into BENCHMARKS.md by hand.
//
// * First visit: Lighthouse 12 (simulated throttling with the upland
//   figures) driving Debian's Chromium, for / and /office.html: TTI, FCP,
//   LCP and the bytes transferred, median of RUNS runs.
// * Repeat visit offline: Playwright, CPU throttled 4× over CDP; visit once
//   online, log in, let the service worker take over, cut the phone's proxy,
//   reload, and time from navigation start to the home screen (median).
//
//   node scripts/perf.mjs            (RUNS=3 by default)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_PASSWORD, ROOT, launch, phone, startServer, waitForServiceWorker } from "../tests/e2e/helpers.mjs";
import { HomePage, LoginPage } from "../tests/e2e/pages.mjs";

const RUNS = Number(process.env.RUNS ?? 3);
const CHROME_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
].join(" ");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One Lighthouse run of `url`; returns its metrics in ms and bytes. */
function lighthouse(url, dir, i) {
  const out = join(dir, `lh-${i}.json`);
  execFileSync(
    join(ROOT, "node_modules/.bin/lighthouse"),
    [
      url, "--quiet", "--only-categories=performance", "--output=json", `--output-path=${out}`,
      `--chrome-flags=${CHROME_FLAGS}`, "--throttling-method=simulate",
      "--throttling.rttMs=400", "--throttling.throughputKbps=400", "--throttling.cpuSlowdownMultiplier=4",
    ],
    { env: { ...process.env, CHROME_PATH: process.env.CHROME_PATH ?? "/usr/bin/chromium" }, stdio: ["ignore", "ignore", "inherit"] }
  );
  const a = JSON.parse(readFileSync(out, "utf8")).audits;
  return {
    tti: a["interactive"].numericValue,
    fcp: a["first-contentful-paint"].numericValue,
    lcp: a["largest-contentful-paint"].numericValue,
    bytes: a["total-byte-weight"].numericValue,
  };
}

/** Median time from navigation start to the home screen, offline, CPU 4× slower. */
async function repeatVisitOffline(browser, server, runs) {
  const ctx = await phone(browser, server);
  // When the home screen's first button appears, in the page's own clock.
  await ctx.addInitScript(() => {
    new MutationObserver((_, obs) => {
      if (document.querySelector("[data-testid=open-report]")) {
        window.__homeAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  await ctx.setOffline(true);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const times = [];
  for (let i = 0; i < runs; i++) {
    await page.reload();
    await home.waitFor();
    times.push(await page.evaluate(() => window.__homeAt));
  }
  await ctx.close();
  return median(times);
}

const server = await startServer();
const dir = mkdtempSync(join(tmpdir(), "sothon-perf-"));
const browser = await launch();
try {
  const ms = (x) => `${Math.round(x)} ms`.padStart(9);
  const kb = (x) => `${(x / 1024).toFixed(1)} KB`.padStart(10);
  console.log(`upland profile: 400 kbps, 400 ms RTT, CPU 4× (Lighthouse simulated, median of ${RUNS})`);
  console.log(`${"first visit".padEnd(16)}${"TTI".padStart(9)}${"FCP".padStart(9)}${"LCP".padStart(9)}${"bytes".padStart(10)}`);
  for (const path of ["/", "/office.html"]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(lighthouse(server.url + path, dir, `${path.length}-${i}`));
    const m = (k) => median(runs.map((r) => r[k]));
    console.log(`${path.padEnd(16)}${ms(m("tti"))}${ms(m("fcp"))}${ms(m("lcp"))}${kb(m("bytes"))}`);
  }
  const offline = await repeatVisitOffline(browser, server, Math.max(RUNS, 5));
  console.log(`repeat visit offline, CPU 4×, navigation start → home screen (median): ${ms(offline).trim()}`);
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
