// The printable periodic report (Nghị định 30/2020/NĐ-CP) as Chromium
// prints it: an A4 PDF whose page count, header texts, margins, page numbers
// (from page 2, centred in the top margin) and font are checked with
// poppler's pdftotext -bbox and pdffonts; a screenshot and the PDF are kept
// under target/.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ROOT, closeEnv, openEnv, phone } from "./helpers.mjs";
import { axeViolations, horizontalOverflow, LoginPage } from "./pages.mjs";
import { OfficeTabs, PrintPage, seed } from "./pages-reports.mjs";

let server, browser;
before(async () => {
  ({ server, browser } = await openEnv());
  await seed(server);
});
after(() => closeEnv({ server, browser }));

const MM = 72 / 25.4;
// pdftotext splits some bold words at accented glyphs ("C Ộ NG HÒA"): compare without spaces.
const squash = (s) => s.replace(/\s+/g, "");

/** Words of each page with their boxes, from `pdftotext -bbox`. */
function words(pdfPath) {
  const html = execFileSync("pdftotext", ["-bbox", pdfPath, "-"], { encoding: "utf8" });
  const pages = [];
  for (const p of html.split("<page ").slice(1)) {
    const [, w, h] = p.match(/width="([\d.]+)" height="([\d.]+)"/);
    const ws = [...p.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)].map(
      (m) => ({ x0: +m[1], y0: +m[2], x1: +m[3], y1: +m[4], text: m[5] }),
    );
    pages.push({ width: +w, height: +h, words: ws });
  }
  return pages;
}

test("the periodic report prints as an A4 document in the NĐ 30/2020 layout", async () => {
  const ctx = await phone(browser, server);
  const page = await ctx.newPage();
  await page.goto(ctx.url);
  await new LoginPage(page).login("canbo", "phongquang2026");
  await page.getByTestId("office-villages").waitFor();
  await new OfficeTabs(page).openPrint();
  const report = new PrintPage(page);
  await page.waitForFunction(() => document.querySelector("[data-testid=print-doc]")?.textContent.includes("Sóng điện thoại yếu"));
  assert.deepEqual(await axeViolations(page), []);
  assert.equal(await horizontalOverflow(page), 0);
  await report.chooseSigner("vice");
  await page.waitForFunction(() => document.querySelector("[data-testid=print-signer-lines]")?.textContent.includes("PHÓ CHỦ TỊCH"));
  // The office types next period's tasks — enough of them to need a second page.
  const tasks = ["1. Đôn đốc 3 thôn chưa báo cáo."];
  for (let i = 2; i <= 30; i++) {
    tasks.push(`${i}. Kiểm tra, hướng dẫn các thôn hoàn thiện số liệu nhóm nhiệm vụ số ${i}, báo cáo kết quả về Văn phòng HĐND và UBND xã trước ngày 05 của tháng sau.`);
  }
  await report.typeTasks(tasks.join("\n"));

  await page.setViewportSize({ width: 1000, height: 1400 });
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: join(ROOT, "target/office-print.png"), fullPage: true });
  const pdf = await page.pdf({ format: "A4", preferCSSPageSize: true, printBackground: false });
  const pdfPath = join(ROOT, "target/office-print.pdf");
  writeFileSync(pdfPath, pdf);
  await ctx.close();

  const pages = words(pdfPath);
  assert.ok(pages.length >= 2 && pages.length <= 8, `${pages.length} pages`);
  for (const p of pages) {
    assert.ok(Math.abs(p.width - 595.28) < 1 && Math.abs(p.height - 841.89) < 1, `A4 portrait: ${p.width}×${p.height}`);
  }
  const first = pages[0];
  const text1 = first.words.map((w) => w.text).join(" ");
  for (const s of ["ỦY BAN NHÂN DÂN", "XÃ PHONG QUANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO", "/BC-UBND"]) {
    assert.ok(squash(text1).includes(squash(s)), `page 1 says ${s}: ${text1.slice(0, 300)}`);
  }
  assert.match(text1, /Phong Quang, ngày \d{2} tháng \d{1,2} năm \d{4}/);
  const all = pages.map((p) => p.words.map((w) => w.text).join(" ")).join(" ");
  for (const s of ["Nơi nhận:", "Lưu: VT, VP.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Đôn đốc 3 thôn chưa báo cáo.", "Sóng điện thoại yếu ở xóm trong"]) {
    assert.ok(squash(all).includes(squash(s)), `the report says ${s}`);
  }
  assert.ok(!squash(all).includes(squash("In hoặc lưu PDF")), "the toolbar is not printed");

  // Margins: left 30 mm, right 15 mm, top and bottom 20 mm (NĐ 30: 30–35, 15–20, 20–25).
  // Word boxes come from the font's ascent, which reaches a little above the
  // CSS line box: 1.5 mm of slack at the top. The page number sits near 10 mm.
  const body = (p) => p.words.filter((w) => w.y0 > 17 * MM);
  for (const p of pages) {
    const ws = body(p);
    const left = Math.min(...ws.map((w) => w.x0));
    const right = Math.max(...ws.map((w) => w.x1));
    const bottom = Math.max(...ws.map((w) => w.y1));
    assert.ok(left >= 30 * MM - 1 && left <= 30 * MM + 3, `left margin ${(left / MM).toFixed(1)} mm`);
    assert.ok(right <= p.width - 15 * MM + 1, `right margin ${((p.width - right) / MM).toFixed(1)} mm`);
    assert.ok(bottom <= p.height - 20 * MM + 1, `bottom margin ${((p.height - bottom) / MM).toFixed(1)} mm`);
  }
  const top1 = Math.min(...first.words.map((w) => w.y0));
  assert.ok(top1 >= 18.5 * MM, `page 1 has nothing in its top margin (${(top1 / MM).toFixed(1)} mm)`);
  // Page numbers from page 2, centred in the top margin.
  const centre = (30 * MM + (595.28 - 15 * MM)) / 2;
  for (const [i, p] of pages.entries()) {
    if (i === 0) continue;
    const num = p.words.find((w) => w.y1 < 20 * MM && w.text === String(i + 1));
    assert.ok(num, `page ${i + 1} has its number in the top margin`);
    assert.ok(Math.abs((num.x0 + num.x1) / 2 - centre) < 15, `page number centred: ${(num.x0 + num.x1) / 2} vs ${centre}`);
  }
  const fonts = execFileSync("pdffonts", [pdfPath], { encoding: "utf8" });
  assert.match(fonts, /LiberationSerif|TimesNewRoman|Times-Roman/, fonts);
});
