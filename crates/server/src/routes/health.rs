//! `GET /api/v1/health`: the PWA's reachability probe.

use crate::error::AppResult;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use sothon_domain::catalogue;
use sothon_domain::protocol::PROTOCOL_VERSION;

/// `{"ok":true,"protocol":1,"catalogue":<version>,"now":<server ms>}`. It
/// touches the database, so "reachable" also means "can store reports".
/// Never cached (`no-store` from the API layer).
pub(crate) async fn health(State(state): State<AppState>) -> AppResult<Json<Value>> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(json!({
        "ok": true,
        "protocol": PROTOCOL_VERSION,
        "catalogue": catalogue::current().version,
        "now": crate::db::now_ms(),
    })))
}
