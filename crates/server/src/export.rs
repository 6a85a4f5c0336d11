//! Exports for the commune office (`GET /api/v1/export/{what}`): one table
//! ([`Sheet`]) of raw reports, incidents, activities or the commune figures,
//! written as CSV or XLSX.
//!
//! * **CSV**: UTF-8 with a byte-order mark (without it Excel reads the file
//!   as the machine's ANSI code page and Vietnamese turns to mojibake), RFC
//!   4180 quoting, comma-separated, CRLF. Numbers are plain (`1234.5`, no
//!   grouping) so that any program reads them back as numbers.
//! * **XLSX** (rust_xlsxwriter): real number cells, the header row bold and
//!   frozen, an autofilter over the table, set column widths. Number formats
//!   are `#,##0` (counts), `#,##0.00` (decimals) and `0.0%` (rates, stored
//!   as fractions). A format code's `,` and `.` are placeholders, not
//!   characters: Excel shows them with the reader's own separators, so a
//!   Vietnamese Windows shows `1.234` and `95,2%`, an English one `1,234`.
//!   Writing the Vietnamese separators as literal text would make the cells
//!   text, or show `1.234` as one point two in an English Excel.

use crate::db::figures::Stored;
use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use sothon_domain::api::CommuneFigures;
use sothon_domain::catalogue::{Catalogue, Indicator, Kind};
use sothon_domain::format::{date_vi, datetime_vi};
use sothon_domain::protocol::{Body, RecordState};
use sothon_domain::record::Value;
use sothon_domain::{Period, PeriodKind};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A whole number (`#,##0`).
    Int(f64),
    /// A decimal (`#,##0.00`).
    Dec(f64),
    /// A rate in percent (95.2), written as the fraction 0.952 with `0.0%`.
    Pct(f64),
    Empty,
}

/// A column: its Vietnamese header and its width in characters.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub header: String,
    pub width: f64,
}

/// One table to export.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The worksheet's name (at most 31 characters).
    pub name: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

/// What can be exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    Reports,
    Incidents,
    Activities,
    Aggregate,
}

impl What {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reports" => Some(What::Reports),
            "incidents" => Some(What::Incidents),
            "activities" => Some(What::Activities),
            "aggregate" => Some(What::Aggregate),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            What::Reports => "reports",
            What::Incidents => "incidents",
            What::Activities => "activities",
            What::Aggregate => "aggregate",
        }
    }

    /// The file's Vietnamese title.
    pub fn title(self) -> &'static str {
        match self {
            What::Reports => "Báo cáo các thôn",
            What::Incidents => "Sự cố",
            What::Activities => "Hoạt động Tổ công nghệ số",
            What::Aggregate => "Số liệu tổng hợp",
        }
    }
}

/// `csv` or `xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    pub fn ext(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// A record state in Vietnamese.
pub fn state_vi(s: RecordState) -> &'static str {
    match s {
        RecordState::Received => "Xã đã nhận",
        RecordState::Returned => "Đã trả lại",
        RecordState::Approved => "Đã duyệt",
        RecordState::Conflict => "Có xung đột",
    }
}

fn col(header: &str, width: f64) -> Column {
    Column { header: header.to_string(), width }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

/// An indicator's header: its label and unit ("Đường bê tông hóa (km)").
pub fn header_of(ind: &Indicator) -> String {
    match (ind.kind, ind.unit.as_str()) {
        (Kind::Rate, _) => format!("{} (%)", ind.vi),
        (_, "") => ind.vi.clone(),
        (_, u) => format!("{} ({u})", ind.vi),
    }
}

/// One village's value of `ind` as a cell.
fn value_cell(cat: &Catalogue, ind: &Indicator, values: &std::collections::BTreeMap<String, Value>) -> Cell {
    if ind.kind == Kind::Rate {
        return cat.rate(ind, values).map_or(Cell::Empty, Cell::Pct);
    }
    match (ind.kind, values.get(&ind.key)) {
        (_, None) => Cell::Empty,
        (Kind::Count, Some(v)) => v.as_num().map_or(Cell::Empty, Cell::Int),
        (Kind::Decimal, Some(v)) => v.as_num().map_or(Cell::Empty, Cell::Dec),
        (Kind::Bool, Some(Value::Bool(b))) => text(if *b { "Có" } else { "Không" }),
        (Kind::Choice, Some(Value::Text(k))) => {
            text(ind.choices.iter().find(|c| &c.key == k).map_or(k.as_str(), |c| c.vi.as_str()))
        }
        (_, Some(Value::Text(s))) => text(s.clone()),
        (_, Some(v)) => v.as_num().map_or(Cell::Empty, Cell::Dec),
    }
}

/// The raw reports of a period: one row per village report, one column per
/// indicator the period asks for (rates computed), then the village's words.
pub fn reports_sheet(cat: &Catalogue, kind: PeriodKind, stored: &[Stored]) -> Sheet {
    let asked: Vec<&Indicator> = cat.asked(kind).collect();
    let mut columns = vec![
        col("Mã thôn", 10.0),
        col("Tên thôn", 24.0),
        col("Kỳ báo cáo", 14.0),
        col("Trạng thái", 14.0),
        col("Mã biên nhận", 14.0),
        col("Xã nhận lúc", 18.0),
    ];
    columns.extend(asked.iter().map(|i| col(&header_of(i), 18.0)));
    columns.push(col("Khó khăn, vướng mắc", 40.0));
    columns.push(col("Kiến nghị, đề xuất", 40.0));
    let rows = stored
        .iter()
        .filter_map(|s| {
            let Body::Report(r) = &s.body else { return None };
            let mut row = vec![
                text(&s.village),
                text(&s.village_name),
                text(r.period.label_vi()),
                text(state_vi(s.state)),
                text(&s.receipt),
                text(datetime_vi(s.received_at)),
            ];
            row.extend(asked.iter().map(|i| value_cell(cat, i, &r.values)));
            row.push(text(&r.difficulties));
            row.push(text(&r.proposals));
            Some(row)
        })
        .collect();
    Sheet { name: "Báo cáo".into(), columns, rows }
}

/// The incidents dated in a period, oldest first.
pub fn incidents_sheet(stored: &[Stored]) -> Sheet {
    let columns = vec![
        col("Mã thôn", 10.0),
        col("Tên thôn", 24.0),
        col("Loại sự cố", 22.0),
        col("Mức độ", 14.0),
        col("Thời điểm", 18.0),
        col("Số người bị ảnh hưởng", 12.0),
        col("Số hộ bị ảnh hưởng", 12.0),
        col("Mô tả", 50.0),
        col("Trạng thái", 14.0),
        col("Mã biên nhận", 14.0),
    ];
    let mut list: Vec<(&Stored, &sothon_domain::Incident)> = stored
        .iter()
        .filter_map(|s| match &s.body {
            Body::Incident(i) => Some((s, i)),
            _ => None,
        })
        .collect();
    list.sort_by_key(|(s, i)| (i.at, s.id.clone()));
    let n = |x: Option<u32>| x.map_or(Cell::Empty, |x| Cell::Int(f64::from(x)));
    let rows = list
        .into_iter()
        .map(|(s, i)| {
            let people = i.followups.iter().rev().find_map(|f| f.people).or(i.people);
            let households = i.followups.iter().rev().find_map(|f| f.households).or(i.households);
            vec![
                text(&s.village),
                text(&s.village_name),
                text(i.kind.label_vi()),
                text(i.severity.label_vi()),
                text(datetime_vi(i.at)),
                n(people),
                n(households),
                text(&i.description),
                text(state_vi(s.state)),
                text(&s.receipt),
            ]
        })
        .collect();
    Sheet { name: "Sự cố".into(), columns, rows }
}

/// The digital team's activities of a period, by date.
pub fn activities_sheet(stored: &[Stored]) -> Sheet {
    let columns = vec![
        col("Mã thôn", 10.0),
        col("Tên thôn", 24.0),
        col("Ngày", 12.0),
        col("Chủ đề", 30.0),
        col("Người tham dự", 12.0),
        col("Người được giúp dùng DVC trực tuyến", 16.0),
        col("Ghi chú", 40.0),
    ];
    let mut list: Vec<(&Stored, &sothon_domain::Activity)> = stored
        .iter()
        .filter_map(|s| match &s.body {
            Body::Activity(a) => Some((s, a)),
            _ => None,
        })
        .collect();
    list.sort_by_key(|(s, a)| (a.date, s.id.clone()));
    let rows = list
        .into_iter()
        .map(|(s, a)| {
            vec![
                text(&s.village),
                text(&s.village_name),
                text(date_vi(a.date)),
                text(a.topic.label_vi()),
                Cell::Int(f64::from(a.participants)),
                Cell::Int(f64::from(a.helped)),
                text(&a.note),
            ]
        })
        .collect();
    Sheet { name: "Hoạt động".into(), columns, rows }
}

/// The commune figures: one row per numeric indicator, under its group.
pub fn aggregate_sheet(cat: &Catalogue, f: &CommuneFigures) -> Sheet {
    let columns = vec![
        col("Nhóm nhiệm vụ", 40.0),
        col("Chỉ tiêu", 48.0),
        col("Đơn vị", 10.0),
        col("Toàn xã", 14.0),
        col("Số thôn có số liệu", 12.0),
        col("Số thôn", 10.0),
    ];
    let rows = f
        .aggregates
        .iter()
        .filter_map(|a| {
            let ind = cat.indicator(&a.key)?;
            let group = cat.group(&ind.group).map_or(ind.group.clone(), |g| g.vi.clone());
            let value = match (ind.kind, a.number()) {
                (_, None) if ind.agg == sothon_domain::catalogue::Agg::List => return None,
                (_, None) => Cell::Empty,
                (Kind::Rate, Some(x)) => Cell::Pct(x),
                (Kind::Bool, Some(x)) => text(if x >= 1.0 { "Có" } else { "Không" }),
                (Kind::Count, Some(x)) => Cell::Int(x),
                (_, Some(x)) => Cell::Dec(x),
            };
            let unit = if ind.kind == Kind::Rate { "%".to_string() } else { ind.unit.clone() };
            Some(vec![
                text(group),
                text(&ind.vi),
                text(unit),
                value,
                Cell::Int(a.villages_reporting as f64),
                Cell::Int(a.villages_total as f64),
            ])
        })
        .collect();
    Sheet { name: "Tổng hợp".into(), columns, rows }
}

/// The sheet as CSV bytes (see the module doc).
pub fn to_csv(sheet: &Sheet) -> Vec<u8> {
    fn field(s: &str) -> String {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    }
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = sheet.columns.iter().map(|c| field(&c.header)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &sheet.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| match c {
                Cell::Text(s) => field(s),
                Cell::Int(x) | Cell::Dec(x) | Cell::Pct(x) => format!("{}", sothon_domain::catalogue::round6(*x)),
                Cell::Empty => String::new(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The sheet as an XLSX workbook (see the module doc).
pub fn to_xlsx(sheet: &Sheet) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name.chars().take(31).collect::<String>())?;
    let head = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top).set_background_color(0xE8EEF4);
    let int = Format::new().set_num_format("#,##0");
    let dec = Format::new().set_num_format("#,##0.00");
    let pct = Format::new().set_num_format("0.0%");
    for (c, column) in sheet.columns.iter().enumerate() {
        let c = u16::try_from(c).map_err(|_| XlsxError::ParameterError("too many columns".into()))?;
        ws.write_string_with_format(0, c, &column.header, &head)?;
        ws.set_column_width(c, column.width)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::ParameterError("too many rows".into()))?;
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| XlsxError::ParameterError("too many columns".into()))?;
            match cell {
                Cell::Text(s) if !s.is_empty() => {
                    ws.write_string(r, c, s)?;
                }
                Cell::Int(x) => {
                    ws.write_number_with_format(r, c, *x, &int)?;
                }
                Cell::Dec(x) => {
                    ws.write_number_with_format(r, c, *x, &dec)?;
                }
                Cell::Pct(x) => {
                    ws.write_number_with_format(r, c, *x / 100.0, &pct)?;
                }
                Cell::Text(_) | Cell::Empty => {}
            }
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = u16::try_from(sheet.columns.len().max(1) - 1).unwrap_or(0);
    let last_row = u32::try_from(sheet.rows.len()).unwrap_or(0);
    ws.autofilter(0, 0, last_row, last_col)?;
    wb.save_to_buffer()
}

/// A file name in plain ASCII (letters, digits, `-`, `_`, `.`), for the
/// `filename=` fallback of `Content-Disposition`.
pub fn ascii_name(what: What, commune: &str, period: Period, fmt: FileFormat) -> String {
    let clean: String = commune.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    format!("sothon-{}-{clean}-{period}.{}", what.as_str(), fmt.ext())
}

/// The Vietnamese file name: "Báo cáo các thôn - Xã Phong Quang - Tháng 11-2026.xlsx".
pub fn vi_name(what: What, commune_name: &str, period: Period, fmt: FileFormat) -> String {
    let name = format!("{} - {} - {}.{}", what.title(), commune_name.trim(), period.label_vi(), fmt.ext());
    name.chars()
        .map(|c| if matches!(c, '/' | '\\' | ':' | '"' | '*' | '?' | '<' | '>' | '|') { '-' } else { c })
        .collect()
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266, RFC 5987).
pub fn content_disposition(ascii: &str, utf8: &str) -> String {
    let mut enc = String::new();
    for b in utf8.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            enc.push(char::from(b));
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            name: "Thử".into(),
            columns: vec![col("Tên thôn", 20.0), col("Dân số", 10.0)],
            rows: vec![vec![text("Thôn \"Nà\" Pài, xóm 1"), Cell::Int(1234.0)], vec![text("Bản Chang"), Cell::Empty]],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_plain_numbers() {
        let csv = String::from_utf8(to_csv(&sheet())).unwrap();
        assert!(csv.starts_with('\u{feff}'));
        assert_eq!(csv, "\u{feff}Tên thôn,Dân số\r\n\"Thôn \"\"Nà\"\" Pài, xóm 1\",1234\r\nBản Chang,\r\n");
    }

    #[test]
    fn xlsx_is_a_zip() {
        let bytes = to_xlsx(&sheet()).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    #[test]
    fn file_names_in_ascii_and_utf8() {
        let p = Period::parse("2026-Q4").unwrap();
        assert_eq!(ascii_name(What::Reports, "pq", p, FileFormat::Xlsx), "sothon-reports-pq-2026-Q4.xlsx");
        let vi = vi_name(What::Aggregate, "Xã Phong Quang", Period::parse("2026-11").unwrap(), FileFormat::Csv);
        assert_eq!(vi, "Số liệu tổng hợp - Xã Phong Quang - Tháng 11-2026.csv");
        let cd = content_disposition("a.csv", "Sự cố.csv");
        assert_eq!(cd, "attachment; filename=\"a.csv\"; filename*=UTF-8''S%E1%BB%B1%20c%E1%BB%91.csv");
        assert_eq!(What::parse("reports"), Some(What::Reports));
        assert_eq!(What::parse("passwords"), None);
        assert_eq!(FileFormat::parse("pdf"), None);
    }
}
