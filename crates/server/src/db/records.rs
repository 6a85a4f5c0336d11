//! Reading records: the sync pull and the records list.

use super::Context;
use super::Db;
use super::DbResult;
use serde::Serialize;
use sothon_domain::protocol::{Body, Change};

/// Bodies a caller has just stored, by record id and the `ver` it stored
/// them at ([`changes_since`]).
pub type Fresh<'a> = std::collections::HashMap<(&'a str, i64), &'a Body>;

/// Most changes one pull returns; the phone pulls again from the cursor.
pub const PULL_LIMIT: i64 = 500;

/// Parses a `records.state` value.
pub use sothon_domain::api::parse_state;

/// A row of the pull's statements: a record with the commune's counter,
/// or (the second statement's first row) the counter alone, the record's
/// columns NULL.
#[derive(sqlx::FromRow)]
struct PageRow {
    counter: i64,
    id: Option<String>,
    rev: Option<i64>,
    state: Option<String>,
    receipt: Option<String>,
    comment: Option<String>,
    updated_at: Option<i64>,
    ver: Option<i64>,
    entered_by: Option<String>,
    body: Option<String>,
}

/// A record of the page.
struct ChangeRow {
    id: String,
    rev: i64,
    state: String,
    receipt: String,
    comment: String,
    updated_at: i64,
    ver: i64,
    entered_by: Option<String>,
    body: String,
}

impl PageRow {
    fn change(self) -> Option<ChangeRow> {
        Some(ChangeRow {
            id: self.id?,
            rev: self.rev?,
            state: self.state?,
            receipt: self.receipt?,
            comment: self.comment?,
            updated_at: self.updated_at?,
            ver: self.ver?,
            entered_by: self.entered_by,
            body: self.body?,
        })
    }
}

/// The page of records after `cursor` (oldest first, at most
/// [`PULL_LIMIT`]), each row with the commune's counter: `{counter}` is
/// what the counter column reads.
const PAGE: &str = "SELECT {counter} AS counter, r.id, r.rev, r.state, r.receipt, r.comment, r.updated_at, r.ver,
            u.name AS entered_by, r.body
     FROM records r LEFT JOIN users u ON u.id = r.entered_by
     WHERE r.commune_id = $1 AND ($2 IS NULL OR r.village_id = $3) AND r.ver > $4
     ORDER BY r.ver LIMIT $5";

/// The commune's counter and the records after `cursor`, in one statement
/// (one snapshot, so the counter covers exactly the writes the page could
/// see: every write takes its version under the counter's row lock and
/// commits with it), and one round trip while there is something to pull.
/// The counter rides on every row of the page; a page with nothing in it
/// asks again with the counter as a row of its own before the page (a
/// UNION ALL of the page as a subquery, whose every row SQLite copies:
/// nothing for an empty page, a third slower than the page alone at 400
/// rows; joining the counter to the page instead made SQLite copy and sort
/// the page, three times as slow, and PostgreSQL sort every row after the
/// cursor).
async fn page(db: &Db, commune: &str, village: Option<&str>, cursor: i64) -> DbResult<(i64, Vec<ChangeRow>)> {
    let with_counter =
        PAGE.replace("{counter}", "(SELECT COALESCE(MAX(version), 0) FROM commune_sync WHERE commune_id = $1)");
    let mut rows = page_rows(db, &with_counter, commune, village, cursor).await?;
    if rows.is_empty() {
        let counter_first = format!(
            "SELECT COALESCE(MAX(version), 0) AS counter, NULL AS id, NULL AS rev, NULL AS state, NULL AS receipt,
                    NULL AS comment, NULL AS updated_at, NULL AS ver, NULL AS entered_by, NULL AS body
             FROM commune_sync WHERE commune_id = $1
             UNION ALL
             SELECT * FROM ({}) p",
            PAGE.replace("{counter}", "0")
        );
        rows = page_rows(db, &counter_first, commune, village, cursor).await?;
    }
    let counter = rows.iter().map(|r| r.counter).max().unwrap_or(0);
    let mut page: Vec<ChangeRow> = rows.into_iter().filter_map(PageRow::change).collect();
    // Oldest first (a UNION ALL promises no order of its own).
    page.sort_by_key(|r| r.ver);
    Ok((counter, page))
}

async fn page_rows(db: &Db, sql: &str, commune: &str, village: Option<&str>, cursor: i64) -> DbResult<Vec<PageRow>> {
    with_pool!(db, db => {
        Ok(sqlx::query_as(sql)
            .bind(commune)
            .bind(village)
            .bind(village)
            .bind(cursor)
            .bind(PULL_LIMIT)
            .fetch_all(db)
            .await?)
    })
}

/// Records of `commune` (only `village`'s when given) written after version
/// `cursor`, oldest first, at most [`PULL_LIMIT`], and the cursor to pull
/// from next (protocol rule 5). Every write takes its own version, so a page
/// boundary never falls inside one; a cursor ahead of the commune's counter
/// (a server restored from a backup, an older app's time cursor) pulls from
/// the start, and the phone drops by `ver` what it already has.
///
/// `fresh`: bodies the caller holds exactly as it stored them, by record id
/// and the `ver` it wrote them at (a push's own writes, pulled right after
/// its commit): a row still at that version is answered with a copy of it
/// instead of parsing the stored text again (which reads back to the same
/// value: serde_json writes every float so that it reads back exact).
pub async fn changes_since(
    db: &Db,
    commune: &str,
    village: Option<&str>,
    cursor: i64,
    fresh: &Fresh<'_>,
) -> DbResult<(Vec<Change>, i64)> {
    let any_db = db;
    let cursor = cursor.max(0);
    let (current, rows, cursor) = match page(db, commune, village, cursor).await? {
        // Ahead of the counter: from the start (the page read was empty).
        (current, _) if cursor > current => {
            let (current, rows) = page(db, commune, village, 0).await?;
            (current, rows, 0)
        }
        (current, rows) => (current, rows, cursor),
    };
    with_pool!(db, db => {
        // A full page: pull again from its last row. Otherwise everything up to
        // the counter read with the page has been seen.
        let next = match rows.last() {
            Some(last) if rows.len() as i64 == PULL_LIMIT => last.ver,
            Some(last) => last.ver.max(current),
            None => current.max(cursor),
        };
        // The office's handling steps travel with incident records.
        let incidents: Vec<String> = rows.iter().filter(|r| r.id.starts_with("i.")).map(|r| r.id.clone()).collect();
        let mut steps = if incidents.is_empty() {
            Default::default()
        } else {
            let mut conn = db.acquire().await?;
            super::incidents::steps_of(&mut conn, commune, Some(&incidents)).await?
        };
        let mut changes = Vec::with_capacity(rows.len());
        for r in rows {
            // A returned record carries the return's field comments (few rows:
            // only returned records are asked).
            let return_fields =
                if r.state == "returned" { super::review::return_fields(any_db, commune, &r.id).await? } else { Vec::new() };
            changes.push(Change {
                steps: steps.remove(&r.id).unwrap_or_default(),
                state: parse_state(&r.state).with_context(|| format!("record {} has state {}", r.id, r.state))?,
                body: match fresh.get(&(r.id.as_str(), r.ver)) {
                    Some(body) => Body::clone(body),
                    None => serde_json::from_str::<Body>(&r.body).with_context(|| format!("record {} body", r.id))?,
                },
                rev: u32::try_from(r.rev)?,
                record: r.id,
                receipt: r.receipt,
                comment: r.comment,
                return_fields,
                at: r.updated_at,
                ver: r.ver,
                entered_by: r.entered_by,
            });
        }
        Ok((changes, next))
    })
}

/// One record as `GET /api/v1/records` lists it.
#[derive(Debug, Serialize)]
pub struct RecordRow {
    pub id: String,
    pub village: String,
    /// `report`.
    pub kind: String,
    pub period: Option<String>,
    pub rev: i64,
    pub state: String,
    pub receipt: String,
    pub comment: String,
    /// The current body (`protocol::Body` JSON).
    pub body: serde_json::Value,
    /// Server time the record first arrived, ms.
    pub received_at: i64,
    /// Server time of the last change (the pull cursor), ms.
    pub updated_at: i64,
    /// Device clock when the current revision was saved, ms.
    pub device_at: i64,
    /// Server minus device clock when that revision was pushed, ms.
    pub skew_ms: i64,
    /// How many mutations were received for this record (replays not counted:
    /// they are answered, not stored again).
    pub mutations: i64,
}

#[derive(sqlx::FromRow)]
struct ListRow {
    id: String,
    village: String,
    kind: String,
    period: Option<String>,
    rev: i64,
    state: String,
    receipt: String,
    comment: String,
    body: String,
    received_at: i64,
    updated_at: i64,
    device_at: i64,
    skew_ms: i64,
    mutations: i64,
}

/// The records of `commune`, optionally of one village and one period.
pub async fn list(db: &Db, commune: &str, village: Option<&str>, period: Option<&str>) -> DbResult<Vec<RecordRow>> {
    with_pool!(db, db => {
        let rows: Vec<ListRow> = sqlx::query_as(
            "SELECT r.id, r.village_id AS village, r.kind, r.period, r.rev, r.state, r.receipt, r.comment, r.body,
                    r.created_at AS received_at, r.updated_at, r.device_at, r.skew_ms,
                    (SELECT COUNT(*) FROM mutations m WHERE m.commune_id = r.commune_id AND m.record_id = r.id)
                        AS mutations
             FROM records r
             WHERE r.commune_id = $1 AND ($2 IS NULL OR r.village_id = $3) AND ($4 IS NULL OR r.period = $5)
             ORDER BY r.village_id, r.period, r.id",
        )
        .bind(commune)
        .bind(village)
        .bind(village)
        .bind(period)
        .bind(period)
        .fetch_all(db)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(RecordRow {
                    body: serde_json::from_str(&r.body).with_context(|| format!("record {} body", r.id))?,
                    id: r.id,
                    village: r.village,
                    kind: r.kind,
                    period: r.period,
                    rev: r.rev,
                    state: r.state,
                    receipt: r.receipt,
                    comment: r.comment,
                    received_at: r.received_at,
                    updated_at: r.updated_at,
                    device_at: r.device_at,
                    skew_ms: r.skew_ms,
                    mutations: r.mutations,
                })
            })
            .collect()
    })
}
