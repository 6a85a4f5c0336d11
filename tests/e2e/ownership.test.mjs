// Issue 7 in a real browser: a shared phone never jams and keeps accounts
// apart, another account cannot take a phone's mutation ids, and a phone
// whose browser storage was cleared says what its last sync left.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { HomePage, LoginPage, ReportPage, SafetyNotes } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

async function reports(village) {
  const res = await api(server.url, `/api/v1/records?village=${village}&period=${currentMonth()}`);
  assert.equal(res.status, 200);
  return res.json.filter((r) => r.kind === "report");
}

/**
 * Ends the phone's session on the server (from Node, so it works while the
 * phone is offline), brings the phone online, and logs in again as
 * `username` on the same phone.
 */
async function sessionEndsThenLogin(ctx, page, home, username) {
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem("st.session")).token);
  const res = await fetch(`${server.url}/api/v1/logout`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  assert.ok(res.status < 300);
  await ctx.setOffline(false);
  await home.sendNow();
  await page.getByTestId("relogin").waitFor({ timeout: 20000 });
  await page.getByTestId("relogin").click();
  await new LoginPage(page).login(username, DEMO_PASSWORD);
  await home.waitFor();
}

const historyIds = (page) =>
  page.$$eval("[data-testid=records] [data-testid=record]", (els) => els.map((e) => e.dataset.record));

test("a shared phone sends both villages' records, and neither account sees the other's", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  const notes = new SafetyNotes(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  await ctx.setOffline(true);
  await home.fileCurrentReport(512);
  await notes.unsentWaiting().waitFor();
  assert.match(await notes.unsentWaiting().textContent(), /1 bản ghi chưa gửi về xã — bản cũ nhất đã chờ vừa xong/);
  // The head's session ends before the record went; another village's head
  // picks up the phone.
  await sessionEndsThenLogin(ctx, page, home, "truongthon2");
  await notes.heldOther().waitFor();
  assert.match(await notes.heldOther().textContent(), /^1 bản ghi của tài khoản khác/);
  assert.deepEqual(
    (await historyIds(page)).filter((id) => id.includes("pq-t01")),
    [],
    "the other village's record is not shown"
  );
  await home.fileCurrentReport(300);
  await home.waitUnsent(0);
  assert.equal((await reports("pq-t02")).length, 1, "the new account's record went");
  assert.equal((await reports("pq-t01")).length, 0, "the first account's record waits on the phone");
  // The first head logs in again on the phone: its record goes, once.
  await sessionEndsThenLogin(ctx, page, home, "truongthon1");
  const id = `r.pq-t01.${currentMonth()}`;
  await home.waitForState(id, "received");
  const rows = await reports("pq-t01");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].body.values.pop, 512);
  assert.equal(rows[0].mutations, 1);
  assert.deepEqual((await historyIds(page)).filter((r) => r.includes("pq-t02")), []);
  assert.equal(await notes.heldOther().count(), 0);
  await ctx.close();
});

test("another account pushing under a phone's next ids does not swallow the phone's record", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("congnghe1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  // The phone has synced once (login pulls), so its device id is known.
  await page.waitForFunction(() => JSON.parse(localStorage.getItem("st.devs") ?? "{}").congnghe1);
  const device = await page.evaluate(() => JSON.parse(localStorage.getItem("st.devs")).congnghe1);
  await ctx.setOffline(true);
  // Last month's report: the first test used this month's.
  await page.selectOption("#other-period", { index: 1 });
  const period = await page.$eval("#other-period", (s) => s.value);
  await page.getByRole("button", { name: "Mở báo cáo" }).nth(1).click();
  const form = new ReportPage(page);
  await form.fill("pop", 444);
  await form.fill("bhyt", 440);
  await form.submit();
  await home.waitFor();
  const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("st.o.")));
  assert.equal(queued.length, 1);
  const seq = Number(queued[0].split(":").pop());
  // Another account of the commune pushes its own records under the phone's ids.
  const squat = [seq, seq + 1].map((s, i) => ({
    id: `${device}:${s}`,
    seq: s,
    record: `r.pq-t02.2026-0${i + 1}`,
    base: 0,
    at: Date.now(),
    body: { t: "report", village: "pq-t02", period: `2026-0${i + 1}`, cv: 1, values: { pop: 1, bhyt: 1 } },
  }));
  const res = await api(server.url, "/api/v1/sync", {
    username: "truongthon2",
    method: "POST",
    body: { v: 1, device: "attacker-000001", now: Date.now(), push: squat },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.results.map((r) => r.error?.error), ["device_owner", "device_owner"]);
  await ctx.setOffline(false);
  await home.sendNow();
  await home.waitUnsent(0);
  const id = `r.pq-t01.${period}`;
  await home.waitForState(id, "received");
  assert.match(await home.receipt(id).textContent(), /PQ-/);
  const rows = (await api(server.url, `/api/v1/records?village=pq-t01&period=${period}`)).json;
  assert.equal(rows.filter((r) => r.body.values.pop === 444).length, 1);
  await ctx.close();
});

test("after the browser cleared the site's data, the next login says what the last sync left", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon2", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  // A draft (not sendable yet) is unsent work the server hears about.
  await home.openCurrentReport();
  await new ReportPage(page).fill("pop", 77);
  await page.getByTestId("back").click();
  await home.waitFor();
  await home.sendNow();
  await page.waitForFunction(() => /Đã liên lạc được với xã/.test(document.querySelector("[data-testid=sync-status]")?.textContent ?? ""));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Storage.clearDataForOrigin", { origin: new URL(ctx.url).origin, storageTypes: "all" });
  await page.reload();
  await new LoginPage(page).login("truongthon2", DEMO_PASSWORD);
  await home.waitFor();
  const notes = new SafetyNotes(page);
  await notes.evicted().waitFor();
  // At least this phone's draft (the account's other phones in this file
  // may have said more at their last sync).
  assert.ok(Number(await notes.evictedUnsent().textContent()) >= 1);
  assert.match(await notes.evictedLastSync().textContent(), /\d\d:\d\d/);
  // Dismissed, it stays dismissed.
  await page.getByTestId("evicted-ok").click();
  await page.reload();
  await home.waitFor();
  assert.equal(await notes.evicted().count(), 0);
  await ctx.close();
});
