//! The sample commune: five made-up villages and one account per role, so the
//! app can be tried right after the first start. Everything here is marked as
//! sample data (`villages.sample`, names ending in "(mẫu)").

use super::Context;
use super::{Db, Writer};
use super::{DbError, DbResult};
use sothon_domain::protocol::Role;

/// The sample commune's id.
pub const DEMO_COMMUNE: &str = "phong-quang";
/// The sample commune's name.
pub const DEMO_COMMUNE_NAME: &str = "Xã Phong Quang";
/// Every sample account's password. Public on purpose: this is sample data.
pub const DEMO_PASSWORD: &str = "phongquang2026";

/// The sample villages: id and name.
pub const DEMO_VILLAGES: &[(&str, &str)] = &[
    ("pq-t01", "Thôn Bản Chang (mẫu)"),
    ("pq-t02", "Thôn Nà Pài (mẫu)"),
    ("pq-t03", "Thôn Khuổi Đắng (mẫu)"),
    ("pq-t04", "Thôn Pác Nặm (mẫu)"),
    ("pq-t05", "Thôn Cốc Lùng (mẫu)"),
];

/// One sample login.
#[derive(Debug, Clone, Copy)]
pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub village: Option<&'static str>,
}

/// The sample logins (printed by `sothon-server` at every start while the
/// sample commune exists).
pub const DEMO_ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "truongthon1",
        password: DEMO_PASSWORD,
        name: "Nguyễn Văn An",
        role: Role::VillageHead,
        village: Some("pq-t01"),
    },
    DemoAccount {
        username: "truongthon2",
        password: DEMO_PASSWORD,
        name: "Hoàng Thị Bình",
        role: Role::VillageHead,
        village: Some("pq-t02"),
    },
    DemoAccount {
        username: "congnghe1",
        password: DEMO_PASSWORD,
        name: "Nông Văn Chiến",
        role: Role::DigitalTeam,
        village: Some("pq-t01"),
    },
    DemoAccount {
        username: "canbo",
        password: DEMO_PASSWORD,
        name: "Lục Thị Dung",
        role: Role::Officer,
        village: None,
    },
    DemoAccount {
        username: "quantri",
        password: DEMO_PASSWORD,
        name: "Trần Minh Đức",
        role: Role::Admin,
        village: None,
    },
];

/// The name of a sample village.
pub fn village_name(id: &str) -> Option<&'static str> {
    DEMO_VILLAGES.iter().find(|(v, _)| *v == id).map(|(_, n)| *n)
}

/// Seeds the sample commune into a database that has no commune yet; a
/// database with any commune (sample or real) is left alone. Returns whether
/// it seeded.
pub async fn seed_if_empty(db: &Db) -> DbResult<bool> {
    seed_if_empty_with(db, false).await
}

/// [`seed_if_empty`], and with `history` a year of sample reports, reviews
/// and incidents ([`super::demo_history`]) in the same transaction.
pub async fn seed_if_empty_with(db: &Db, history: bool) -> DbResult<bool> {
    with_pool!(db, db => {
        // BEGIN IMMEDIATE: two servers starting on one new file seed once.
        let mut tx = db.begin_write().await?;
        let communes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM communes").fetch_one(&mut *tx).await?;
        if communes > 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO communes (id, name) VALUES ($1, $2)")
            .bind(DEMO_COMMUNE)
            .bind(DEMO_COMMUNE_NAME)
            .execute(&mut *tx)
            .await?;
        for (id, name) in DEMO_VILLAGES {
            sqlx::query("INSERT INTO villages (id, commune_id, name, sample) VALUES ($1, $2, $3, TRUE)")
                .bind(id)
                .bind(DEMO_COMMUNE)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        // One hash for all (they share a published password), made like every
        // account's so their logins take as long as any other's.
        let hash = crate::auth::hash_password_off_thread(DEMO_PASSWORD.into())
            .await
            .map_err(|e| DbError::Other(format!("hashing the sample password: {e:#}")))?;
        let now = super::now_ms();
        for a in DEMO_ACCOUNTS {
            sqlx::query(
                "INSERT INTO users (id, username, name, role, commune_id, village_id, password_hash, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(super::new_id())
            .bind(a.username)
            .bind(a.name)
            .bind(super::accounts::role_str(a.role))
            .bind(DEMO_COMMUNE)
            .bind(a.village)
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await
            .with_context(|| format!("adding sample account {}", a.username))?;
        }
        super::targets::seed_demo(&mut tx, DEMO_COMMUNE, now).await.context("adding the sample targets")?;
        if history {
            super::demo_history::seed(&mut tx, DEMO_COMMUNE, DEMO_VILLAGES).await.context("sample history")?;
            // Sample targets of the plan go here, in this transaction (the
            // aggregates' and targets' own seeding function).
        }
        tx.commit().await?;
        tracing::info!("seeded the sample commune {DEMO_COMMUNE}");
        Ok(true)
    })
}

/// Whether the database holds the sample commune.
pub async fn present(db: &Db) -> DbResult<bool> {
    with_pool!(db, db => {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM villages WHERE commune_id = $1 AND sample")
            .bind(DEMO_COMMUNE)
            .fetch_one(db)
            .await?;
        Ok(n > 0)
    })
}
