// Page objects of the commune office's desk: the completeness grid with its
// reminder, the incidents desk, accounts, and the "set a new password"
// screen. They know the data-testids; the tests speak of what people do.

export class DeskNav {
  constructor(page) {
    this.page = page;
  }
  async open(tab) {
    await this.page.getByTestId(`tab-${tab}`).click();
  }
}

export class GridPage {
  constructor(page) {
    this.page = page;
  }
  async open() {
    await new DeskNav(this.page).open("grid");
    await this.page.getByTestId("grid").waitFor({ timeout: 20000 });
  }
  cell(village, period) {
    return this.page.locator(`[data-testid=grid-cell][data-village="${village}"][data-period="${period}"]`);
  }
  async state(village, period) {
    return this.cell(village, period).getAttribute("data-state");
  }
  async rates(period) {
    const reporting = await this.page.locator(`[data-testid=rate-reporting][data-period="${period}"]`).textContent();
    const onTime = await this.page.locator(`[data-testid=rate-on-time][data-period="${period}"]`).textContent();
    return { reporting: reporting.trim(), onTime: onTime.trim() };
  }
  reminder() {
    return this.page.getByTestId("reminder");
  }
  async owing() {
    return this.page.getByTestId("owing").evaluateAll((els) => els.map((e) => e.dataset.village));
  }
  async reminderText() {
    return this.page.getByTestId("remind-text").inputValue();
  }
  async smsHref() {
    return this.page.getByTestId("remind-sms").getAttribute("href");
  }
  /** The grid's own box: [scrollWidth, clientWidth]. */
  async scrollBox() {
    return this.page.getByTestId("grid-scroll").evaluate((e) => [e.scrollWidth, e.clientWidth]);
  }
}

export class IncidentsDesk {
  constructor(page) {
    this.page = page;
  }
  urgent() {
    return this.page.getByTestId("urgent-incident");
  }
  /** From the office home: opens the first open severe incident. */
  async openUrgent() {
    await this.urgent().first().getByRole("button").click();
    await this.page.getByTestId("desk-back").waitFor();
  }
  steps() {
    return this.page.getByTestId("desk-step");
  }
  /** Takes the next step with a note; waits until it is listed. */
  async takeStep(step, note) {
    const before = await this.steps().count();
    const button = this.page.locator(`[data-testid=take-step][data-step=${step}]`);
    await button.waitFor();
    await this.page.getByTestId("step-note").fill(note);
    await button.click();
    await this.page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=desk-step]").length === n,
      before + 1,
      { timeout: 20000 }
    );
  }
  done() {
    return this.page.getByTestId("desk-done");
  }
}

export class AccountsPage {
  constructor(page) {
    this.page = page;
  }
  async open() {
    await new DeskNav(this.page).open("accounts");
    await this.page.getByTestId("admin-users").locator("[data-testid=account]").first().waitFor({ timeout: 20000 });
  }
  account(username) {
    return this.page.locator(`[data-testid=account][data-username="${username}"]`);
  }
  async toggle(username) {
    const was = await this.account(username).getAttribute("data-disabled");
    await this.account(username).getByTestId("account-toggle").click();
    const want = was === "true" ? "false" : "true";
    await this.page
      .locator(`[data-testid=account][data-username="${username}"][data-disabled="${want}"]`)
      .waitFor({ timeout: 20000 });
  }
  async resetPassword(username, temp) {
    const row = this.account(username);
    await row.getByTestId("account-reset").click();
    await row.getByTestId("account-temp-password").fill(temp);
    await row.getByTestId("account-reset-save").click();
  }
}

export class SetPasswordPage {
  constructor(page) {
    this.page = page;
  }
  async waitFor() {
    await this.page.getByTestId("set-password").waitFor({ timeout: 20000 });
  }
  async set(current, next) {
    await this.page.fill("#pw-current", current);
    await this.page.fill("#pw-new", next);
    await this.page.fill("#pw-again", next);
    await this.page.click("[data-testid=set-password] button[type=submit]");
  }
}
