// The commune office's desk: the completeness grid shows each village's
// state and the rates, with a reminder ready to send; an incident raised on
// a phone goes acknowledged → handled at the office and the phone shows the
// note, offline too; the admin disables an account, which then cannot log
// in, and a reset password must be replaced at the next login. Each desk
// screen passes axe and does not scroll sideways at 360 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { axeViolations, horizontalOverflow, HomePage, IncidentPage, LoginPage } from "./pages.mjs";
import { AccountsPage, GridPage, IncidentsDesk, SetPasswordPage } from "./pages-desk.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

const DESK = { width: 1366, height: 900 };

async function open(username, { viewport, password = DEMO_PASSWORD } = {}) {
  const ctx = await phone(browser, server, viewport ? { viewport } : {});
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, password);
  return { ctx, page };
}

/** A month `n` months before the current one in Vietnam: "2026-10". */
function monthsAgo(n) {
  const d = new Date(Date.now() + 7 * 3600 * 1000);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - n, 1));
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
}

const iso = (ms) => new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 10);

async function push(username, device, seq, base, village, period) {
  const body = { t: "report", village, period, cv: 1, values: { pop: 300, bhyt: 280 } };
  const m = { id: `${device}:${seq}`, seq, record: `r.${village}.${period}`, base, at: Date.now(), body };
  const res = await api(server.url, "/api/v1/sync", {
    username,
    method: "POST",
    body: { v: 1, device, now: Date.now(), push: [m] },
  });
  assert.equal(res.json.results[0].status, "applied", JSON.stringify(res.json));
}

async function review(record, decision, rev) {
  const res = await api(server.url, `/api/v1/records/${record}/review`, {
    method: "POST",
    body: { decision, comment: "Kiểm tra lại số liệu BHYT", rev },
  });
  assert.equal(res.status, 200, JSON.stringify(res.json));
}

test("the grid shows each village's state, the rates and a reminder ready to send", async () => {
  const [p0, p1] = [monthsAgo(2), monthsAgo(1)];
  // Two months ago: due on its first day (long past). Last month: due in ten days (open).
  for (const [period, due] of [[p0, `${p0}-01`], [p1, iso(Date.now() + 10 * 86400000)]]) {
    const res = await api(server.url, "/api/v1/due", { method: "POST", body: { period, due } });
    assert.equal(res.status, 200, JSON.stringify(res.json));
  }
  await push("truongthon1", "desk-phone-0001", 1, 0, "pq-t01", p0);
  await review(`r.pq-t01.${p0}`, "approve", 1);
  await push("truongthon2", "desk-phone-0002", 1, 0, "pq-t02", p1);
  await review(`r.pq-t02.${p1}`, "return", 1);
  await push("truongthon2", "desk-phone-0002", 2, 1, "pq-t02", p1);
  await push("canbo", "desk-office-0003", 1, 0, "pq-t03", p1);

  const office = await open("canbo", { viewport: DESK });
  const grid = new GridPage(office.page);
  await grid.open();
  assert.equal(await grid.state("pq-t01", p0), "approved");
  assert.match(await grid.cell("pq-t01", p0).textContent(), /Đã duyệt\s*nộp muộn/);
  assert.equal(await grid.state("pq-t05", p0), "missing");
  assert.match(await grid.cell("pq-t05", p0).textContent(), /Chưa nộp/);
  assert.equal(await grid.state("pq-t02", p1), "resubmitted");
  assert.equal(await grid.state("pq-t03", p1), "on_time");
  assert.equal(await grid.state("pq-t04", p1), "not_due");
  assert.match(await grid.cell("pq-t04", p1).textContent(), /Chưa đến hạn/);
  assert.deepEqual(await grid.rates(p0), { reporting: "20%", onTime: "0%" });
  assert.deepEqual(await grid.rates(p1), { reporting: "40%", onTime: "40%" });
  // The reminder: last month, the three villages that have sent nothing.
  assert.equal(await grid.reminder().getAttribute("data-period"), p1);
  assert.deepEqual(await grid.owing(), ["pq-t01", "pq-t04", "pq-t05"]);
  const text = await grid.reminderText();
  assert.match(text, /Thôn chưa gửi: Bản Chang, Pác Nặm, Cốc Lùng\./);
  assert.ok(text.includes(server.url) || text.includes("http://127.0.0.1:"), text);
  const sms = await grid.smsHref();
  assert.ok(sms.startsWith("sms:?&body="), sms);
  assert.equal(decodeURIComponent(sms.slice("sms:?&body=".length)), text);
  assert.deepEqual(await axeViolations(office.page), []);
  // At a desk the grid uses the width; on a phone it scrolls in its own box.
  const [, deskWidth] = await grid.scrollBox();
  assert.ok(deskWidth > 1000, `grid ${deskWidth}px wide at 1366`);
  await office.page.setViewportSize({ width: 360, height: 640 });
  await office.page.waitForFunction(() => document.documentElement.clientWidth === 360);
  assert.equal(await horizontalOverflow(office.page), 0);
  const [scroll, client] = await grid.scrollBox();
  assert.ok(scroll > client, `the grid scrolls inside its box (${scroll} > ${client})`);
  await office.ctx.close();
});

test("an incident raised on a phone is acknowledged and handled at the office; the phone shows the note offline", async () => {
  const head = await open("truongthon1");
  const home = new HomePage(head.page);
  await home.waitFor();
  await waitForServiceWorker(head.page);
  const incident = new IncidentPage(head.page);
  await incident.open();
  await incident.chooseKind("landslide");
  await incident.submit();
  await home.waitFor();
  await home.waitUnsent(0);

  const office = await open("canbo", { viewport: DESK });
  const desk = new IncidentsDesk(office.page);
  await desk.urgent().first().waitFor({ timeout: 20000 });
  await desk.openUrgent();
  await desk.takeStep("acknowledged", "Xã đã nhận tin, đã báo Ban chỉ huy phòng chống thiên tai");
  await desk.takeStep("handling", "Đội xung kích đang dọn đất đá");
  assert.deepEqual(await axeViolations(office.page), []);
  await desk.takeStep("handled", "Đã thông đường, đề nghị thôn cắm biển cảnh báo");
  await desk.done().waitFor();
  await office.page.setViewportSize({ width: 360, height: 640 });
  await office.page.waitForFunction(() => document.documentElement.clientWidth === 360);
  assert.equal(await horizontalOverflow(office.page), 0);

  await home.sendNow();
  const step = head.page.locator("[data-testid=records] [data-testid=office-step][data-step=handled]");
  await step.waitFor({ timeout: 20000 });
  assert.match(await step.textContent(), /Xã đã xử lý xong: Đã thông đường/);
  // Offline, after a reload: still there, read from the phone.
  await head.ctx.setOffline(true);
  await head.page.reload();
  await step.waitFor({ timeout: 20000 });
  await step.click();
  const steps = head.page.getByTestId("office-steps");
  await steps.waitFor();
  assert.match(await steps.textContent(), /Xã đã tiếp nhận[\s\S]*Xã đang xử lý[\s\S]*Đội xung kích đang dọn đất đá/);
  await head.ctx.close();
  await office.ctx.close();
});

test("the admin disables an account, which cannot log in; a reset password is replaced at next login", async () => {
  const admin = await open("quantri", { viewport: DESK });
  const accounts = new AccountsPage(admin.page);
  await accounts.open();
  assert.match(await accounts.account("truongthon2").textContent(), /Trưởng thôn/);
  assert.doesNotMatch(await admin.page.getByTestId("admin-users").textContent(), /village_head|digital_team/);
  await accounts.toggle("truongthon2");
  assert.deepEqual(await axeViolations(admin.page), []);

  const blocked = await open("truongthon2");
  const error = new LoginPage(blocked.page).error();
  await blocked.page.waitForFunction(() => document.querySelector("[data-testid=login-error]")?.textContent.length > 0);
  assert.match(await error.textContent(), /khóa/);
  await blocked.ctx.close();

  await accounts.toggle("truongthon2");
  await accounts.resetPassword("truongthon2", "tam-thoi-2026");
  await admin.page.locator("[data-testid=account][data-username=truongthon2]").filter({ hasText: "Phải đổi mật khẩu" }).waitFor();
  await admin.page.setViewportSize({ width: 360, height: 640 });
  await admin.page.waitForFunction(() => document.documentElement.clientWidth === 360);
  assert.equal(await horizontalOverflow(admin.page), 0);

  const person = await open("truongthon2", { password: "tam-thoi-2026" });
  const setPassword = new SetPasswordPage(person.page);
  await setPassword.waitFor();
  assert.deepEqual(await axeViolations(person.page), []);
  await setPassword.set("tam-thoi-2026", "mat-khau-moi-2026");
  await new HomePage(person.page).waitFor();
  const login = await fetch(`${server.url}/api/v1/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "truongthon2", password: "mat-khau-moi-2026" }),
  });
  assert.equal(login.status, 200);
  await person.ctx.close();
  await admin.ctx.close();
});
