// The office's figures, charts, exports and targets: figures say how many
// villages they cover and leave a target unjudged until every village is in;
// the XLSX and CSV downloads are real files; the admin's bad target is
// refused in Vietnamese; every screen passes axe and fits 360 px.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { api, closeEnv, openEnv, phone } from "./helpers.mjs";
import { axeViolations, horizontalOverflow, LoginPage } from "./pages.mjs";
import { FiguresPage, OfficeTabs, seed, TargetsPage } from "./pages-reports.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
  await seed(server);
});
after(() => closeEnv({ server, browser }));

async function office(username, viewport) {
  const ctx = await phone(browser, server, viewport ? { viewport } : {});
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login(username, "phongquang2026");
  await page.getByTestId("office-villages").waitFor();
  return { ctx, page };
}

test("figures with coverage, a chart, downloads as real XLSX and CSV, at 360 px", async () => {
  const { ctx, page } = await office("canbo");
  await new OfficeTabs(page).open("figures");
  const figures = new FiguresPage(page);
  await figures.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-key="pop"] [data-testid=coverage]')?.textContent === "2/5 thôn");
  assert.match(await figures.row("pop").textContent(), /805 người/);
  // 797 insured of 805: a target figure, but 3 villages are missing — not judged.
  assert.match(await figures.row("bhyt_rate").textContent(), /99 %.*chưa đủ số liệu/);
  await figures.chartIndicator("pop");
  await page.waitForFunction(() =>
    document.querySelector("[data-testid=bar-chart]")?.getAttribute("aria-label")?.includes("Thôn Bản Chang (mẫu): 505 người"),
  );
  assert.match(await figures.barChart().getAttribute("aria-label"), /Thôn Cốc Lùng \(mẫu\): chưa có số liệu/);
  assert.equal(await figures.barChart().getAttribute("role"), "img");
  await figures.lineCharts().first().waitFor();
  assert.deepEqual(await axeViolations(page), []);
  assert.equal(await horizontalOverflow(page), 0);

  const xlsx = await figures.download("reports", "xlsx");
  assert.equal(xlsx.bytes.subarray(0, 2).toString("latin1"), "PK");
  assert.match(xlsx.name, /^Báo cáo các thôn - Xã Phong Quang - Tháng \d+-\d{4}\.xlsx$/);
  const csv = await figures.download("aggregate", "csv");
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = csv.bytes.subarray(3).toString("utf8");
  assert.equal(text.split("\r\n")[0], "Nhóm nhiệm vụ,Chỉ tiêu,Đơn vị,Toàn xã,Số thôn có số liệu,Số thôn");
  assert.match(text, /,Dân số của thôn,người,805,2,5\r\n/);

  // Approved reports only: none is approved yet.
  await figures.approvedOnly(true);
  await page.waitForFunction(() => document.querySelector('[data-key="pop"] [data-testid=coverage]')?.textContent === "0/5 thôn");
  await ctx.close();
});

test("at a desk the figures and the charts sit side by side", async () => {
  const { ctx, page } = await office("canbo", { width: 1366, height: 900 });
  await new OfficeTabs(page).open("figures");
  await new FiguresPage(page).waitFor();
  const table = await page.locator(".table-wrap").boundingBox();
  const charts = await page.locator(".charts").boundingBox();
  assert.ok(charts.x > table.x + table.width - 1, `charts at ${charts.x}, table ends at ${table.x + table.width}`);
  assert.ok(table.width > 500, `table ${table.width} px wide`);
  assert.equal(await horizontalOverflow(page), 0);
  await ctx.close();
});

test("the admin enters a target; a bad value is refused in Vietnamese and nothing is saved", async () => {
  const { ctx, page } = await office("quantri");
  await new OfficeTabs(page).open("targets");
  const targets = new TargetsPage(page);
  await targets.waitFor();
  // The sample targets: ds_sessions ≥ 60 this year, from 2 of 5 villages — not judged.
  assert.equal(await targets.item("ds_sessions").getAttribute("data-verdict"), "incomplete");
  assert.deepEqual(await axeViolations(page), []);
  assert.equal(await horizontalOverflow(page), 0);

  await targets.setTarget("preschool_rate", "nhiều lắm");
  await page.waitForFunction(() => document.querySelector("[data-testid=target-error]")?.textContent.includes("Mục tiêu phải là một số"));
  await targets.setTarget("preschool_rate", "120");
  await page.waitForFunction(() =>
    document.querySelector("[data-testid=target-error]")?.textContent.includes("Mục tiêu không được lớn hơn 100"),
  );
  const year = Number(await page.getByTestId("targets-year").inputValue());
  let all = (await api(server.url, `/api/v1/targets?year=${year}`)).json;
  assert.equal(all.targets.filter((t) => t.indicator === "preschool_rate").length, 0, "nothing written");

  await targets.setTarget("preschool_rate", "97,5");
  await targets.item("preschool_rate").waitFor();
  assert.match(await targets.item("preschool_rate").textContent(), /≥ 97,5 %/);
  assert.equal(await targets.error().textContent(), "");
  all = (await api(server.url, `/api/v1/targets?year=${year}`)).json;
  assert.equal(all.targets.find((t) => t.indicator === "preschool_rate" && t.year === year).value, 97.5);
  await ctx.close();
});
