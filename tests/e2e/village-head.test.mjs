// A village head's month, on a 360×640 phone with no signal: a complete
// monthly report with a mistake fixed, a draft resumed after reload, an
// incident in a few taps, a digital-team activity — then signal returns and
// each record arrives exactly once. Every screen passes axe-core (no serious
// or critical violations) and none scrolls sideways.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone, waitForServiceWorker } from "./helpers.mjs";
import { ActivityPage, axeViolations, HomePage, horizontalOverflow, IncidentPage, LoginPage, plausibleValues, ReportPage } from "./pages.mjs";

let server, browser, catalogue;
before(async () => {
  ({ server, browser } = await openEnv());
  catalogue = await (await fetch(`${server.url}/api/v1/catalogue`)).json();
});
after(() => closeEnv({ server, browser }));

const screens = async (page, name) => {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  assert.ok((await horizontalOverflow(page)) <= 0, `${name} scrolls sideways`);
};

test("a month of village work offline, then exactly once on the server", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(ctx.url);
  await screens(page, "login");
  await new LoginPage(page).login("truongthon2", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  await waitForServiceWorker(page);
  await ctx.setOffline(true);
  await page.reload();
  await home.waitFor();
  await screens(page, "home");

  // The monthly report: every numeric field, one mistake, fixed.
  await home.openCurrentReport();
  await screens(page, "report");
  const form = new ReportPage(page);
  const values = plausibleValues(catalogue);
  assert.ok(values.length >= 40, `only ${values.length} numeric monthly indicators`);
  for (const [key, v] of values) await form.fill(key, String(v).replace(".", ","));
  await form.fill("child35_school", 999);
  await form.error("child35_school").waitFor();
  assert.match(await form.error("child35_school").textContent(), /Không được lớn hơn/);
  await form.fill("child35_school", 20);
  assert.equal((await form.error("child35_school").textContent()).trim(), "");
  await page.getByLabel("Khó khăn, vướng mắc").fill("Đường lên thôn sạt taluy, đi lại khó khăn");
  // Leave without sending: the draft is on the phone. A reload keeps the
  // form's address (/report/…); the back button goes home.
  await page.reload();
  await page.getByTestId("report-form").waitFor();
  assert.match(new URL(page.url()).pathname, /^\/report\/\d{4}-\d{2}$/);
  await page.goBack();
  await home.waitFor();
  const id = `r.pq-t02.${currentMonth()}`;
  assert.equal(await home.recordState(id), "Bản nháp");
  await home.openCurrentReport();
  assert.equal(await form.value("pop"), "1.200");
  assert.equal(await form.value("child35_school"), "20");
  assert.equal(await page.getByLabel("Khó khăn, vướng mắc").inputValue(), "Đường lên thôn sạt taluy, đi lại khó khăn");
  await form.submit();
  await home.waitFor();
  assert.equal(await home.recordState(id), "Đã lưu trên máy");

  // An incident in three taps: new, kind, send (time, severity and GPS default).
  const incident = new IncidentPage(page);
  await incident.open();
  await screens(page, "incident");
  const t0 = Date.now();
  await incident.chooseKind("landslide");
  await incident.submit();
  await home.waitFor();
  assert.ok(Date.now() - t0 < 30000);

  // A digital-team activity.
  const activity = new ActivityPage(page);
  await activity.open();
  await screens(page, "activity");
  await activity.log({ topic: "cashless", participants: 15, helped: 16 });
  await activity.submit();
  await page.getByTestId("err-helped").waitFor();
  assert.match(await page.getByTestId("err-helped").textContent(), /Không được lớn hơn/);
  await activity.log({ topic: "cashless", participants: 15, helped: 4 });
  await activity.submit();
  await home.waitFor();
  assert.equal(await home.unsentCount().textContent(), "3");

  // English, and back.
  await page.getByTestId("lang").click();
  await page.getByText("This period's report").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
  await page.getByTestId("lang").click();
  await page.getByText("Báo cáo kỳ này").waitFor();

  // Signal returns.
  await ctx.setOffline(false);
  await home.sendNow();
  await page
    .waitForFunction(() => document.querySelector("[data-testid=unsent-count]")?.textContent === "0", null, { timeout: 20000 })
    .catch(async (e) => {
      const status = await page.getByTestId("sync-status").textContent();
      const owed = await page.getByTestId("owed").textContent();
      throw new Error(`not all sent: ${status} | ${owed} | ${e.message}`);
    });
  await home.waitForState(id, "received");

  const rows = (await api(server.url, `/api/v1/records?village=pq-t02&period=${currentMonth()}`)).json;
  const kinds = rows.map((r) => r.kind).sort();
  assert.deepEqual(kinds, ["activity", "incident", "report"]);
  for (const r of rows) assert.equal(r.mutations, 1, `${r.id} applied once`);
  const report = rows.find((r) => r.kind === "report").body;
  assert.equal(report.values.pop, 1200);
  assert.equal(report.values.child35_school, 20);
  assert.equal(report.difficulties, "Đường lên thôn sạt taluy, đi lại khó khăn");
  const inc = rows.find((r) => r.kind === "incident").body;
  assert.equal(inc.kind, "landslide");
  assert.equal(inc.severity, "high", "a landslide starts severe (the default follows the kind)");
  const act = rows.find((r) => r.kind === "activity").body;
  assert.equal(act.participants, 15);
  assert.equal(act.helped, 4);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("a full phone storage is shown and the typed report is not lost", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("truongthon1", DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  // Fill localStorage to the brim with someone else's data.
  await page.evaluate(() => {
    let chunk = "x".repeat(512 * 1024);
    for (let i = 0; ; i++) {
      try {
        localStorage.setItem(`filler.${i}`, chunk);
      } catch {
        if (chunk.length < 16) break;
        chunk = chunk.slice(0, chunk.length / 2);
      }
    }
  });
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.fill("pop", 700);
  await form.fill("bhyt", 650);
  await form.submit();
  await page.waitForFunction(() => /Không lưu được vào máy/.test(document.querySelector("[data-testid=notice]")?.textContent ?? ""));
  assert.match(await form.notice().textContent(), /Bộ nhớ trình duyệt đã đầy/);
  // Still on the form, with everything typed.
  assert.equal(await form.value("pop"), "700");
  assert.equal(await form.value("bhyt"), "650");
  // Make room; the same button now saves.
  await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("filler.")).forEach((k) => localStorage.removeItem(k)));
  await form.submit();
  await home.waitFor();
  assert.match(await page.getByTestId("notice").textContent(), /Đã lưu trên máy/);
  await ctx.close();
});
