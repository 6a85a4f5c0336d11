// The loop, in a real browser: log in online once, go offline, reload (the
// service worker boots the app), fill and save the report, reload again and
// find it intact, come back online — and the server holds exactly one copy.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { HomePage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

test("a report filled offline arrives exactly once when the connection returns", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  const fetched = [];
  ctx.on("request", (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);

  // No signal from here on.
  await ctx.setOffline(true);
  await page.reload();
  await home.waitFor();
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.fill("pop", 512);
  await form.fill("bhyt", 600);
  await assert.doesNotReject(form.error("bhyt").waitFor());
  assert.match(await form.error("bhyt").textContent(), /Không được lớn hơn/);
  await form.fill("bhyt", 500);
  assert.equal((await form.error("bhyt").textContent()).trim(), "");
  assert.equal((await form.rate("bhyt_rate").textContent()).trim(), "97,7 %");
  await form.submit();
  await home.waitFor();
  assert.match(await page.getByTestId("notice").textContent(), /Đã lưu trên máy/);

  const id = `r.pq-t01.${currentMonth()}`;
  assert.equal(await home.recordState(id), "Đã lưu trên máy");

  // Still offline: reload, the record and its values are intact.
  await page.reload();
  await home.waitFor();
  assert.equal(await home.recordState(id), "Đã lưu trên máy");
  assert.equal(await home.unsentCount().textContent(), "1");
  await home.openCurrentReport();
  assert.equal(await form.value("pop"), "512");
  assert.equal(await form.value("bhyt"), "500");
  await page.getByTestId("back").click();

  // Nothing reached the server while offline.
  let rows = await api(server.url, `/api/v1/records?village=pq-t01&period=${currentMonth()}`);
  assert.equal(rows.status, 200);
  assert.equal(rows.json.length, 0);

  // Signal returns; the person also taps "Gửi ngay" several times.
  await ctx.setOffline(false);
  await home.sendNow();
  await home.sendNow();
  await home.sendNow();
  await home.waitForState(id, "received");
  assert.equal(await home.recordState(id), "Xã đã nhận");
  assert.match(await home.receipt(id).textContent(), /PQ-[0-9A-Z]{6}/);
  assert.equal(await home.unsentCount().textContent(), "0");

  rows = await api(server.url, `/api/v1/records?village=pq-t01&period=${currentMonth()}`);
  assert.equal(rows.json.length, 1, "exactly one report");
  assert.equal(rows.json[0].mutations, 1, "exactly one mutation applied");
  assert.equal(rows.json[0].body.values.pop, 512);
  assert.equal(rows.json[0].body.values.bhyt, 500);
  assert.equal(rows.json[0].rev, 1);
  assert.deepEqual(errors, []);
  // The office's screens live in their own bundle, never downloaded here.
  assert.ok(fetched.some((p) => /\/assets\/sothon-[0-9a-f]+_bg\.wasm$/.test(p)));
  assert.deepEqual(fetched.filter((p) => p.includes("sothon_office") || p === "/office.html"), []);
  await ctx.close();
});

test("wrong password is refused in Vietnamese and nothing is stored", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  const login = new LoginPage(page);
  await login.login("truongthon1", "sai-mat-khau");
  await page.waitForFunction(() => document.querySelector("[data-testid=login-error]")?.textContent.length > 0);
  assert.match(await login.error().textContent(), /Sai tên đăng nhập hoặc mật khẩu/);
  assert.equal(await page.evaluate(() => localStorage.getItem("st.session")), null);
  await ctx.close();
});
