//! Many communes in one deployment: units imported from CSV (checked whole,
//! idempotent), and a province account that reads its communes' completeness
//! and figures and nothing else.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;
use sothon_domain::protocol::Role;
use sothon_server::db::units::{import_communes, import_villages};
use sothon_server::import::{parse_communes, parse_villages, Outcome};

const COMMUNES: &str = "province_id,province_name,commune_id,commune_name\n\
    tinh-tn,Tỉnh Thái Nguyên,phong-quang,Xã Phong Quang\n\
    tinh-tn,Tỉnh Thái Nguyên,xa-dong,Xã Đồng\n\
    tinh-khac,Tỉnh Khác,xa-xa,Xã Xa\n";
const VILLAGES: &str = "commune_id,village_id,village_name\n\
    xa-dong,xd-t01,Thôn Đồng Một\n\
    xa-dong,xd-t02,Thôn Đồng Hai\n\
    xa-xa,xx-t01,Thôn Xa Một\n";

async fn import(app: &TestApp, communes: &str, villages: &str) -> (Outcome, Outcome) {
    let c = import_communes(&app.db, &parse_communes(communes).unwrap()).await.unwrap().unwrap();
    let v = import_villages(&app.db, &parse_villages(villages).unwrap()).await.unwrap().unwrap();
    (c, v)
}

async fn account(app: &TestApp, username: &str, role: Role, unit: &str, village: Option<&str>) -> String {
    sothon_server::add_user(
        &app.db,
        sothon_server::NewUser {
            username: username.into(),
            password: "mat-khau-2026".into(),
            name: "Người Dùng".into(),
            role,
            commune: Some(unit.into()),
            village: village.map(Into::into),
        },
    )
    .await
    .unwrap();
    let res = app.login_raw(username, "mat-khau-2026").await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_import_puts_communes_under_provinces_and_a_second_one_changes_nothing() {
    let app = spawn().await;
    let (c, v) = import(&app, COMMUNES, VILLAGES).await;
    // phong-quang (the sample commune) was there: it moves under its province.
    assert_eq!(c, Outcome { added: 2, renamed: 1, unchanged: 0 });
    assert_eq!(v, Outcome { added: 3, renamed: 0, unchanged: 0 });
    let before = app.table_counts().await;
    let (c, v) = import(&app, COMMUNES, VILLAGES).await;
    assert_eq!((c.unchanged, c.added + c.renamed, v.unchanged, v.added + v.renamed), (3, 0, 3, 0));
    assert_eq!(app.table_counts().await, before, "importing again wrote nothing");
    assert_eq!(app.count("SELECT COUNT(*) FROM communes WHERE kind = 'province'").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM communes WHERE province_id = 'tinh-tn'").await, 2);
    // A rename is one.
    let renamed = VILLAGES.replace("Thôn Đồng Hai", "Thôn Đồng Hai Mới");
    let (_, v) = import(&app, COMMUNES, &renamed).await;
    assert_eq!(v, Outcome { added: 0, renamed: 1, unchanged: 2 });
}

#[tokio::test]
async fn a_bad_line_is_named_and_nothing_is_imported() {
    let app = spawn().await;
    let before = app.table_counts().await;
    // Checked before the database: every bad line, with its number.
    let errs =
        parse_villages("commune_id,village_id,village_name\nxa-dong,xd-t01,Một\nxa-dong,XD T2,Hai\n,,\n").unwrap_err();
    assert_eq!(errs.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3, 4, 4, 4], "{errs:?}");
    // Checked against the database: the first lines were fine, the last
    // names a commune nobody imported; nothing of the file is written.
    let lines =
        parse_villages("commune_id,village_id,village_name\nphong-quang,pq-t09,Thôn Chín\nxa-ma,xm-t01,Thôn Ma\n")
            .unwrap();
    let errs = import_villages(&app.db, &lines).await.unwrap().unwrap_err();
    assert_eq!((errs.len(), errs[0].line), (1, 3), "{errs:?}");
    assert!(errs[0].reason.contains("xa-ma"), "{}", errs[0]);
    // A commune id that is a province's, or the other way round.
    import(&app, COMMUNES, VILLAGES).await;
    let before_units = app.table_counts().await;
    let clash = "province_id,province_name,commune_id,commune_name\nxa-dong,Tỉnh Sai,xa-moi,Xã Mới\n";
    let errs = import_communes(&app.db, &parse_communes(clash).unwrap()).await.unwrap().unwrap_err();
    assert_eq!(errs[0].line, 2);
    let errs =
        import_villages(&app.db, &parse_villages("commune_id,village_id,village_name\ntinh-tn,t-1,Thôn\n").unwrap())
            .await
            .unwrap()
            .unwrap_err();
    assert!(errs[0].reason.contains("tỉnh"), "{}", errs[0]);
    assert_eq!(app.table_counts().await, before_units);
    assert_ne!(before, before_units, "the good import did write");
}

#[tokio::test]
async fn the_command_line_import_reports_by_line_and_exits_non_zero() {
    let app = spawn().await;
    let bad = app.dir.path().join("villages.csv");
    std::fs::write(
        &bad,
        "commune_id,village_id,village_name\nphong-quang,pq-t09,Thôn Chín\nphong-quang,pq t10,Thôn Mười\n",
    )
    .unwrap();
    let before = app.table_counts().await;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sothon-server"))
        .args(["import", "villages", bad.to_str().unwrap(), "--db", &app.testdb.url])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("dòng 3") && stderr.contains("pq t10"), "{stderr}");
    assert_eq!(app.table_counts().await, before);
    std::fs::write(&bad, "commune_id,village_id,village_name\nphong-quang,pq-t09,Thôn Chín\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sothon-server"))
        .args(["import", "villages", bad.to_str().unwrap(), "--db", &app.testdb.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 mới"));
    assert_eq!(app.count("SELECT COUNT(*) FROM villages WHERE id = 'pq-t09'").await, 1);
}

#[tokio::test]
async fn a_province_reads_its_communes_figures_and_nothing_else() {
    let app = spawn().await;
    import(&app, COMMUNES, VILLAGES).await;
    let province = account(&app, "canbotinh", Role::Province, "tinh-tn", None).await;
    let other_province = account(&app, "canbotinhkhac", Role::Province, "tinh-khac", None).await;
    let head_dong = account(&app, "truongthondong", Role::VillageHead, "xa-dong", Some("xd-t01")).await;
    let head_pq = app.login("truongthon1").await;
    app.push(&head_pq, PHONE_A, 1, 0, report("pq-t01", 100.0, 80.0)).await;
    app.push(&head_dong, PHONE_B, 1, 0, report("xd-t01", 300.0, 240.0)).await;

    let o = app.get_ok(&province, "/api/v1/province/overview?period=2026-11").await;
    assert_eq!(o["name"], "Tỉnh Thái Nguyên");
    let ids: Vec<&str> = o["communes"].as_array().unwrap().iter().map(|c| c["commune"].as_str().unwrap()).collect();
    assert_eq!(ids, ["phong-quang", "xa-dong"]);
    assert_eq!((o["summary"]["villages"].as_u64(), o["summary"]["reported"].as_u64()), (Some(7), Some(2)));
    assert_eq!(o["communes"][1]["summary"]["missing"], 1);

    let f = app.get_ok(&province, "/api/v1/province/figures?period=2026-11").await;
    assert_eq!(f["villages_total"], 7);
    let pop = f["aggregates"].as_array().unwrap().iter().find(|a| a["key"] == "pop").unwrap();
    assert_eq!((pop["figure"]["number"].as_f64(), pop["villages_reporting"].as_u64()), (Some(400.0), Some(2)), "{pop}");
    // Approved only: nothing approved yet.
    let f = app.get_ok(&province, "/api/v1/province/figures?period=2026-11&approved_only=true").await;
    assert_eq!(f["villages_reported"], serde_json::json!([]));

    // The other province sees its own commune only, with nothing reported.
    let o = app.get_ok(&other_province, "/api/v1/province/overview?period=2026-11").await;
    assert_eq!(o["communes"].as_array().unwrap().len(), 1);
    assert_eq!(o["summary"]["reported"], 0);

    // Nothing of a commune: its records, its desk, its sync.
    for path in ["/api/v1/records", "/api/v1/overview?period=2026-11", "/api/v1/completeness", "/api/v1/conflicts"] {
        assert_eq!(app.get(&province, path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let res = app.sync(&province, &request("province-phone-01", vec![], Some(0))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // And the commune's accounts do not read the province.
    let officer = app.login("canbo").await;
    for t in [&officer, &head_pq] {
        assert_eq!(app.get(t, "/api/v1/province/overview?period=2026-11").await.status(), StatusCode::FORBIDDEN);
    }
    // A province account belongs to a province; a commune account to a commune.
    let mk = |role, unit: &str| sothon_server::NewUser {
        username: "saicho".into(),
        password: "mat-khau-2026".into(),
        name: "Sai Chỗ".into(),
        role,
        commune: Some(unit.into()),
        village: None,
    };
    assert!(sothon_server::add_user(&app.db, mk(Role::Province, "phong-quang")).await.is_err());
    assert!(sothon_server::add_user(&app.db, mk(Role::Officer, "tinh-tn")).await.is_err());
}

#[tokio::test]
async fn two_communes_may_use_the_same_village_id() {
    let app = spawn().await;
    import(&app, COMMUNES, "commune_id,village_id,village_name\nxa-dong,pq-t01,Thôn Cùng Mã\n").await;
    let head = app.login("truongthon1").await;
    app.push(&head, PHONE_A, 1, 0, report("pq-t01", 100.0, 80.0)).await;
    let officer = app.login("canbo").await;
    let res = app.get(&officer, "/api/v1/export/reports?period=2026-11&format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let rows = text.lines().filter(|l| l.contains("pq-t01")).count();
    assert_eq!(rows, 1, "one report, one row: {text}");
    assert!(!text.contains("Thôn Cùng Mã"), "another commune's village name: {text}");
}
