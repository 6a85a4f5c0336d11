// The commune office in the same app: review decisions flow back to the
// village head's phone, a conflict between two phones is shown with both
// versions and resolved by a person, and the admin creates a village and an
// account that can then log in.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { axeViolations, HomePage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
});
after(() => closeEnv({ server, browser }));

async function open(username, password = DEMO_PASSWORD) {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, password);
  return { ctx, page };
}

async function submitReport(page, pop, bhyt) {
  const home = new HomePage(page);
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.fill("pop", pop);
  await form.fill("bhyt", bhyt);
  await form.submit();
  await home.waitFor();
}

const sent = (page) =>
  page.waitForFunction(() => document.querySelector("[data-testid=unsent-count]")?.textContent === "0", null, { timeout: 20000 });

test("returned for correction, fixed on the phone, approved — and the phone sees each step", async () => {
  const head = await open("truongthon2");
  const home = new HomePage(head.page);
  await home.waitFor();
  await submitReport(head.page, 400, 380);
  await sent(head.page);

  const office = await open("canbo");
  await office.page.getByTestId("office-villages").waitFor();
  assert.deepEqual(await axeViolations(office.page), []);
  const row = office.page.locator("[data-testid=office-village][data-village=pq-t02]");
  assert.equal(await row.getAttribute("data-state"), "received");
  await row.getByTestId("review-comment").fill("Số thẻ BHYT chưa khớp với danh sách của xã");
  await row.getByTestId("return").click();
  await office.page.waitForSelector("[data-testid=office-village][data-village=pq-t02][data-state=returned]");

  const id = `r.pq-t02.${currentMonth()}`;
  await home.sendNow();
  await home.waitForState(id, "returned");
  assert.match(await home.record(id).textContent(), /Số thẻ BHYT chưa khớp/);
  await submitReport(head.page, 400, 392);
  await sent(head.page);
  await home.waitForState(id, "received");

  await office.page.reload();
  const row2 = office.page.locator("[data-testid=office-village][data-village=pq-t02][data-state=received]");
  await row2.waitFor();
  await row2.getByTestId("approve").click();
  await office.page.waitForSelector("[data-testid=office-village][data-village=pq-t02][data-state=approved]");
  await home.sendNow();
  await home.waitForState(id, "approved");
  const rows = (await api(server.url, `/api/v1/records?village=pq-t02&period=${currentMonth()}`)).json;
  assert.equal(rows[0].body.values.bhyt, 392);
  await head.ctx.close();
  await office.ctx.close();
});

test("two phones edit the same report offline: a conflict, shown and resolved by a person", async () => {
  const a = await open("truongthon1");
  const b = await open("congnghe1");
  const homeA = new HomePage(a.page);
  const homeB = new HomePage(b.page);
  await homeA.waitFor();
  await homeB.waitFor();
  await waitForServiceWorker(a.page);
  await waitForServiceWorker(b.page);
  await a.ctx.setOffline(true);
  await b.ctx.setOffline(true);
  await submitReport(a.page, 500, 480);
  await submitReport(b.page, 500, 470);
  await a.ctx.setOffline(false);
  await homeA.sendNow();
  await sent(a.page);
  await b.ctx.setOffline(false);
  await homeB.sendNow();
  await sent(b.page);
  const id = `r.pq-t01.${currentMonth()}`;
  await homeB.waitForState(id, "conflict");
  assert.equal(await homeB.recordState(id), "Có xung đột");

  const office = await open("canbo");
  const card = office.page.getByTestId("conflict");
  await card.waitFor();
  assert.match(await card.textContent(), /Người có thẻ bảo hiểm y tế\s*480\s*470/);
  await card.getByTestId("keep-incoming").click();
  await office.page.getByTestId("no-conflicts").waitFor();

  const rows = (await api(server.url, `/api/v1/records?village=pq-t01&period=${currentMonth()}`)).json;
  assert.equal(rows[0].body.values.bhyt, 470, "the version the office chose");
  assert.equal(rows[0].state, "received");
  await homeA.sendNow();
  await a.page.waitForFunction(
    (id) => document.querySelector(`[data-testid=records] [data-record="${id}"]`)?.dataset.state === "received",
    id
  );
  await homeB.sendNow();
  await homeB.waitForState(id, "received");
  for (const c of [a, b, office]) await c.ctx.close();
});

test("the admin adds a village and an account, which can then log in", async () => {
  const admin = await open("quantri");
  const p = admin.page;
  await p.getByTestId("tab-accounts").click();
  await p.getByTestId("add-village").waitFor();
  await p.fill("#v-id", "pq-t06");
  await p.fill("#v-name", "Thôn Nà Mạ (mẫu)");
  await p.click("[data-testid=add-village] button");
  await p.waitForFunction(() => document.querySelector("[data-testid=admin-villages]")?.textContent.includes("pq-t06"));
  // A bad account is refused with a reason and not created.
  await p.fill("#u-name", "truongthon6");
  await p.fill("#u-pass", "ngan");
  await p.fill("#u-full", "Hoàng Văn Sáu");
  await p.selectOption("#u-village", "pq-t06");
  await p.click("[data-testid=add-user] button");
  await p.waitForFunction(() => /password|mật khẩu/i.test(document.querySelector("[data-testid=notice]")?.textContent ?? ""));
  await p.fill("#u-pass", "matkhau-dai-hon");
  await p.click("[data-testid=add-user] button");
  await p.waitForFunction(() => document.querySelector("[data-testid=admin-users]")?.textContent.includes("truongthon6"));
  await admin.ctx.close();

  const head = await open("truongthon6", "matkhau-dai-hon");
  await new HomePage(head.page).waitFor();
  assert.match(await head.page.getByTestId("who").textContent(), /Nà Mạ/);
  await head.ctx.close();
});

test("a due date set by the office shows on the village head's phone", async () => {
  const office = await open("canbo");
  await office.page.getByTestId("set-due").waitFor();
  const [y, m] = currentMonth().split("-").map(Number);
  const next = m === 12 ? `${y + 1}-01-09` : `${y}-${String(m + 1).padStart(2, "0")}-09`;
  await office.page.fill("#due-date", next);
  await office.page.click("[data-testid=set-due] button");
  await office.page.waitForFunction(() => /Đã đặt hạn nộp/.test(document.querySelector("[data-testid=notice]")?.textContent ?? ""));
  await office.page.waitForFunction((d) => document.querySelector("[data-testid=office-summary]")?.textContent.includes(d), next.split("-").reverse().join("/"));

  const head = await open("truongthon1");
  const home = new HomePage(head.page);
  await home.waitFor();
  const shown = next.split("-").reverse().join("/");
  await head.page.waitForFunction((d) => document.querySelector("[data-testid=due]")?.textContent === d, shown, { timeout: 20000 });
  await office.ctx.close();
  await head.ctx.close();
});
