// Page objects of the office's figures, targets, exports and printable report.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { api, currentMonth } from "./helpers.mjs";

/** The office's pages in its top bar (/office/figures, /office/targets); the print from figures. */
export class OfficeTabs {
  constructor(page) {
    this.page = page;
  }
  async open(tab) {
    await this.page.getByTestId(`tab-${tab}`).click();
  }
  async openPrint() {
    await this.open("figures");
    await this.page.getByTestId("open-print").click();
    await new PrintPage(this.page).waitFor();
  }
}

/** Figures by task group, coverage, charts and exports. */
export class FiguresPage {
  constructor(page) {
    this.page = page;
  }
  async waitFor() {
    await this.page.getByTestId("figures").waitFor();
  }
  row(key) {
    return this.page.locator(`[data-testid=figure-row][data-key="${key}"]`);
  }
  coverage(key) {
    return this.row(key).getByTestId("coverage");
  }
  async approvedOnly(on) {
    await this.page.getByTestId("approved-only").setChecked(on);
  }
  async chartIndicator(key) {
    await this.page.getByTestId("chart-indicator").selectOption(key);
  }
  barChart() {
    return this.page.getByTestId("bar-chart");
  }
  lineCharts() {
    return this.page.getByTestId("line-chart");
  }
  /** Clicks an export button and returns the downloaded file's name and bytes. */
  async download(what, format) {
    const details = this.page.locator("details.exports");
    if (!(await details.evaluate((d) => d.open))) await details.locator("summary").click();
    const [dl] = await Promise.all([
      this.page.waitForEvent("download"),
      this.page.getByTestId(`export-${what}-${format}`).click(),
    ]);
    return { name: dl.suggestedFilename(), bytes: await readFile(await dl.path()) };
  }
}

/** Targets and progress; the admin's entry form. */
export class TargetsPage {
  constructor(page) {
    this.page = page;
  }
  async waitFor() {
    await this.page.getByTestId("targets-screen").waitFor();
    await this.page.getByTestId("progress-item").first().waitFor();
  }
  item(key) {
    return this.page.locator(`[data-testid=progress-item][data-key="${key}"]`);
  }
  async setTarget(indicator, value) {
    await this.page.getByTestId("target-indicator").selectOption(indicator);
    await this.page.getByTestId("target-value").fill(value);
    await this.page.getByTestId("target-save").click();
  }
  error() {
    return this.page.getByTestId("target-error");
  }
}

/** The printable NĐ 30/2020 report. */
export class PrintPage {
  constructor(page) {
    this.page = page;
  }
  async waitFor() {
    await this.page.getByTestId("print-doc").waitFor();
  }
  doc() {
    return this.page.getByTestId("print-doc");
  }
  async chooseSigner(which) {
    await this.page.getByTestId("print-signer").selectOption(which);
  }
  async typeTasks(text) {
    const tasks = this.page.getByTestId("print-tasks");
    await tasks.click();
    await tasks.evaluate((el, t) => {
      el.innerHTML = "";
      for (const line of t.split("\n")) {
        const p = document.createElement("p");
        p.className = "body";
        p.textContent = line;
        el.appendChild(p);
      }
    }, text);
  }
}

/** Two of the five sample villages report this month (hand-computed figures in the assertions). */
export async function seed(server) {
  const period = currentMonth();
  const reports = [
    ["truongthon1", "pq-t01", { pop: 505, bhyt: 500, ds_sessions: 3 }, "Sóng điện thoại yếu ở xóm trong"],
    ["truongthon2", "pq-t02", { pop: 300, bhyt: 297, ds_sessions: 4 }, ""],
  ];
  for (const [username, village, values, difficulties] of reports) {
    const device = `seed-${village}-0001`;
    const res = await api(server.url, "/api/v1/sync", {
      username,
      method: "POST",
      body: {
        v: 1,
        device,
        now: Date.now(),
        push: [
          {
            id: `${device}:1`,
            seq: 1,
            record: `r.${village}.${period}`,
            base: 0,
            at: Date.now(),
            body: { t: "report", village, period, cv: 1, values, difficulties },
          },
        ],
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.results[0].status, "applied", JSON.stringify(res.json));
  }
}

