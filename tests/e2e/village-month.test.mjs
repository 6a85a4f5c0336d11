// A village head's month at 360×640 (issue 9): three months filed, then the
// quarter asks only what the months did not say; "Lưu và gửi" with a required
// field empty lands on the field; forms open at their top; Có/Không both count
// in the commune's figure; an incident is followed up offline and the
// follow-up arrives once; the sync line says "Chưa gửi được" at once.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DEMO_PASSWORD, api, closeEnv, currentMonth, openEnv, phone } from "./helpers.mjs";
import { axeViolations, HomePage, horizontalOverflow, IncidentPage, LoginPage, ReportPage } from "./pages.mjs";

let server, browser, catalogue;
before(async () => {
  ({ server, browser } = await openEnv());
  catalogue = await (await fetch(`${server.url}/api/v1/catalogue`)).json();
});
after(() => closeEnv({ server, browser }));

async function open(username) {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, DEMO_PASSWORD);
  const home = new HomePage(page);
  await home.waitFor();
  return { ctx, page, home, errors };
}

const sent = (page) =>
  page.waitForFunction(() => document.querySelector("[data-testid=unsent-count]")?.textContent === "0", null, { timeout: 20000 });

const screens = async (page, name) => {
  assert.deepEqual(await axeViolations(page), [], `axe on ${name}`);
  assert.ok((await horizontalOverflow(page)) <= 0, `${name} scrolls sideways`);
};

/** The latest quarter whose three months have all begun, and its months. */
function quarterAndMonths(month = currentMonth()) {
  let [y, m] = month.split("-").map(Number);
  if (m % 3 !== 0) {
    m -= m % 3;
    if (m === 0) [y, m] = [y - 1, 12];
  }
  const months = [m - 2, m - 1, m].map((n) => `${y}-${String(n).padStart(2, "0")}`);
  return { quarter: `${y}-Q${m / 3}`, months };
}

/** Plausible values for every numeric monthly indicator, obeying max and "not more than". */
function plausibleValues(cat) {
  const byKey = Object.fromEntries(cat.indicators.map((i) => [i.key, i]));
  const memo = {};
  const value = (key) => {
    if (memo[key] !== undefined) return memo[key];
    const ind = byKey[key];
    let v = ind.kind === "decimal" ? 2 : key === "pop" ? 1200 : 40;
    if (ind.le) v = Math.floor(value(ind.le) * 0.5);
    if (ind.max !== undefined) v = Math.min(v, Math.floor(ind.max / 4));
    return (memo[key] = v);
  };
  return cat.indicators
    .filter((i) => (i.periods ?? ["month"]).includes("month") && !i.retired)
    .filter((i) => i.kind === "count" || i.kind === "decimal")
    .map((i) => [i.key, value(i.key)]);
}

/** Answers every monthly question as a village that fills its month does. */
async function fillMonth(page, { fibre = true } = {}) {
  const form = new ReportPage(page);
  for (const [key, v] of plausibleValues(catalogue)) await form.fill(key, v);
  for (const i of catalogue.indicators.filter((i) => !i.retired && (i.periods ?? ["month"]).includes("month"))) {
    if (i.kind === "bool") await form.answer(i.key, i.key === "fibre" ? fibre : false);
    if (i.kind === "choice") await form.choose(i.key, i.choices[0].key);
  }
}

test("three months filed: the quarter opens prefilled, with only the quarter's own questions to type", async () => {
  const { ctx, page, home, errors } = await open("truongthon1");
  const { quarter, months } = quarterAndMonths();
  const form = new ReportPage(page);
  for (const m of months) {
    if (m === currentMonth()) await home.openCurrentReport();
    else await home.openPeriod(m);
    await fillMonth(page);
    await form.submit();
    await home.waitFor();
    // Sent before the next tap, so the list under "Việc cần làm" does not move under the finger.
    await sent(page);
  }
  await screens(page, "home with reports owed");

  await home.openPeriod(quarter);
  await screens(page, "quarter report, prefilled");
  const left = await form.emptyFields();
  const askedInQuarter = catalogue.indicators.filter(
    (i) => !i.retired && i.kind !== "rate" && (i.periods ?? ["quarter"]).includes("quarter")
  );
  // Before: every one of the quarter's inputs was typed again.
  console.log(`quarter ${quarter}: ${left.length} inputs left to type of ${askedInQuarter.length} (${left.join(", ")})`);
  assert.deepEqual(left.sort(), ["crop_conv_ha", "crop_conv_hh"], "only what the months do not ask");
  // A flow is the months' sum, a stock the latest month's, marked as such.
  const values = Object.fromEntries(plausibleValues(catalogue));
  assert.equal(await form.value("ds_sessions"), String(values.ds_sessions * 3));
  assert.equal(await form.value("pop"), "1.200");
  assert.equal((await form.derived("ds_sessions").textContent()).trim(), "Theo báo cáo tháng");
  // Rates are recomputed from the carried parts.
  assert.notEqual((await form.rate("bhyt_rate").textContent()).trim(), "—");
  // Changed by the head: the difference from the months is shown.
  await form.fill("ds_sessions", values.ds_sessions * 3 + 2);
  await page.waitForFunction(() => /chênh \+2/.test(document.querySelector("[data-testid=derived-ds_sessions]")?.textContent ?? ""));
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("Lưu và gửi with required fields empty lands on the first, and lists them at the button", async () => {
  const { ctx, page, home } = await open("truongthon2");
  await home.openCurrentReport();
  const form = new ReportPage(page);
  await form.submit();
  await form.attention().waitFor();
  await page.waitForFunction(() => document.activeElement?.id === "f-pop");
  const inView = await page.evaluate(() => {
    const r = document.activeElement.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight && document.querySelector("label[for=f-pop]").getBoundingClientRect().top >= 0;
  });
  assert.ok(inView, "the focused field and its label are on screen");
  assert.match(await form.attention().textContent(), /Còn 2 mục cần xem/);
  await page.getByTestId("goto-bhyt").click();
  await page.waitForFunction(() => document.activeElement?.id === "f-bhyt");
  // Yes/no is two answers, and "Không" is an answer.
  await form.answer("fibre", false);
  assert.equal(await page.getByTestId("field-fibre").getAttribute("data-empty"), "false");
  await form.fill("pop", 300);
  await form.fill("bhyt", 290);
  await form.submit();
  await home.waitFor();
  await sent(page);
  await ctx.close();
});

test("a form opened from a scrolled home starts at its top", async () => {
  const { ctx, page, home } = await open("truongthon2");
  await page.evaluate(() => window.scrollTo(0, 1));
  await home.openCurrentReport();
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  await page.getByTestId("back").click();
  await home.waitFor();
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.locator("[data-testid=records] [data-testid=record] button").first().click();
  await page.getByTestId("report-form").waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), 0);
  await ctx.close();
});

test("Có and Không both count in the commune's figure", async () => {
  // pq-t01 answered Có for fibre in its months, pq-t02 Không this month.
  const res = await api(server.url, `/api/v1/aggregate?period=${currentMonth()}`);
  assert.equal(res.status, 200);
  const fibre = res.json.aggregates.find((a) => a.key === "fibre");
  assert.deepEqual(fibre.figure, { flag: false }, "not every village has fibre");
  assert.equal(fibre.villages_reporting, 2, "both answers count");
});

test("an incident in three taps, followed up offline, the follow-up arriving once", async () => {
  const { ctx, page, home, errors } = await open("truongthon1");
  const incident = new IncidentPage(page);
  await incident.open();
  await incident.chooseKind("landslide");
  assert.equal(await page.locator("input[name=severity][value=high]").isChecked(), true, "a landslide starts severe");
  await incident.submit();
  await home.waitFor();
  await sent(page);
  const row = page.locator('[data-testid=records] [data-testid=record][data-record^="i."]').first();
  const id = await row.getAttribute("data-record");
  await row.locator("button").click();
  await page.getByTestId("followup-form").waitFor();
  assert.equal((await page.getByTestId("meta-people").textContent()).trim(), "Chưa rõ", "not known is not zero");
  await screens(page, "incident with follow-up form");

  await ctx.setOffline(true);
  await incident.followUp({ people: 12, households: 3, handled: true });
  await home.waitFor();
  assert.equal(await home.unsentCount().textContent(), "1");
  await ctx.setOffline(false);
  await home.sendNow();
  await sent(page);
  await home.sendNow();
  await home.waitForState(id, "received");

  const rows = (await api(server.url, `/api/v1/records?village=pq-t01&period=${currentMonth()}`)).json;
  const rec = rows.find((r) => r.id === id);
  assert.equal(rec.body.severity, "high");
  assert.equal(rec.body.people, undefined, "filed without a count: stored as unknown");
  assert.equal(rec.body.followups.length, 1, "the follow-up arrived once");
  assert.deepEqual([rec.body.followups[0].people, rec.body.followups[0].households, rec.body.followups[0].handled], [12, 3, true]);
  assert.equal(rec.rev, 2);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the sync line says 'Chưa gửi được' within a second of a failed request, and counts down", async () => {
  const { ctx, page, home } = await open("truongthon2");
  await page.waitForFunction(() => /Đã liên lạc/.test(document.querySelector("[data-testid=sync-status]")?.textContent ?? ""));
  ctx.setUnreachable(true);
  const t0 = Date.now();
  await home.sendNow();
  await page.waitForFunction(() => /Chưa gửi được/.test(document.querySelector("[data-testid=sync-status]")?.textContent ?? ""), null, {
    timeout: 1000,
  });
  assert.ok(Date.now() - t0 <= 1000);
  assert.match(await home.syncStatus().textContent(), /Thử lại sau \d+ s/);
  // "Gửi ngay" answered in words too.
  await page.waitForFunction(() => /Chưa gửi được/.test(document.querySelector("[data-testid=notice]")?.textContent ?? ""));
  // The countdown moves (or a retry happened) within two seconds, never above a minute.
  const first = await home.syncStatus().textContent();
  await page.waitForFunction((before) => document.querySelector("[data-testid=sync-status]")?.textContent !== before, first, {
    timeout: 2500,
  });
  for (const m of [first, await home.syncStatus().textContent()].join(" ").matchAll(/(\d+) s/g)) {
    assert.ok(Number(m[1]) <= 60, m[0]);
  }
  // Back in reach, then the phone itself says the network is gone: believed at once.
  ctx.setUnreachable(false);
  await home.sendNow();
  await page.waitForFunction(() => /Đã liên lạc/.test(document.querySelector("[data-testid=sync-status]")?.textContent ?? ""));
  await ctx.setOffline(true);
  await page.waitForFunction(() => /Chưa gửi được/.test(document.querySelector("[data-testid=sync-status]")?.textContent ?? ""), null, {
    timeout: 1000,
  });
  await ctx.setOffline(false);
  await ctx.close();
});
