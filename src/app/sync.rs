//! The sync controller: when to try, and what to tell the person.
//!
//! Tries on app open, on the `online` event, right after a save, on "Gửi
//! ngay", and on a timer: every few minutes while reachable (to pull review
//! decisions), with exponential backoff and jitter while not. Reachability is
//! decided by reaching the server, never by `navigator.onLine`, which lies.

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
}

/// Wires the triggers: app open, `online`, page becoming visible.
pub fn start(ctx: Ctx) {
    let on_online = window_event_listener(leptos::ev::online, move |_| {
        ATTEMPT.with(|a| a.set(0));
        sync_now(ctx);
    });
    // The listener lives as long as the page.
    std::mem::forget(on_online);
    sync_now(ctx);
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
        let result = match engine() {
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
                let attempt = ATTEMPT.with(|a| {
                    let n = a.get();
                    a.set(n.saturating_add(1));
                    n
                });
                let wait = backoff_ms(attempt, browser::random());
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
