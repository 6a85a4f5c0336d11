//! The sync controller: when to try, and what to tell the person.
//!
//! Tries on app open, on the `online` event, when the app becomes visible
//! again (`visibilitychange`), right after a save, on "Gửi ngay", and on a
//! timer: every few minutes while reachable (to pull review decisions), with
//! exponential backoff and jitter (at most 60 s) while not. Reachability is
//! decided by reaching the server, never by `navigator.onLine`, which lies —
//! but only one way: its "offline" (and the `offline` event) is believed at
//! once, so the status line says "Chưa gửi được — không có sóng" instead of
//! a stale "connected", and no request is made that cannot succeed.

use super::{engine, Ctx, SyncStatus};
use crate::platform::{browser, http::FetchTransport};
use leptos::prelude::*;
use sothon_sync::{backoff_ms, SyncError, TransportError};
use std::cell::Cell;
use std::time::Duration;

/// How often to pull while everything is sent and the server is reachable.
const IDLE_PULL_MS: u64 = 5 * 60 * 1000;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static ATTEMPT: Cell<u32> = const { Cell::new(0) };
    static TIMER: Cell<Option<TimeoutHandle>> = const { Cell::new(None) };
    /// Bumped on each scheduling so a stale timer does nothing.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// "Gửi ngay" was tapped: tell the person how it ended.
    static MANUAL: Cell<bool> = const { Cell::new(false) };
}

/// Wires the triggers: app open, `online`, `offline`, page becoming visible.
pub fn start(ctx: Ctx) {
    let on_online = window_event_listener(leptos::ev::online, move |_| {
        ATTEMPT.with(|a| a.set(0));
        sync_now(ctx);
    });
    // The phone says the network is gone: say so now, retry on the backoff.
    let on_offline = window_event_listener(leptos::ev::offline, move |_| {
        if RUNNING.with(Cell::get) {
            return;
        }
        let wait = next_backoff();
        ctx.sync.set(SyncStatus::Offline { retry_at: browser::now_ms() + wait as i64 });
        schedule(ctx, wait);
    });
    // Back on screen (the phone was in a pocket, another app was open): try now.
    let on_visible = window_event_listener_untyped("visibilitychange", move |_| {
        if !document().hidden() {
            ATTEMPT.with(|a| a.set(0));
            sync_now(ctx);
        }
    });
    // The listeners live as long as the page.
    std::mem::forget((on_online, on_offline, on_visible));
    sync_now(ctx);
}

/// "Gửi ngay": answers at once ("Đang gửi…"), and says how it ended.
pub fn send_now(ctx: Ctx) {
    MANUAL.with(|m| m.set(true));
    ATTEMPT.with(|a| a.set(0));
    ctx.sync.set(SyncStatus::Syncing);
    ctx.notice.set(Some(ctx.t().syncing.into()));
    sync_now(ctx);
}

/// The wait before the next try while unreachable, counting the attempt.
fn next_backoff() -> u64 {
    let attempt = ATTEMPT.with(|a| {
        let n = a.get();
        a.set(n.saturating_add(1));
        n
    });
    backoff_ms(attempt, browser::random())
}

/// Runs a sync now (or right after the one in flight).
pub fn sync_now(ctx: Ctx) {
    if RUNNING.with(Cell::get) {
        AGAIN.with(|a| a.set(true));
        return;
    }
    let Some(token) = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) else {
        return;
    };
    RUNNING.with(|r| r.set(true));
    ctx.sync.set(SyncStatus::Syncing);
    leptos::task::spawn_local(async move {
        // `navigator.onLine` lies only one way: "online" may be no signal,
        // but "offline" is offline — no request is worth waiting for.
        let offline = !window().navigator().on_line();
        let result = match engine() {
            _ if offline => Err(SyncError::Transport(TransportError::Unreachable("navigator.onLine".into()))),
            Ok(e) => e.sync(&FetchTransport { token }, browser::now_ms).await.map(|_| ()),
            Err(e) => Err(SyncError::Store(e)),
        };
        RUNNING.with(|r| r.set(false));
        ctx.touch();
        let next = match result {
            Ok(()) => {
                ATTEMPT.with(|a| a.set(0));
                ctx.sync.set(SyncStatus::Online(browser::now_ms()));
                Some(IDLE_PULL_MS)
            }
            Err(SyncError::Transport(TransportError::Unreachable(_))) => {
                let wait = next_backoff();
                ctx.sync.set(SyncStatus::Offline { retry_at: browser::now_ms() + wait as i64 });
                Some(wait)
            }
            Err(SyncError::Transport(TransportError::Unauthorized)) => {
                ctx.sync.set(SyncStatus::NeedLogin);
                None
            }
            Err(e) => {
                ctx.sync.set(SyncStatus::Failed(e.to_string()));
                Some(backoff_ms(ATTEMPT.with(Cell::get), browser::random()))
            }
        };
        if MANUAL.with(|m| m.replace(false)) {
            let t = ctx.t();
            let said = match ctx.sync.get_untracked() {
                SyncStatus::Online(_) => t.sent_all,
                SyncStatus::Offline { .. } => t.offline,
                SyncStatus::NeedLogin => t.login_again,
                _ => t.not_sent_yet,
            };
            ctx.notice.set(Some(said.into()));
        }
        if AGAIN.with(|a| a.replace(false)) {
            sync_now(ctx);
        } else if let Some(ms) = next {
            schedule(ctx, ms);
        }
    });
}

fn schedule(ctx: Ctx, ms: u64) {
    if let Some(h) = TIMER.with(|t| t.take()) {
        h.clear();
    }
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    let handle = set_timeout_with_handle(
        move || {
            if GENERATION.with(Cell::get) == generation {
                sync_now(ctx);
            }
        },
        Duration::from_millis(ms),
    )
    .ok();
    TIMER.with(|t| t.set(handle));
}
