//! `sothon-server import communes FILE` / `import villages FILE`: the
//! administrative units from CSV, checked whole before anything is written.
//!
//! Formats (UTF-8, comma-separated, a header line first, fields may be
//! quoted with `"` as in RFC 4180; blank lines are skipped):
//!
//! ```text
//! communes.csv: province_id,province_name,commune_id,commune_name
//!               tinh-thai-nguyen,Tỉnh Thái Nguyên,phong-quang,Xã Phong Quang
//! villages.csv: commune_id,village_id,village_name
//!               phong-quang,pq-t01,Thôn Bản Chang
//! ```
//!
//! The province columns may be empty (a commune under no province). Ids are
//! 1–40 characters of a–z, 0–9 and `-`; names as the app takes them (1–100
//! characters, no control characters, invisible ends trimmed). Importing the
//! same file again changes nothing; a line whose unit exists with another
//! name renames it. One bad line (with its number and the reason) and
//! nothing is imported.

use crate::db::accounts::{valid_unit_id, MAX_NAME};
use sothon_domain::names::{check_name, clean_name};
use std::collections::HashMap;

/// A line that cannot be imported, numbered from 1 (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub reason: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "dòng {}: {}", self.line, self.reason)
    }
}

/// A commune to import, with its province if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneLine {
    pub line: usize,
    pub province: Option<(String, String)>,
    pub id: String,
    pub name: String,
}

/// A village to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageLine {
    pub line: usize,
    pub commune: String,
    pub id: String,
    pub name: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub added: usize,
    pub renamed: usize,
    pub unchanged: usize,
}

pub const COMMUNES_HEADER: [&str; 4] = ["province_id", "province_name", "commune_id", "commune_name"];
pub const VILLAGES_HEADER: [&str; 3] = ["commune_id", "village_id", "village_name"];

/// The fields of each non-blank line, with its number. A quote left open
/// is an error of the line it opened on.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, LineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut fields, mut field, mut quoted, mut was_quoted) = (Vec::new(), String::new(), false, false);
    let (mut line, mut start) = (1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                fields.push(std::mem::take(&mut field));
                if !(fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted) {
                    out.push((start, std::mem::take(&mut fields)));
                }
                fields.clear();
                was_quoted = false;
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(LineError { line: start, reason: "dấu ngoặc kép (\") mở mà không đóng".into() });
    }
    fields.push(field);
    if !(fields.len() == 1 && fields[0].trim().is_empty() && !was_quoted) {
        out.push((start, fields));
    }
    Ok(out)
}

fn check_header(rows: &[(usize, Vec<String>)], want: &[&str]) -> Result<(), LineError> {
    let got: Vec<&str> = rows.first().map(|(_, f)| f.iter().map(|s| s.trim()).collect()).unwrap_or_default();
    if got != want {
        return Err(LineError { line: 1, reason: format!("dòng tiêu đề phải là «{}»", want.join(",")) });
    }
    Ok(())
}

fn id(line: usize, what: &str, s: &str, errs: &mut Vec<LineError>) -> String {
    let s = s.trim();
    if !valid_unit_id(s) {
        errs.push(LineError {
            line, reason: format!("mã {what} «{s}» không hợp lệ (1–40 ký tự a–z, 0–9, dấu -)")
        });
    }
    s.to_string()
}

fn name(line: usize, what: &str, s: &str, errs: &mut Vec<LineError>) -> String {
    // The same rule as a name typed in the app (`POST /api/v1/villages`).
    if check_name("name", s, MAX_NAME, "").is_some() {
        errs.push(LineError {
            line,
            reason: format!("tên {what} phải có 1–{MAX_NAME} ký tự, không có ký tự điều khiển"),
        });
    }
    clean_name(s).to_string()
}

fn width(line: usize, fields: &[String], n: usize, errs: &mut Vec<LineError>) -> bool {
    if fields.len() != n {
        errs.push(LineError { line, reason: format!("cần {n} cột, có {}", fields.len()) });
        return false;
    }
    true
}

/// Parses and checks `communes.csv`: every error, or every line.
pub fn parse_communes(text: &str) -> Result<Vec<CommuneLine>, Vec<LineError>> {
    let rows = records(text).map_err(|e| vec![e])?;
    check_header(&rows, &COMMUNES_HEADER).map_err(|e| vec![e])?;
    let (mut errs, mut out) = (Vec::new(), Vec::new());
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut provinces: HashMap<String, (String, usize)> = HashMap::new();
    for (line, f) in rows.into_iter().skip(1) {
        if !width(line, &f, 4, &mut errs) {
            continue;
        }
        let province = match (f[0].trim(), f[1].trim()) {
            ("", "") => None,
            (p, n) => {
                let p = id(line, "tỉnh", p, &mut errs);
                let n = name(line, "tỉnh", n, &mut errs);
                match provinces.get(&p) {
                    Some((other, first)) if *other != n => errs.push(LineError {
                        line,
                        reason: format!("tỉnh {p} đã có tên khác ở dòng {first} («{other}»)"),
                    }),
                    _ => {
                        provinces.entry(p.clone()).or_insert((n.clone(), line));
                    }
                }
                Some((p, n))
            }
        };
        let cid = id(line, "xã", &f[2], &mut errs);
        let cname = name(line, "xã", &f[3], &mut errs);
        if let Some(first) = seen.insert(cid.clone(), line) {
            errs.push(LineError { line, reason: format!("xã {cid} đã có ở dòng {first}") });
        }
        out.push(CommuneLine { line, province, id: cid, name: cname });
    }
    for c in &out {
        if provinces.contains_key(&c.id) {
            errs.push(LineError { line: c.line, reason: format!("mã {} vừa là tỉnh vừa là xã", c.id) });
        }
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        errs.sort_by_key(|e| e.line);
        Err(errs)
    }
}

/// Parses and checks `villages.csv` (whether each commune exists is for the
/// database to say).
pub fn parse_villages(text: &str) -> Result<Vec<VillageLine>, Vec<LineError>> {
    let rows = records(text).map_err(|e| vec![e])?;
    check_header(&rows, &VILLAGES_HEADER).map_err(|e| vec![e])?;
    let (mut errs, mut out) = (Vec::new(), Vec::new());
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for (line, f) in rows.into_iter().skip(1) {
        if !width(line, &f, 3, &mut errs) {
            continue;
        }
        let commune = id(line, "xã", &f[0], &mut errs);
        let vid = id(line, "thôn", &f[1], &mut errs);
        let vname = name(line, "thôn", &f[2], &mut errs);
        if let Some(first) = seen.insert((commune.clone(), vid.clone()), line) {
            errs.push(LineError {
                line, reason: format!("thôn {vid} của xã {commune} đã có ở dòng {first}")
            });
        }
        out.push(VillageLine { line, commune, id: vid, name: vname });
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMUNES: &str = "province_id,province_name,commune_id,commune_name\n\
        tinh-tn,Tỉnh Thái Nguyên,phong-quang,Xã Phong Quang\n\
        tinh-tn,Tỉnh Thái Nguyên,\"xa-b\",\"Xã \"\"Bê\"\", mới\"\r\n\
        \n\
        ,,xa-le,Xã Lẻ\n";

    #[test]
    fn communes_parse_with_quotes_crlf_blank_lines_and_no_province() {
        let c = parse_communes(COMMUNES).unwrap();
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].province, Some(("tinh-tn".into(), "Tỉnh Thái Nguyên".into())));
        assert_eq!((c[1].id.as_str(), c[1].name.as_str(), c[1].line), ("xa-b", "Xã \"Bê\", mới", 3));
        assert_eq!((c[2].province.clone(), c[2].line), (None, 5));
    }

    #[test]
    fn every_bad_line_is_named_with_its_reason() {
        let text = "province_id,province_name,commune_id,commune_name\n\
            tinh-tn,Tỉnh Thái Nguyên,phong-quang,Xã Phong Quang\n\
            tinh-tn,Tỉnh Khác,xa-b,Xã B\n\
            ,,Xa C,Xã C\n\
            ,,phong-quang,Lần nữa\n\
            ,,xa-d\n\
            ,,xa-e,\n";
        let e = parse_communes(text).unwrap_err();
        let lines: Vec<usize> = e.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7], "{e:?}");
        assert!(e[0].reason.contains("dòng 2"), "{}", e[0]);
        assert!(e[1].reason.contains("Xa C"));
        assert!(e[3].reason.contains("cần 4 cột"));
        assert_eq!(e[0].to_string().split(':').next(), Some("dòng 3"));
    }

    #[test]
    fn a_wrong_header_or_an_open_quote_is_refused() {
        assert_eq!(parse_villages("village_id,commune_id,village_name\n").unwrap_err()[0].line, 1);
        let e = parse_villages("commune_id,village_id,village_name\npq,pq-t01,\"Thôn\n").unwrap_err();
        assert_eq!((e[0].line, e[0].reason.contains("ngoặc")), (2, true));
        let e = parse_villages("commune_id,village_id,village_name\npq,t1,A\npq,t1,B\n").unwrap_err();
        assert_eq!(e[0].line, 3);
    }

    #[test]
    fn a_byte_order_mark_and_a_missing_last_newline_are_fine() {
        let v = parse_villages("\u{feff}commune_id,village_id,village_name\npq,pq-t01,Thôn Một").unwrap();
        assert_eq!(
            v,
            vec![VillageLine { line: 2, commune: "pq".into(), id: "pq-t01".into(), name: "Thôn Một".into() }]
        );
    }
}
