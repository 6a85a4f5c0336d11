// What breaks trust in offline tools, tried on purpose in a real browser:
// a flapping connection, a reload while a sync is in flight, a token that
// expires with unsent work, a backup carried to another phone, and logging
// out with unsent records. Each case ends by counting what arrived.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { HomePage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

async function loggedIn(username) {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  return { ctx, page, home };
}

async function serverRows(village) {
  const res = await api(server.url, `/api/v1/records?village=${village}&period=${currentMonth()}`);
  assert.equal(res.status, 200);
  return res.json.filter((r) => r.kind === "report");
}

test("a flapping connection and repeated taps deliver exactly once", async () => {
  const { ctx, page, home } = await loggedIn("truongthon1");
  await ctx.setOffline(true);
  await home.fileCurrentReport(800);
  for (let i = 0; i < 6; i++) {
    await ctx.setOffline(i % 2 === 1);
    await home.sendNow();
    await page.waitForTimeout(50 + 40 * i);
  }
  await ctx.setOffline(false);
  await home.sendNow();
  await home.waitUnsent(0);
  const rows = await serverRows("pq-t01");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].mutations, 1);
  assert.equal(rows[0].body.values.pop, 800);
  await ctx.close();
});

test("taps on save before home is shown save once", async () => {
  const { ctx, page, home } = await loggedIn("truongthon2");
  await ctx.setOffline(true);
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.fill("pop", 640);
  await form.fill("bhyt", 600);
  await form.submitBurst(3);
  await home.waitFor();
  await home.waitUnsent(1);
  // One mutation numbered 1: the later taps reserved no number and wrote
  // nothing (each would have queued the whole record again).
  const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes("st.o.")));
  assert.equal(queued.length, 1, queued.join());
  assert.equal(Number(queued[0].split(":").pop()), 1, queued[0]);
  // (Not sent: this phone is closed with it, and pq-t02 stays for the next test.)
  await ctx.close();
});

test("reloading while a sync is in flight neither loses nor duplicates", async () => {
  const { ctx, page, home } = await loggedIn("truongthon2");
  await ctx.setOffline(true);
  await home.fileCurrentReport(900);
  // The server will answer, but the answer is held until after the reload:
  // the push commits on the server while the page is gone.
  let released;
  const gate = new Promise((r) => (released = r));
  let held = 0;
  await page.route("**/api/v1/sync", async (route) => {
    if (held++ === 0) {
      const response = await route.fetch();
      await gate;
      await route.fulfill({ response }).catch(() => {});
    } else {
      await route.continue();
    }
  });
  await ctx.setOffline(false);
  await home.sendNow();
  await page.waitForFunction(() => document.querySelector("[data-testid=sync-status]")?.textContent.includes("Đang gửi"));
  // Wait until the server has committed, then reload the page mid-flight.
  for (let i = 0; i < 50 && (await serverRows("pq-t02")).length === 0; i++) await page.waitForTimeout(100);
  await page.reload();
  released();
  await home.waitFor();
  await home.sendNow();
  await home.waitUnsent(0);
  const id = `r.pq-t02.${currentMonth()}`;
  await home.waitForState(id, "received");
  const rows = await serverRows("pq-t02");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].mutations, 1, "the replay was answered from the stored result");
  await page.unroute("**/api/v1/sync");
  await ctx.close();
});

test("an expired session keeps unsent work and sends it after logging in again", async () => {
  const { ctx, page, home } = await loggedIn("congnghe1");
  await ctx.setOffline(true);
  await home.fileCurrentReport(640);
  // Meanwhile the server revokes the phone's token.
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("st.session")).token);
  const res = await fetch(`${server.url}/api/v1/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  assert.ok(res.status < 300);
  await ctx.setOffline(false);
  await home.sendNow();
  await page.getByTestId("relogin").waitFor({ timeout: 20000 });
  assert.equal(await home.unsentCount().textContent(), "1");
  assert.equal((await serverRows("pq-t01")).filter((r) => r.body.values.pop === 640).length, 0);
  await page.getByTestId("relogin").click();
  await new LoginPage(page).login("congnghe1", DEMO_PASSWORD);
  await home.waitFor();
  await home.waitUnsent(0);
  const rows = (await serverRows("pq-t01")).filter((r) => r.body.values.pop === 640);
  assert.equal(rows.length, 1);
  await ctx.close();
});

test("a backup file carries unsent work to another phone, and both sending it still makes one", async () => {
  const a = await loggedIn("truongthon1");
  await a.ctx.setOffline(true);
  // A new month's report would collide with the first test; use last month.
  await a.page.selectOption("#other-period", { index: 1 });
  const period = await a.page.$eval("#other-period", (s) => s.value);
  await a.page.getByRole("button", { name: "Mở báo cáo" }).nth(1).click();
  const form = new ReportPage(a.page);
  await form.fill("pop", 555);
  await form.fill("bhyt", 550);
  await form.submit();
  await a.home.waitFor();
  // Logging out now is refused: the record is not sent and not exported.
  await a.page.getByTestId("logout").click();
  assert.match(await a.page.getByTestId("notice").textContent(), /Còn bản ghi chưa gửi/);
  await a.home.waitFor();
  const [download] = await Promise.all([a.page.waitForEvent("download"), a.page.getByTestId("backup").click()]);
  const file = await download.path();
  const backup = JSON.parse(readFileSync(file, "utf8"));
  assert.equal(backup.kind, "sothon-backup");
  assert.equal(backup.mutations.length, 1);

  const b = await loggedIn("truongthon1");
  await b.page.getByTestId("import-backup").setInputFiles(file);
  await b.page.waitForFunction(() => /Đã nhập/.test(document.querySelector("[data-testid=notice]")?.textContent ?? ""));
  await b.page.getByTestId("import-backup").setInputFiles(file); // twice: still one
  await b.home.waitUnsent(0);
  await a.ctx.setOffline(false);
  await a.home.sendNow();
  await a.home.waitUnsent(0);

  const rows = (await api(server.url, `/api/v1/records?village=pq-t01&period=${period}`)).json.filter((r) => r.kind === "report");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].mutations, 1, "the same mutation id from two phones is applied once");
  assert.equal(rows[0].body.values.pop, 555);
  await a.ctx.close();
  await b.ctx.close();
});
