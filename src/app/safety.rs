//! What the phone owes the truth about unsent work: how many records wait
//! and for how long, another account's work kept apart on a shared phone,
//! and — after a login that found nothing of the account here — what the
//! account's last sync left (a browser that cleared the site's storage
//! must not leave the person believing everything was sent).

use super::{engine, Ctx};
use crate::i18n::Lang;
use crate::platform::browser;
use crate::platform::storage::LocalStore;
use leptos::prelude::*;
use sothon_domain::format::{datetime_en, datetime_vi, waited_en, waited_vi};
use sothon_domain::protocol::DeviceSeen;
use sothon_sync::Store;

/// Where the warning for `account` is kept until the person dismisses it.
pub fn warning_key(account: &str) -> String {
    format!("st.warn.{account}")
}

/// The unsent and held counts, and the account's eviction warning.
#[component]
pub fn SafetyNotes() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let account = move || ctx.session.with(|s| s.as_ref().map(|s| s.user.username.clone()));
    let dismissed = RwSignal::new(0u32);
    let warning = Memo::new(move |_| {
        dismissed.track();
        let a = account()?;
        let devices: Vec<DeviceSeen> = sothon_domain::json::from_str(&LocalStore.get(&warning_key(&a))?).ok()?;
        let last = devices.iter().map(|d| d.last_sync).max()?;
        let unsent: u32 = devices.iter().map(|d| d.unsent).sum();
        Some((last, unsent))
    });
    // (visible unsent count, oldest unsent save, held for other accounts)
    let counts = Memo::new(move |_| {
        ctx.tick.track();
        let session = ctx.session.get();
        let Ok(e) = engine() else { return (0, None, 0) };
        let mine: Vec<_> = e
            .records()
            .into_iter()
            .filter(|r| r.unsent() && super::visible(session.as_ref(), r.body.village()))
            .collect();
        let oldest = mine.iter().map(|r| r.saved).min();
        (mine.len(), oldest, e.held().len())
    });
    let when = move |lang: Lang, ms: i64| if lang == Lang::En { datetime_en(ms) } else { datetime_vi(ms) };
    let dismiss = move |_| {
        if let Some(a) = account() {
            LocalStore.remove(&warning_key(&a));
        }
        dismissed.update(|n| *n += 1);
    };
    view! {
        {move || warning.get().map(|(last, unsent)| {
            let lang = ctx.lang.get();
            let t = ctx.t();
            view! {
                <section class="card warn" role="alert" data-testid="evicted">
                    <h2>{t.evicted_title}</h2>
                    <p>{t.evicted_last_sync} " " <strong data-testid="evicted-last-sync">{when(lang, last)}</strong></p>
                    {(unsent > 0).then(|| view! { <p>{t.evicted_unsent} " " <strong data-testid="evicted-unsent">{unsent}</strong></p> })}
                    <p>{t.evicted_after}</p>
                    <button type="button" data-testid="evicted-ok" on:click=dismiss>{t.understood}</button>
                </section>
            }
        })}
        {move || {
            let (n, oldest, _) = counts.get();
            let lang = ctx.lang.get();
            let t = ctx.t();
            (n > 0).then(|| {
                let waited = oldest.map(|o| {
                    let d = browser::now_ms() - o;
                    if lang == Lang::En { waited_en(d) } else { waited_vi(d) }
                });
                view! {
                    <p class="warn" role="status" data-testid="unsent-waiting">
                        <strong>{n}</strong> " " {t.unsent_waiting}
                        {waited.map(|w| view! { " — " {t.oldest_waited} " " <span data-testid="unsent-waited">{w}</span> })}
                    </p>
                }
            })
        }}
        {move || {
            let (_, _, held) = counts.get();
            (held > 0).then(|| view! {
                <p class="small" role="status" data-testid="held-other"><strong>{held}</strong> " " {ctx.t().held_other}</p>
            })
        }}
    }
}
