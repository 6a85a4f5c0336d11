// The report form writes its draft after a pause in typing, not on every
// keystroke (issue #10, app/draft.rs) — and never loses typing for it:
// leaving the form, reloading or the pause each put it on the phone, and a
// report saved and queued straight after typing stays queued.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { closeEnv, currentMonth, openEnv, phone } from "./helpers.mjs";
import { plausibleValues, ReportPage, signedIn } from "./pages.mjs";

let server, browser, catalogue;
before(async () => {
  ({ server, browser } = await openEnv());
  catalogue = await (await fetch(`${server.url}/api/v1/catalogue`)).json();
});
after(() => closeEnv({ server, browser }));

const id = `r.pq-t01.${currentMonth()}`;

/** A new phone logged in as the head of pq-t01, on this month's report. */
async function onTheForm() {
  const ctx = await phone(browser, server);
  const { page, home } = await signedIn(ctx, "truongthon1");
  await home.openCurrentReport();
  return { ctx, page, home, form: new ReportPage(page) };
}

/** The record as stored on the phone (null if none). */
const stored = (page) => page.evaluate((id) => JSON.parse(localStorage.getItem(`st.r.${id}`) ?? "null"), id);

test("keystrokes then the back button at once: the draft is on the phone", async () => {
  const { ctx, page, home, form } = await onTheForm();
  await page.getByTestId("in-pop").pressSequentially("1234");
  await page.getByTestId("back").click();
  await home.waitFor();
  assert.equal(await home.recordState(id), "Bản nháp");
  assert.equal((await stored(page)).body.values.pop, 1234);
  await home.openCurrentReport();
  assert.equal(await form.value("pop"), "1.234");
  await ctx.close();
});

test("keystrokes then a reload at once: the draft is on the phone", async () => {
  const { ctx, page, form } = await onTheForm();
  await page.getByTestId("in-hh").pressSequentially("321");
  await page.reload();
  await page.getByTestId("report-form").waitFor();
  assert.equal(await form.value("hh"), "321");
  await ctx.close();
});

test("a pause in typing writes the draft, once, without leaving the field", async () => {
  const { ctx, page, form } = await onTheForm();
  await page.getByTestId("in-pop").pressSequentially("87");
  // Focus stays in the field: only the pause can have written it.
  await page.waitForFunction((id) => JSON.parse(localStorage.getItem(`st.r.${id}`) ?? "null")?.body?.values?.pop === 87, id, { timeout: 5000 });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), "in-pop");
  await form.notice().filter({ hasText: "Bản nháp đã lưu trên máy" }).waitFor();
  await ctx.close();
});

test("saved and queued straight after typing, the report stays queued", async () => {
  const { ctx, page, home, form } = await onTheForm();
  for (const [key, v] of plausibleValues(catalogue)) await form.fill(key, String(v).replace(".", ","));
  // The last keystroke's pause has not run out when the button is pressed.
  await page.getByTestId("in-pop").fill("");
  await page.getByTestId("in-pop").pressSequentially("1201");
  await form.submit();
  await home.waitFor();
  // Queued, being sent or already received (the phone is online and sends at once).
  assert.match(await home.recordState(id), /^(Đã lưu trên máy|Đang gửi…|Xã đã nhận)$/);
  // Well past the pause: nothing turned it back into a draft.
  await page.waitForTimeout(1500);
  const rec = await stored(page);
  assert.ok(["queued", "received"].includes(rec.state), rec.state);
  assert.equal(rec.body.values.pop, 1201);
  assert.match(await home.recordState(id), /^(Đã lưu trên máy|Đang gửi…|Xã đã nhận)$/);
  await ctx.close();
});
