// Page objects: the tests speak of what a village head does, these know the
// selectors (data-testid and labels).
import { DEMO_PASSWORD } from "./helpers.mjs";

/** Opens the app on a new page of phone `ctx` and logs `username` in; resolves on home. */
export async function signedIn(ctx, username, password = DEMO_PASSWORD) {
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, password);
  const home = new HomePage(page);
  await home.waitFor();
  return { page, home };
}

export class LoginPage {
  constructor(page) {
    this.page = page;
  }
  async login(username, password) {
    await this.page.getByTestId("login-form").waitFor();
    await this.page.fill("#username", username);
    await this.page.fill("#password", password);
    await this.page.click("[data-testid=login-form] button[type=submit]");
  }
  error() {
    return this.page.getByTestId("login-error");
  }
}

export class HomePage {
  constructor(page) {
    this.page = page;
  }
  /** Files this month's report with `pop` people (and pop − 5 insured), back on home. */
  async fileCurrentReport(pop) {
    await this.openCurrentReport();
    const form = new ReportPage(this.page);
    await form.fill("pop", pop);
    await form.fill("bhyt", pop - 5);
    await form.submit();
    await this.waitFor();
  }
  /** Waits until the sync bar counts `n` unsent records. */
  waitUnsent(n) {
    return this.page.waitForFunction(
      (n) => document.querySelector("[data-testid=unsent-count]")?.textContent === String(n),
      n,
      { timeout: 20000 }
    );
  }
  async waitFor() {
    await this.page.getByTestId("open-report").waitFor({ timeout: 20000 });
  }
  /** Waits for the storage panel, a chunk of its own fetched after the home screen shows. */
  async waitForStoragePanel() {
    await this.page.getByTestId("storage-used").waitFor({ timeout: 20000 });
  }
  async openCurrentReport() {
    await this.page.getByTestId("open-report").click();
    await this.page.getByTestId("report-form").waitFor();
  }
  async sendNow() {
    await this.page.getByTestId("send-now").click();
  }
  /** Waits until the history lists `n` rows. */
  waitHistory(n) {
    return this.page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=records] [data-testid=record]").length === n,
      n,
      { timeout: 20000 }
    );
  }
  /** The record ids the history lists, top to bottom. */
  historyIds() {
    return this.page.locator("[data-testid=records] [data-testid=record]").evaluateAll((els) => els.map((e) => e.dataset.record));
  }
  /** How many rows "Xem thêm" would add (null: no such button). */
  async moreRecordsLeft() {
    const b = this.page.getByTestId("more-records");
    if ((await b.count()) === 0) return null;
    return Number(/\((\d+)\)/.exec(await b.textContent())[1]);
  }
  async showMoreRecords() {
    await this.page.getByTestId("more-records").click();
  }
  /** A record in the history list (it may also be listed under "Việc cần làm"). */
  record(id) {
    return this.page.getByTestId("records").locator(`[data-testid=record][data-record="${id}"]`);
  }
  async recordState(id) {
    return (await this.record(id).getByTestId("record-state").textContent()).trim();
  }
  async waitForState(id, state, timeout = 20000) {
    await this.page.waitForFunction(
      ([id, state]) => document.querySelector(`[data-testid=records] [data-testid=record][data-record="${id}"]`)?.dataset.state === state,
      [id, state],
      { timeout }
    );
  }
  receipt(id) {
    return this.record(id).getByTestId("receipt");
  }
  unsentCount() {
    return this.page.getByTestId("unsent-count");
  }
  syncStatus() {
    return this.page.getByTestId("sync-status");
  }
  /** Opens the report of any period: the current month's button, else "Kỳ khác". */
  async openPeriod(period) {
    const owed = this.page.locator(`[data-testid=owed-report][data-period="${period}"] button`);
    if (await owed.count()) {
      await owed.click();
    } else {
      await this.page.selectOption("#other-period", period);
      await this.page.getByTestId("open-other").click();
    }
    await this.page.locator(`[data-testid=report-form][data-period="${period}"]`).waitFor({ timeout: 5000 });
  }
  /** The periods listed under "Việc cần làm", in order. */
  owedPeriods() {
    return this.page.locator("[data-testid=owed-report]").evaluateAll((els) => els.map((e) => e.dataset.period));
  }
}

export class ReportPage {
  constructor(page) {
    this.page = page;
  }
  async fill(key, value) {
    await this.page.getByTestId(`in-${key}`).fill(String(value));
  }
  value(key) {
    return this.page.getByTestId(`in-${key}`).inputValue();
  }
  error(key) {
    return this.page.getByTestId(`err-${key}`);
  }
  rate(key) {
    return this.page.getByTestId(`rate-${key}`);
  }
  async submit() {
    await this.page.getByTestId("submit-report").click();
  }
  /** `n` taps on "save" within one task: before any frame is painted, as an
   * impatient thumb on a slow phone does. */
  async submitBurst(n) {
    await this.page.getByTestId("submit-report").evaluate((b, n) => {
      for (let i = 0; i < n; i++) b.click();
    }, n);
  }
  notice() {
    return this.page.getByTestId("notice");
  }
  /** Answers a yes/no question: Có (true) or Không (false). */
  async answer(key, yes) {
    await this.page.getByTestId(`${yes ? "yes" : "no"}-${key}`).check();
  }
  async choose(key, choice) {
    await this.page.getByTestId(`in-${key}`).selectOption(choice);
  }
  /** Keys of the inputs still empty (optional free text is never "missing"). */
  emptyFields() {
    return this.page
      .locator("[data-testid^=field-][data-empty=true]")
      .evaluateAll((els) => els.map((e) => e.dataset.testid.slice("field-".length)));
  }
  derived(key) {
    return this.page.getByTestId(`derived-${key}`);
  }
  progress(group) {
    return this.page.getByTestId(`progress-${group}`);
  }
  /** The "fields needing attention" list at the button. */
  attention() {
    return this.page.getByTestId("attention");
  }
}

export class IncidentPage {
  constructor(page) {
    this.page = page;
  }
  async open() {
    await this.page.getByTestId("new-incident").click();
    await this.page.getByTestId("incident-form").waitFor();
  }
  async chooseKind(kind) {
    await this.page.getByTestId(`kind-${kind}`).check();
  }
  async submit() {
    await this.page.getByTestId("submit-incident").click();
  }
  /** On a filed incident's page: adds a follow-up. */
  async followUp({ people, households, handled, note }) {
    if (people !== undefined) await this.page.getByTestId("fu-people").fill(String(people));
    if (households !== undefined) await this.page.getByTestId("fu-hh").fill(String(households));
    if (handled) await this.page.getByTestId("fu-handled").check();
    if (note) await this.page.getByTestId("fu-note").fill(note);
    await this.page.getByTestId("submit-followup").click();
  }
}

export class ActivityPage {
  constructor(page) {
    this.page = page;
  }
  async open() {
    await this.page.getByTestId("new-activity").click();
    await this.page.getByTestId("activity-form").waitFor();
  }
  async log({ topic, participants, helped }) {
    await this.page.getByTestId(`topic-${topic}`).check();
    await this.page.getByTestId("act-participants").fill(String(participants));
    if (helped !== undefined) await this.page.getByTestId("act-helped").fill(String(helped));
  }
  async submit() {
    await this.page.getByTestId("submit-activity").click();
  }
}

/** Runs axe-core in the page; returns serious and critical violations. */
export async function axeViolations(page) {
  const path = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;
  await page.addScriptTag({ path });
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return res.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

/** Fails if the page scrolls sideways at its current width. */
export async function horizontalOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Home's notes about unsent work: how long it waits, another account's work kept apart, eviction. */
export class SafetyNotes {
  constructor(page) {
    this.page = page;
  }
  unsentWaiting() {
    return this.page.getByTestId("unsent-waiting");
  }
  heldOther() {
    return this.page.getByTestId("held-other");
  }
  evicted() {
    return this.page.getByTestId("evicted");
  }
  evictedUnsent() {
    return this.page.getByTestId("evicted-unsent");
  }
  evictedLastSync() {
    return this.page.getByTestId("evicted-last-sync");
  }
}

/** Plausible values for every numeric monthly indicator, obeying max and "not more than". */
export function plausibleValues(cat) {
  const byKey = Object.fromEntries(cat.indicators.map((i) => [i.key, i]));
  const memo = {};
  const value = (key) => {
    if (memo[key] !== undefined) return memo[key];
    const ind = byKey[key];
    let v = ind.kind === "decimal" ? 2.5 : key === "pop" ? 1200 : 40;
    if (ind.le) v = Math.floor(value(ind.le) * 0.5 * 10) / 10;
    if (ind.kind === "count") v = Math.floor(v);
    if (ind.max !== undefined) v = Math.min(v, ind.max);
    return (memo[key] = v);
  };
  return cat.indicators
    .filter((i) => (i.periods ?? ["month"]).includes("month") && !i.retired)
    .filter((i) => i.kind === "count" || i.kind === "decimal")
    .map((i) => [i.key, value(i.key)]);
}
