//! The office's figures beyond one period: by village, trend, targets and
//! progress, exports (read back with calamine and from the sheet XML) and
//! the printable report's data — against a seeded commune whose figures are
//! computed by hand below, and with role and commune limits.

use crate::helpers::*;
use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sothon_domain::{Period, Report, Value as V};
use std::io::{Cursor, Read};

fn month(village: &str, period: &str, pop: f64, bhyt: f64, sessions: f64) -> Report {
    let mut r = Report::new(village, Period::parse(period).unwrap(), 1);
    r.values.insert("pop".into(), V::Num(pop));
    r.values.insert("bhyt".into(), V::Num(bhyt));
    r.values.insert("ds_sessions".into(), V::Num(sessions));
    r
}

/// Five sample villages; reports (hand-computed figures):
///
/// | village | 2026-10               | 2026-11                       |
/// |---------|-----------------------|-------------------------------|
/// | pq-t01  | pop 500, bhyt 480, 2  | pop 505, bhyt 500, 3 sessions |
/// | pq-t02  | —                     | pop 300, bhyt 297, 4          |
/// | pq-t03  | —                     | pop 200, bhyt 160, 5          |
///
/// November: population 1 005 (3/5 villages), insured 957, rate
/// 95,22…%, sessions 12. October: sessions 2 (1/5).
async fn seeded() -> (TestApp, String, String) {
    let app = spawn().await;
    let head1 = app.login("truongthon1").await;
    let head2 = app.login("truongthon2").await;
    let officer = app.login("canbo").await;
    app.push(&head1, PHONE_A, 1, 0, month("pq-t01", "2026-10", 500.0, 480.0, 2.0)).await;
    let mut nov = month("pq-t01", "2026-11", 505.0, 500.0, 3.0);
    nov.difficulties = "Sóng điện thoại yếu ở xóm trong".into();
    nov.proposals = "Xin hỗ trợ xi măng làm đường".into();
    app.push(&head1, PHONE_A, 2, 0, nov).await;
    app.push(&head2, "phone-cccc-0003", 1, 0, month("pq-t02", "2026-11", 300.0, 297.0, 4.0)).await;
    app.push(&officer, "phone-dddd-0004", 1, 0, month("pq-t03", "2026-11", 200.0, 160.0, 5.0)).await;
    let admin = app.login("quantri").await;
    (app, officer, admin)
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_village_and_approved_only_match_hand_computed_figures() {
    let (app, officer, _) = seeded().await;
    let b = app.get_ok(&officer, "/api/v1/aggregate/villages?period=2026-11").await;
    let ids: Vec<&str> = b["villages"].as_array().unwrap().iter().map(|v| v["village"].as_str().unwrap()).collect();
    assert_eq!(ids, ["pq-t01", "pq-t02", "pq-t03", "pq-t04", "pq-t05"]);
    assert_eq!(b["villages"][0]["state"], "received");
    assert_eq!(b["villages"][3]["state"], Value::Null);
    let row = |b: &Value, k: &str| b["rows"].as_array().unwrap().iter().find(|r| r["key"] == k).unwrap().clone();
    let pop = row(&b, "pop");
    assert_eq!(pop["values"], json!([505.0, 300.0, 200.0, null, null]));
    assert_eq!(pop["commune"]["figure"]["number"], 1005.0);
    assert_eq!(
        (pop["commune"]["villages_reporting"].clone(), pop["commune"]["villages_total"].clone()),
        (json!(3), json!(5))
    );
    let rate = row(&b, "bhyt_rate");
    assert_eq!(num(&rate["values"][2]), Some(80.0));
    let commune = num(&rate["commune"]["figure"]["ratio"]["value"]).unwrap();
    assert!((commune - 957.0 / 1005.0 * 100.0).abs() < 1e-9, "{commune}");
    assert!(b["rows"].as_array().unwrap().iter().all(|r| r["key"] != "religion_notes"), "text is not a number");

    // Approve pq-t02's report: with approved reports only, it alone counts.
    let (status, v) = app
        .post_json(&officer, "/api/v1/records/r.pq-t02.2026-11/review", &json!({"decision": "approve", "rev": 1}))
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let b = app.get_ok(&officer, "/api/v1/aggregate/villages?period=2026-11&approved_only=true").await;
    assert_eq!(b["approved_only"], true);
    let pop = row(&b, "pop");
    assert_eq!(pop["values"], json!([null, 300.0, null, null, null]));
    assert_eq!(pop["commune"]["villages_reporting"], 1);
    assert_eq!(b["villages"][1]["state"], "approved");
    assert_eq!(b["villages"][0]["state"], Value::Null, "received, not approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trend_over_the_last_months() {
    let (app, officer, _) = seeded().await;
    let t = app.get_ok(&officer, "/api/v1/aggregate/trend?indicator=ds_sessions&count=3&end=2026-11").await;
    assert_eq!(t["kind"], "month");
    let points: Vec<(String, Option<f64>, i64)> = t["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (p["period"].as_str().unwrap().to_string(), p["value"].as_f64(), p["villages_reporting"].as_i64().unwrap())
        })
        .collect();
    assert_eq!(
        points,
        [
            ("2026-09".to_string(), None, 0),
            ("2026-10".to_string(), Some(2.0), 1),
            ("2026-11".to_string(), Some(12.0), 3)
        ]
    );
    assert!(t["points"].as_array().unwrap().iter().all(|p| p["villages_total"] == 5));
    let q = app.get_ok(&officer, "/api/v1/aggregate/trend?indicator=bhyt_rate&kind=quarter&count=2&end=2026-Q4").await;
    assert_eq!(q["points"][1]["value"], Value::Null, "no quarter report filed");
    // Without `end`, the trend ends with today's month.
    let now = app.get_ok(&officer, "/api/v1/aggregate/trend?indicator=pop").await;
    assert_eq!(now["points"].as_array().unwrap().len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn targets_are_set_by_the_admin_validated_audited_and_judged_on_full_coverage() {
    let (app, officer, admin) = seeded().await;
    // The sample commune's targets are there from the start.
    let t = app.get_ok(&officer, "/api/v1/targets?year=2026").await;
    assert!(t["targets"].as_array().unwrap().len() >= 40, "{}", t["targets"]);
    let progress = |t: &Value, k: &str| t["progress"].as_array().unwrap().iter().find(|p| p["indicator"] == k).cloned();
    // ds_sessions 2026: target ≥ 60; so far t01 2 + 3, t02 4, t03 5 = 14 from 3 of 5 villages.
    let s = progress(&t, "ds_sessions").unwrap();
    assert_eq!((s["target"].as_f64(), s["value"].as_f64()), (Some(60.0), Some(14.0)));
    assert_eq!(s["verdict"], "incomplete", "2 villages have not reported: not judged");
    let order: Vec<&str> = s["villages"].as_array().unwrap().iter().map(|v| v["village"].as_str().unwrap()).collect();
    assert_eq!(order, ["pq-t04", "pq-t05", "pq-t02", "pq-t01", "pq-t03"], "furthest behind first");
    assert_eq!(s["villages"][2]["target"], 12.0, "an even share of 60");

    // The admin sets a new target; the officer may not.
    let body = json!({"indicator": "ds_people", "year": 2027, "value": 1500});
    let before = app.table_counts().await;
    let (status, e) = app.post_json(&officer, "/api/v1/targets", &body).await;
    assert_eq!((status, e["error"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
    let (status, e) =
        app.post_json(&admin, "/api/v1/targets", &json!({"indicator": "bhyt_rate", "year": 2027, "value": 120})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["fields"][0]["field"], "value");
    assert_eq!(e["fields"][0]["message"], "Mục tiêu không được lớn hơn 100");
    assert_eq!(app.table_counts().await, before, "nothing written");
    let (status, v) = app.post_json(&admin, "/api/v1/targets", &body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["op"].as_str(), v["set_by"].as_str()), (Some("ge"), Some("Trần Minh Đức")));
    let (status, _) = app
        .post_json(&admin, "/api/v1/targets", &json!({"indicator": "ds_people", "year": 2027, "value": 1600.0}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let t = app.get_ok(&officer, "/api/v1/targets?year=2027").await;
    let mine: Vec<&Value> = t["targets"].as_array().unwrap().iter().filter(|t| t["indicator"] == "ds_people").collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["value"], 1600.0);
    assert_eq!(progress(&t, "ds_people").unwrap()["verdict"], "no_data", "nobody reported in 2027");
    let audit = app.get_ok(&officer, "/api/v1/audit?action=target").await;
    let details: Vec<&str> = audit.as_array().unwrap().iter().map(|a| a["detail"].as_str().unwrap()).collect();
    assert_eq!(details.len(), 2, "{details:?}");
    assert!(
        details[0].starts_with("Sửa mục tiêu năm 2027") && details[0].contains("1.500 → ≥ 1.600"),
        "{}",
        details[0]
    );
    assert!(details[1].starts_with("Đặt mục tiêu năm 2027"), "{}", details[1]);

    // An officer of another commune sees none of it.
    let other = other_commune_officer(&app).await;
    let t = app.get_ok(&other, "/api/v1/targets?year=2026").await;
    assert_eq!((t["targets"].clone(), t["progress"].clone()), (json!([]), json!([])));
    let b = app.get_ok(&other, "/api/v1/aggregate/villages?period=2026-11").await;
    assert_eq!(b["villages"].as_array().unwrap().len(), 1);
    assert!(b["rows"].as_array().unwrap().iter().all(|r| r["commune"]["villages_reporting"] == 0));
    let res = app.get(&other, "/api/v1/export/reports?period=2026-11&format=csv").await;
    let csv = res.text().await.unwrap();
    assert_eq!(csv.lines().count(), 1, "the header only: {csv}");
}

fn sheet_xml(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_read_back_with_headers_number_cells_frozen_header_and_filter() {
    let (app, officer, _) = seeded().await;
    let res = app.get(&officer, "/api/v1/export/reports?period=2026-11&format=xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let cd = res.headers()[CONTENT_DISPOSITION].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment; filename=\"sothon-reports-phong-quang-2026-11.xlsx\""), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20c%C3%A1c%20th%C3%B4n%20-%20X%C3%A3%20Phong%20Quang"),
        "{cd}"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    assert_eq!(&bytes[..2], b"PK");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), ["Báo cáo"]);
    let range = wb.worksheet_range("Báo cáo").unwrap();
    let header: Vec<String> =
        (0..range.width() as u32).map(|c| range.get_value((0, c)).map(|d| d.to_string()).unwrap_or_default()).collect();
    assert_eq!(&header[..3], ["Mã thôn", "Tên thôn", "Kỳ báo cáo"]);
    assert!(header.contains(&"Khó khăn, vướng mắc".to_string()));
    let col =
        |h: &str| header.iter().position(|x| x == h).unwrap_or_else(|| panic!("no column {h}: {header:?}")) as u32;
    assert_eq!(range.height(), 4, "the header and three villages");
    assert_eq!(range.get_value((1, 0)), Some(&Data::String("pq-t01".into())));
    assert_eq!(range.get_value((1, col("Dân số của thôn (người)"))), Some(&Data::Float(505.0)));
    assert_eq!(range.get_value((3, col("Dân số của thôn (người)"))), Some(&Data::Float(200.0)));
    assert_eq!(
        range.get_value((3, col("Tỷ lệ bao phủ bảo hiểm y tế (%)"))),
        Some(&Data::Float(0.8)),
        "a fraction shown as %"
    );
    assert_eq!(range.get_value((1, col("Trạng thái"))), Some(&Data::String("Xã đã nhận".into())));
    let xml = sheet_xml(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#), "{xml}");
    assert!(xml.contains("<autoFilter ref=\"A1:"), "{xml}");
    assert!(xml.contains("<cols>") && xml.contains("customWidth=\"1\""), "{xml}");
    let styles = sheet_xml(&bytes, "xl/styles.xml");
    assert!(styles.contains(r#"formatCode="0.0%""#) && styles.contains(r##"formatCode="#,##0""##), "{styles}");

    // The aggregate, as CSV with a byte-order mark.
    let res = app.get(&officer, "/api/v1/export/aggregate?period=2026-11&format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next(), Some("Nhóm nhiệm vụ,Chỉ tiêu,Đơn vị,Toàn xã,Số thôn có số liệu,Số thôn"));
    let pop = text.lines().find(|l| l.contains(",Dân số của thôn,")).unwrap();
    assert!(pop.ends_with(",Dân số của thôn,người,1005,3,5"), "{pop}");
    let sessions = text.lines().find(|l| l.contains("Buổi hướng dẫn của Tổ công nghệ số cộng đồng")).unwrap();
    assert!(sessions.ends_with(",12,3,5"), "{sessions}");

    // Incidents and activities export too (none this month: a header row).
    for what in ["incidents", "activities"] {
        let res = app.get(&officer, &format!("/api/v1/export/{what}?period=2026-11&format=xlsx")).await;
        assert_eq!(res.status(), StatusCode::OK, "{what}");
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(res.bytes().await.unwrap().to_vec())).unwrap();
        let name = wb.sheet_names()[0].clone();
        let r = wb.worksheet_range(&name).unwrap();
        assert_eq!(r.height(), 1, "{what}");
        assert_eq!(r.get_value((0, 0)), Some(&Data::String("Mã thôn".into())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_print_data_has_both_periods_targets_and_the_villages_words() {
    let (app, officer, _) = seeded().await;
    let p = app.get_ok(&officer, "/api/v1/print?period=2026-11").await;
    assert_eq!(p["commune_name"], "Xã Phong Quang");
    assert_eq!((p["figures"]["period"].as_str(), p["previous"]["period"].as_str()), (Some("2026-11"), Some("2026-10")));
    assert_eq!(p["figures"]["villages_reported"], json!(["pq-t01", "pq-t02", "pq-t03"]));
    assert!(p["progress"].as_array().unwrap().iter().any(|x| x["indicator"] == "bhyt_rate"));
    assert_eq!(
        p["notes"],
        json!([{"village": "pq-t01", "name": "Thôn Bản Chang (mẫu)", "difficulties": "Sóng điện thoại yếu ở xóm trong",
                "proposals": "Xin hỗ trợ xi măng làm đường"}])
    );
    assert_eq!(p["incidents"], json!([]));
}
