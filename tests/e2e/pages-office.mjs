// Page objects of the commune office's review and audit screens, and of a
// returned report on the phone. Shared bits (login, home, report form, axe,
// sideways scroll) come from pages.mjs.
export { axeViolations, horizontalOverflow, HomePage, LoginPage, ReportPage } from "./pages.mjs";

/** `/office/review/:village/:period`: one village's report, field by field. */
export class ReviewPage {
  constructor(page) {
    this.page = page;
  }
  /** Opens the sheet by its deep link (typed in the address bar). */
  async open(base, village, period) {
    await this.page.goto(`${base}/office/review/${village}/${period}`);
  }
  sheet() {
    return this.page.getByTestId("review-sheet");
  }
  /** Waits for the sheet of revision `rev` in `state` ("received", "returned", "approved"). */
  async waitFor({ rev, state } = {}) {
    let sel = "[data-testid=review-sheet]";
    if (rev !== undefined) sel += `[data-rev="${rev}"]`;
    if (state !== undefined) sel += `[data-state="${state}"]`;
    await this.page.locator(sel).waitFor({ timeout: 20000 });
  }
  line(field) {
    return this.page.locator(`[data-testid=sheet-line][data-field="${field}"]`);
  }
  async isLarge(field) {
    return (await this.line(field).getAttribute("data-large")) === "true";
  }
  async commentOn(field, text) {
    await this.page.getByTestId(`fc-${field}`).fill(text);
  }
  async returnWith(reason) {
    await this.page.getByTestId("return-reason").fill(reason);
    await this.page.getByTestId("return").click();
  }
  async approve() {
    await this.page.getByTestId("approve").click();
  }
  decisionError() {
    return this.page.getByTestId("decision-error");
  }
  resubmitted() {
    return this.page.getByTestId("since-return");
  }
  /** The rows of "what changed since the return": [field, before, after]. */
  changesSinceReturn() {
    return this.page
      .locator("[data-testid=since-change]")
      .evaluateAll((rows) => rows.map((r) => [r.dataset.field, ...[...r.querySelectorAll("td")].map((td) => td.textContent.trim())]));
  }
  historyEntries() {
    return this.page.getByTestId("history-entry");
  }
  recordAudit() {
    return this.page.getByTestId("record-audit");
  }
  villageLink(village) {
    return this.page.locator(`[data-testid=review-villages] a[data-village="${village}"]`);
  }
}

/** `/office/audit`: the commune's trail. */
export class AuditPage {
  constructor(page) {
    this.page = page;
  }
  async open() {
    await this.page.getByTestId("office-nav").getByRole("link", { name: /Nhật ký/ }).click();
    await this.page.locator("[data-testid=audit], [data-testid=audit-empty]").first().waitFor({ timeout: 20000 });
  }
  lines() {
    return this.page.getByTestId("audit-line");
  }
  async filterKind(action) {
    await this.page.selectOption("#audit-kind", action);
  }
}

/** A returned report on the village head's phone. */
export class ReturnedReport {
  constructor(page) {
    this.page = page;
  }
  owed(period) {
    return this.page.locator(`[data-testid=owed-report][data-period="${period}"]`);
  }
  reason(period) {
    return this.owed(period).getByTestId("owed-reason");
  }
  flags(period) {
    return this.owed(period).getByTestId("owed-flag");
  }
  /** On the open form: the officer's note beside a flagged field. */
  fieldFlag(key) {
    return this.page.getByTestId(`flag-${key}`);
  }
  async isFlagged(key) {
    return (await this.page.getByTestId(`field-${key}`).getAttribute("data-flagged")) === "true";
  }
}
