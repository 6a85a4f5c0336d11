// Review, field by field, end to end: a village head submits; an officer
// opens the report by its deep link, returns one field with a comment; the
// village head sees the return offline (the phone's proxy cut), fixes the
// field and resubmits; the officer sees exactly that change and approves.
// Along the way: the back button, the audit trail, axe and 360 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import {
  AuditPage,
  axeViolations,
  HomePage,
  horizontalOverflow,
  LoginPage,
  ReportPage,
  ReturnedReport,
  ReviewPage,
} from "./pages-office.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

test("returned field by field, fixed offline on the phone, resubmitted and approved", async () => {
  const month = currentMonth();
  const id = `r.pq-t02.${month}`;
  // The village head files this month's report.
  const head = await phone(browser, server);
  const hp = await head.newPage();
  await hp.goto(head.url);
  await new LoginPage(hp).login("truongthon2", DEMO_PASSWORD);
  const home = new HomePage(hp);
  await home.waitFor();
  await waitForServiceWorker(hp);
  await home.openCurrentReport();
  const form = new ReportPage(hp);
  await form.fill("pop", 420);
  await form.fill("bhyt", 300);
  await form.submit();
  await home.waitFor();
  await home.waitUnsent(0);

  // The officer, at a desk, opens the report by its deep link.
  const desk = await phone(browser, server, { viewport: { width: 1366, height: 900 } });
  const op = await desk.newPage();
  const review = new ReviewPage(op);
  await review.open(desk.url, "pq-t02", month);
  await new LoginPage(op).login("canbo", DEMO_PASSWORD);
  await review.waitFor({ rev: 1, state: "received" });
  assert.match(new URL(op.url()).pathname, new RegExp(`^/office/review/pq-t02/${month}$`));
  // Side by side at 1366 px: the villages' list left of the sheet.
  const list = await op.getByTestId("review-villages").boundingBox();
  const sheet = await review.sheet().boundingBox();
  assert.ok(list.x + list.width <= sheet.x, `list ${JSON.stringify(list)} beside sheet ${JSON.stringify(sheet)}`);
  assert.deepEqual(await axeViolations(op), []);
  assert.match(await review.line("bhyt").getByTestId("now").textContent(), /300/);

  // A return needs a reason: the server says so, nothing changes.
  await review.commentOn("bhyt", "Danh sách của xã có 410 thẻ");
  await review.returnWith("");
  await op.waitForFunction(() => /lý do/i.test(document.querySelector("[data-testid=decision-error]")?.textContent ?? ""));
  await review.returnWith("Số thẻ BHYT chưa khớp với danh sách của xã");
  await review.waitFor({ state: "returned" });
  assert.equal(await review.historyEntries().count(), 1);
  assert.match(await review.recordAudit().textContent(), /Trả lại báo cáo.*Danh sách của xã có 410 thẻ/s);

  // The phone pulls the return, then loses its signal.
  await home.sendNow();
  await home.waitForState(id, "returned");
  await head.setOffline(true);
  await hp.reload();
  await home.waitFor();
  const ret = new ReturnedReport(hp);
  assert.match(await ret.reason(month).textContent(), /Số thẻ BHYT chưa khớp/);
  assert.equal(await ret.flags(month).count(), 1);
  assert.match(await ret.flags(month).first().textContent(), /410 thẻ/);
  assert.equal(await horizontalOverflow(hp), 0);
  // The form shows the flagged field with the officer's note; fixed offline.
  await home.openPeriod(month);
  assert.ok(await ret.isFlagged("bhyt"));
  assert.ok(!(await ret.isFlagged("pop")));
  assert.match(await ret.fieldFlag("bhyt").textContent(), /410 thẻ/);
  assert.equal(await horizontalOverflow(hp), 0);
  await form.fill("bhyt", 410);
  await form.submit();
  await home.waitFor();
  await head.setOffline(false);
  await home.sendNow();
  await home.waitForState(id, "received");

  // The officer sees exactly the change since the return, and approves.
  await op.reload();
  await review.waitFor({ rev: 2, state: "received" });
  await review.resubmitted().waitFor();
  assert.deepEqual(await review.changesSinceReturn(), [["bhyt", "300", "410"]]);
  await review.approve();
  await review.waitFor({ state: "approved" });
  await home.sendNow();
  await home.waitForState(id, "approved");

  // The audit trail, from the office's navigation; the back button returns.
  const audit = new AuditPage(op);
  await audit.open();
  assert.match(new URL(op.url()).pathname, /^\/office\/audit$/);
  assert.ok((await audit.lines().count()) >= 2);
  assert.match(await audit.lines().first().textContent(), /Duyệt báo cáo/);
  assert.deepEqual(await axeViolations(op), []);
  await audit.filterKind("return");
  await op.waitForFunction(() =>
    [...document.querySelectorAll("[data-testid=audit-line]")].every((l) => l.dataset.action === "return")
  );
  await op.goBack();
  await review.waitFor({ state: "approved" });

  // At 360 px the review and audit screens do not scroll sideways.
  await op.setViewportSize({ width: 360, height: 640 });
  assert.equal(await horizontalOverflow(op), 0);
  await op.goForward();
  await op.locator("[data-testid=audit]").waitFor();
  assert.equal(await horizontalOverflow(op), 0);
  await head.close();
  await desk.close();
});

test("a village head who opens an office address is handed over to the village's page", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(`${ctx.url}/office/audit`);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  await page.getByTestId("handover").waitFor({ timeout: 20000 });
  await page.getByTestId("to-home").click();
  await new HomePage(page).waitFor();
  assert.equal(new URL(page.url()).pathname, "/");
  await ctx.close();
});

test("the office shows what it last fetched when the server cannot be reached, and refuses decisions", async () => {
  const desk = await phone(browser, server, { viewport: { width: 1366, height: 900 } });
  const op = await desk.newPage();
  await op.goto(`${desk.url}/office`);
  await new LoginPage(op).login("canbo", DEMO_PASSWORD);
  await op.getByTestId("office-villages").waitFor({ timeout: 20000 });
  await waitForServiceWorker(op);
  desk.setUnreachable(true);
  await op.reload();
  await op.getByTestId("office-villages").waitFor({ timeout: 20000 });
  assert.match(await op.getByTestId("freshness").textContent(), /^Số liệu lúc \d\d:\d\d ngày \d\d\/\d\d\/\d{4} — chưa có mạng$/);
  await op.fill("#due-date", "2030-01-09");
  await op.click("[data-testid=set-due] button");
  await op.waitForFunction(() =>
    /Cần có mạng để .*chưa có gì thay đổi/.test(document.querySelector("[data-testid=notice]")?.textContent ?? "")
  );
  desk.setUnreachable(false);
  await desk.close();
});
