// Page objects: the tests speak of what a village head does, these know the
// selectors (data-testid and labels).

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
  async waitFor() {
    await this.page.getByTestId("open-report").waitFor({ timeout: 20000 });
  }
  async openCurrentReport() {
    await this.page.getByTestId("open-report").click();
    await this.page.getByTestId("report-form").waitFor();
  }
  async sendNow() {
    await this.page.getByTestId("send-now").click();
  }
  record(id) {
    return this.page.locator(`[data-testid=record][data-record="${id}"]`);
  }
  async recordState(id) {
    return (await this.record(id).getByTestId("record-state").textContent()).trim();
  }
  async waitForState(id, state, timeout = 20000) {
    await this.page.waitForFunction(
      ([id, state]) => document.querySelector(`[data-testid=record][data-record="${id}"]`)?.dataset.state === state,
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
  notice() {
    return this.page.getByTestId("notice");
  }
}
