// A phone whose clock is years off still files for the right period, and the
// server keeps the phone's time, its own receive time and the skew.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone } from "./helpers.mjs";
import { HomePage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

test("a phone clock three years behind files for the real current month", async () => {
  const ctx = await phone(browser, server);
  const THREE_YEARS = 3 * 365 * 24 * 3600 * 1000;
  await ctx.addInitScript((offset) => {
    const real = Date.now.bind(Date);
    Date.now = () => real() - offset;
  }, THREE_YEARS);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  const [y, m] = currentMonth().split("-");
  // After the first sync the app knows its clock is off and corrects for it.
  await page.waitForFunction((label) => document.querySelector(".current .period")?.textContent === label, `Tháng ${Number(m)}/${y}`, {
    timeout: 20000,
  });
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.fill("pop", 300);
  await form.fill("bhyt", 300);
  await form.submit();
  await home.waitFor();
  await page.waitForFunction(() => document.querySelector("[data-testid=unsent-count]")?.textContent === "0", null, {
    timeout: 20000,
  });
  const rows = (await api(server.url, `/api/v1/records?village=pq-t01&period=${currentMonth()}`)).json;
  assert.equal(rows.length, 1);
  const r = rows[0];
  const skewYears = r.skew_ms / (365 * 24 * 3600 * 1000);
  assert.ok(skewYears > 2.9 && skewYears < 3.1, `skew ${r.skew_ms} ms`);
  assert.ok(Math.abs(r.received_at - r.device_at - r.skew_ms) < 120000, "device time + skew ≈ server time");
  await ctx.close();
});
