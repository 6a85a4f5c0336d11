//! Home: "what do I owe?" — this period's report and its due date, what is
//! not sent yet, every record's state, and the storage safety tools.

use super::login::LangSwitch;
use super::on_demand::on_demand;
use super::owed::{owed, Owed};
use super::{engine, sync, BackBar, Ctx, SyncStatus, View};
use crate::i18n::{state_label, Lang};
use crate::platform::{browser, storage};
use leptos::prelude::*;
use sothon_domain::format::{date_compact, date_vi, datetime_en, datetime_vi, number_vi, vn_date};
use sothon_domain::protocol::Body;
use sothon_domain::{Period, PeriodKind, Report};
use sothon_sync::{LocalRecord, LocalState};

/// Unsent records older than this earn a warning.
const OLD_UNSENT_MS: i64 = 3 * 24 * 3600 * 1000;

/// History rows shown at first, and added by each "Xem thêm".
const HISTORY_PAGE: usize = 30;

/// What Chromium's localStorage holds per site, in UTF-16 code units (10 MiB at two bytes each).
const LOCAL_STORAGE_UNITS: f64 = 5_242_880.0;

/// A period's due date: the commune's (pulled with the last sync), else the default.
fn due_of(p: &Period) -> sothon_domain::chrono_date::NaiveDate {
    engine().map(|e| e.due(p)).unwrap_or_else(|_| p.default_due())
}

/// The phone clock corrected by the skew the server measured last time.
pub fn trusted_now() -> i64 {
    browser::now_ms() + engine().ok().and_then(|e| e.skew()).unwrap_or(0)
}

fn when(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Vi => datetime_vi(ms),
        Lang::En => datetime_en(ms),
    }
}

fn state_class(s: LocalState) -> &'static str {
    match s {
        LocalState::Draft => "badge draft",
        LocalState::Queued => "badge queued",
        LocalState::Received => "badge received",
        LocalState::Conflict | LocalState::Returned => "badge attention",
        LocalState::Approved => "badge approved",
    }
}

#[component]
pub fn Home() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let session = move || ctx.session.get();
    let village_id = move || session().and_then(|s| s.user.village.clone()).unwrap_or_default();
    let village_name = move || {
        session()
            .and_then(|s| {
                let v = s.user.village.clone()?;
                s.villages.iter().find(|x| x.id == v).map(|x| x.name.clone())
            })
            .unwrap_or_default()
    };
    let records = Memo::new(move |_| {
        ctx.tick.track();
        let session = ctx.session.get();
        let mut r: Vec<LocalRecord> = engine()
            .map(|e| e.records())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| super::visible(session.as_ref(), r.body.village()))
            .collect();
        sothon_domain::sort::sort_by_key(&mut r, |r| std::cmp::Reverse(r.saved));
        r
    });
    let unsent = move || records.with(|r| r.iter().filter(|r| r.unsent()).count());
    // Re-read after each sync: the first one measures the phone clock's skew.
    let current = Memo::new(move |_| {
        ctx.tick.track();
        Period::containing(PeriodKind::Month, vn_date(trusted_now()))
    });
    let choice = RwSignal::new(String::new());
    // The history is long on a phone used for years; its newest rows first,
    // the rest a tap away (500 rows would cost a cheap phone a third of a second).
    let shown = RwSignal::new(HISTORY_PAGE);
    // The fields a returned report flags are named in the catalogue, which
    // the first download does not carry: fetched once for the whole list
    // (or taken from the worker's cache) when a row needs it, asked again
    // on the next render if that failed.
    let named = RwSignal::new(sothon_domain::catalogue::loaded().is_some());
    let asked = StoredValue::new(false);
    let name_fields = move || {
        if named.get_untracked() || asked.get_value() {
            return;
        }
        asked.set_value(true);
        leptos::task::spawn_local(async move {
            let ok = super::on_demand::catalogue().await;
            // Home may be gone by now (the officer moved on).
            if named.try_set(ok).is_none() {
                asked.set_value(ok);
            }
        });
    };

    view! {
        <main class="page home">
            <header class="bar">
                <div>
                    <h1>{move || ctx.t().app}</h1>
                    <p class="sub" data-testid="who">
                        {move || village_name()} " · " {move || session().map(|s| s.user.name).unwrap_or_default()}
                    </p>
                </div>
                <LangSwitch/>
            </header>
            <SyncBar unsent=Signal::derive(unsent)/>
            <super::safety::SafetyNotes/>
            <Notice/>
            <nav class="actions" aria-label="Báo cáo mới">
                <button class="primary danger" data-testid="new-incident" on:click=move |_| ctx.go(View::Incident(None))>
                    {move || ctx.t().new_incident}
                </button>
                <button data-testid="new-activity" on:click=move |_| ctx.go(View::Activity(None))>
                    {move || ctx.t().new_activity}
                </button>
            </nav>
            <section class="card current" aria-labelledby="current-title">
                <h2 id="current-title">{move || ctx.t().current_report}</h2>
                {move || {
                    let p = current.get();
                    let lang = ctx.lang.get();
                    let id = Report::record_id(&village_id(), &p);
                    let rec = records.with(|r| r.iter().find(|x| x.id == id).cloned());
                    view! {
                        <p class="period">{match lang { Lang::Vi => p.label_vi(), Lang::En => p.label_en() }}</p>
                        <p>{ctx.t().due} ": " <strong data-testid="due">{date_vi(due_of(&p))}</strong></p>
                        <p data-testid="current-state">{rec.map(|r| view! { <span class=state_class(r.state)>{state_label(lang, r.state)}</span> })}</p>
                        <button class="primary" data-testid="open-report"
                            on:click=move |_| ctx.go(View::Report(p.to_string()))>
                            {ctx.t().open_report}
                        </button>
                    }
                }}
                <label for="other-period" class="small">{move || ctx.t().other_period}</label>
                <div class="row">
                    <select id="other-period" prop:value=choice on:change=move |e| choice.set(event_target_value(&e))>
                        <option value="">"—"</option>
                        {move || {
                            let lang = ctx.lang.get();
                            let label = move |p: Period| match lang { Lang::Vi => p.label_vi(), Lang::En => p.label_en() };
                            let now = current.get();
                            let back = |mut p: Period, n: usize| (0..n).map(move |_| { p = p.prev(); p }).collect::<Vec<_>>();
                            let mut all = back(now, 6);
                            for (k, n) in [(PeriodKind::Quarter, 4), (PeriodKind::Half, 2), (PeriodKind::Year, 2)] {
                                all.extend(back(Period::containing(k, now.start()).next(), n));
                            }
                            all.into_iter().map(|p| view! { <option value=p.to_string()>{label(p)}</option> }).collect_view()
                        }}
                    </select>
                    <button data-testid="open-other" on:click=move |_| { let c = choice.get(); if !c.is_empty() { ctx.go(View::Report(c)); } }>
                        {move || ctx.t().open_report}
                    </button>
                </div>
            </section>
            <section class="card" aria-labelledby="owed-title">
                <h2 id="owed-title">{move || ctx.t().owed}</h2>
                {move || {
                    let today = vn_date(trusted_now());
                    let reports = records.with(|r| owed(&village_id(), today, r, due_of));
                    if reports.iter().any(|o| !o.flagged.is_empty()) {
                        name_fields();
                    }
                    // Other records not yet on the server, or needing a person.
                    let others: Vec<LocalRecord> = records.with(|r| r.iter()
                        .filter(|r| !matches!(r.body, Body::Report(_)))
                        .filter(|r| r.unsent() || matches!(r.state, LocalState::Returned | LocalState::Conflict))
                        .cloned().collect());
                    if reports.is_empty() && others.is_empty() {
                        return view! { <p class="muted" data-testid="nothing-owed">{ctx.t().nothing_owed}</p> }.into_any();
                    }
                    view! {
                        <ul class="records" data-testid="owed-reports">
                            {reports.into_iter().map(|o| view! { <OwedRow owed=o named=named.read_only()/> }).collect_view()}
                        </ul>
                        <ul class="records" data-testid="owed">
                            {others.into_iter().map(|r| view! { <RecordRow rec=r/> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="records-title">
                <h2 id="records-title">{move || ctx.t().history}</h2>
                <ul class="records" data-testid="records">
                    {move || {
                        let n = shown.get();
                        records.with(|list| {
                            if list.is_empty() {
                                return view! { <li class="muted">{ctx.t().no_records}</li> }.into_any();
                            }
                            list.iter().take(n).cloned().map(|r| view! { <RecordRow rec=r/> }).collect_view().into_any()
                        })
                    }}
                </ul>
                {move || {
                    let left = records.with(Vec::len).saturating_sub(shown.get());
                    (left > 0).then(|| view! {
                        <button data-testid="more-records" on:click=move |_| shown.update(|n| *n += HISTORY_PAGE)>
                            {ctx.t().more_records} " (" {number_vi(left as f64, 0)} ")"
                        </button>
                    })
                }}
            </section>
            {let unsent = Signal::derive(unsent); on_demand(move || storage_panel(unsent))}
        </main>
    }
}

/// A record's one-line title, and the view that opens it.
pub fn record_title(lang: Lang, body: &Body) -> (String, View) {
    let en = lang == Lang::En;
    match body {
        Body::Report(r) => (
            format!("{} {}", lang.t().report_of, if en { r.period.label_en() } else { r.period.label_vi() }),
            View::Report(r.period.to_string()),
        ),
        Body::Incident(i) => (
            format!(
                "{}: {} — {}",
                lang.t().incident,
                if en { i.kind.label_en() } else { i.kind.label_vi() },
                when(lang, i.at)
            ),
            View::Incident(Some(i.record_id())),
        ),
        Body::Activity(a) => (
            format!(
                "{}: {} — {} ({} {})",
                lang.t().activity,
                if en { a.topic.label_en() } else { a.topic.label_vi() },
                date_vi(a.date),
                a.participants,
                lang.t().people
            ),
            View::Activity(Some(a.record_id())),
        ),
    }
}

/// One report owed: its period, due date and state. `named` says the
/// catalogue (the fields' names) is here; until then flagged fields show
/// their keys.
#[component]
fn OwedRow(owed: Owed, named: ReadSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    let t = ctx.t();
    let p = owed.period;
    let (class, state) = match owed.state {
        Some(s) => (state_class(s), state_label(lang, s)),
        None => ("badge draft", t.not_filed),
    };
    let rv = lang.rv();
    let flagged = owed.flagged.clone();
    let flags = move || {
        named.track();
        super::returned::flags(sothon_domain::catalogue::loaded(), lang, &flagged)
    };
    let reason = owed.reason.clone();
    view! {
        <li data-testid="owed-report" data-period=p.to_string() data-overdue=owed.overdue.to_string()>
            <button class="rowlink" on:click=move |_| ctx.go(View::Report(p.to_string()))>
                <span class="title">{t.report_of} " " {match lang { Lang::Vi => p.label_vi(), Lang::En => p.label_en() }}</span>
                <span class="small nowrap">{t.due} ": " {date_vi(owed.due)}</span>
                {owed.overdue.then(|| view! { <span class="badge attention">{t.overdue}</span> })}
                <span class=class data-testid="owed-state">{state}</span>
                {(!reason.is_empty()).then(|| view! {
                    <span class="comment" data-testid="owed-reason">{rv.reason} ": " {reason}</span>
                })}
                {(!owed.flagged.is_empty()).then(|| view! {
                    <span class="flags" data-testid="owed-flags">
                        {rv.flagged_fields} ": "
                        {move || flags().into_iter().map(|f| view! {
                            <span class="flag" data-testid="owed-flag" data-field=f.key>{f.label} " — " {f.comment}</span>
                        }).collect_view()}
                    </span>
                })}
            </button>
        </li>
    }
}

/// One record on the phone with its state and receipt.
#[component]
fn RecordRow(rec: LocalRecord) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    let (title, open) = record_title(lang, &rec.body);
    let syncing = move || ctx.sync.get() == SyncStatus::Syncing && rec.pending.is_some();
    let state = rec.state;
    view! {
        <li data-testid="record" data-record=rec.id.clone() data-state=format!("{state:?}").to_ascii_lowercase()>
            <button class="rowlink" on:click=move |_| ctx.go(open.clone())>
                <span class="title">{title}</span>
                <span class=state_class(state) data-testid="record-state">
                    {move || if syncing() { ctx.t().syncing } else { state_label(lang, state) }}
                </span>
                {(!rec.receipt.is_empty()).then(|| view! {
                    <span class="receipt" data-testid="receipt">{ctx.t().receipt} ": " <b>{rec.receipt.clone()}</b></span>
                })}
                {(!rec.comment.is_empty()).then(|| view! {
                    <span class="comment">{ctx.t().comment} ": " {rec.comment.clone()}</span>
                })}
                {rec.entered_by.clone().map(|who| view! {
                    <span class="small" data-testid="entered-by">{ctx.t().entered_by} ": " {who}</span>
                })}
                {rec.steps.last().map(|s| view! {
                    <span class="comment" data-testid="office-step" data-step=s.step.as_str()>
                        {crate::i18n::desk::step_label(lang, s.step)} ": " {s.note.clone()}
                    </span>
                })}
            </button>
        </li>
    }
}

/// One record read-only: what was sent, its state, receipt and the
/// commune's comment (incidents and activities are not edited once sent).
#[component]
pub fn RecordMeta(id: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rec = Memo::new(move |_| {
        ctx.tick.track();
        engine().ok().and_then(|e| e.record(&id))
    });
    let details = move || {
        let lang = ctx.lang.get();
        let en = lang == Lang::En;
        let t = ctx.t();
        let Some(r) = rec.get() else { return Vec::new() };
        match r.body {
            Body::Incident(i) => vec![
                (t.incident_kind, if en { i.kind.label_en() } else { i.kind.label_vi() }.to_string()),
                (t.severity, if en { i.severity.label_en() } else { i.severity.label_vi() }.to_string()),
                (t.happened_at, when(lang, i.at)),
                (
                    t.location,
                    i.gps
                        .map(|g| {
                            format!("{}, {} (±{} m)", number_vi(g.lat, 5), number_vi(g.lon, 5), number_vi(g.acc, 0))
                        })
                        .unwrap_or_else(|| "—".into()),
                ),
                (t.people_affected, i.people_now().map_or(t.not_known.to_string(), |n| n.to_string())),
                (t.households_affected, i.households_now().map_or(t.not_known.to_string(), |n| n.to_string())),
                (t.description, i.description),
            ],
            Body::Activity(a) => vec![
                (t.date, date_vi(a.date)),
                (t.topic, if en { a.topic.label_en() } else { a.topic.label_vi() }.to_string()),
                (t.participants, a.participants.to_string()),
                (t.helped, a.helped.to_string()),
                (t.note, a.note),
            ],
            Body::Report(_) => Vec::new(),
        }
    };
    view! {
        <main class="page record">
            <BackBar>
            </BackBar>
            {move || rec.get().map(|r| {
                let lang = ctx.lang.get();
                let (title, _) = record_title(lang, &r.body);
                view! {
                    <h1>{title}</h1>
                    <p><span class=state_class(r.state) data-testid="meta-state">{state_label(lang, r.state)}</span></p>
                    {(!r.receipt.is_empty()).then(|| view! { <p>{ctx.t().receipt} ": " <b data-testid="meta-receipt">{r.receipt.clone()}</b></p> })}
                    {(!r.comment.is_empty()).then(|| view! { <p class="warn">{ctx.t().comment} ": " {r.comment.clone()}</p> })}
                }
            })}
            <dl class="card details">
                {move || details().into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
            </dl>
        </main>
    }
}

/// Connection state, unsent count and "Gửi ngay".
#[component]
fn SyncBar(unsent: Signal<usize>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // A clock for the countdown, ticking once a second while this bar is shown.
    let now = RwSignal::new(browser::now_ms());
    if let Ok(h) = set_interval_with_handle(move || now.set(browser::now_ms()), std::time::Duration::from_secs(1)) {
        on_cleanup(move || h.clear());
    }
    let status = move || {
        let t = ctx.t();
        let lang = ctx.lang.get();
        match ctx.sync.get() {
            SyncStatus::Unknown => String::new(),
            SyncStatus::Syncing => t.syncing.to_string(),
            SyncStatus::Online(at) => format!("{} · {} {}", t.online, t.last_sync, when(lang, at)),
            SyncStatus::Offline { retry_at } => {
                let secs = ((retry_at - now.get() + 999) / 1000).max(0);
                format!("{} · {} {} s", t.offline, t.retry_in, number_vi(secs as f64, 0))
            }
            SyncStatus::NeedLogin => t.login_again.to_string(),
            SyncStatus::Failed(m) => m,
        }
    };
    let online = move || matches!(ctx.sync.get(), SyncStatus::Online(_));
    view! {
        <section class="syncbar" class:online=online aria-live="polite">
            <p data-testid="sync-status">{status}</p>
            <p>
                <span data-testid="unsent-count">{move || unsent.get()}</span> " " {move || ctx.t().unsent}
            </p>
            {move || (ctx.sync.get() == SyncStatus::NeedLogin).then(|| view! {
                <button class="primary" data-testid="relogin" on:click=move |_| {
                    // Keep the outbox: only the token goes.
                    ctx.session.update(|s| if let Some(s) = s { s.token.clear(); });
                    ctx.set_session(None);
                }>{ctx.t().login}</button>
            })}
            <button class="primary" data-testid="send-now" on:click=move |_| sync::send_now(ctx)>
                {move || ctx.t().send_now}
            </button>
        </section>
    }
}

/// The last message for the person (saved, storage full…).
#[component]
pub fn Notice() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        {move || ctx.notice.get().map(|n| view! {
            <p class="notice" role="status" data-testid="notice">{n}</p>
        })}
    }
}

// The panel (backup, import, logout) is its own chunk: the list of what is
// owed is what the first download is for.
on_demand_screen!(
    storage_panel,
    fn storage_panel(unsent: Signal<usize>) {
        view! { <StoragePanel unsent=unsent/> }.into_any()
    }
);

/// Storage use, persistence, old-unsent warning, backup and logout.
#[component]
fn StoragePanel(unsent: Signal<usize>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let persisted = RwSignal::new(None::<bool>);
    let exported = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        persisted.set(Some(browser::request_persistence().await));
    });
    let used = move || {
        ctx.tick.track();
        storage::used_units()
    };
    let old_unsent = move || {
        ctx.tick.track();
        engine().ok().and_then(|e| e.oldest_unsent()).is_some_and(|t| browser::now_ms() - t > OLD_UNSENT_MS)
    };
    let export = move |_| {
        if let Ok(e) = engine() {
            let now = browser::now_ms();
            let name = format!("so-thon-sao-luu-{}.json", date_compact(vn_date(now)));
            if browser::download(&name, &e.export_backup(now)).is_ok() {
                exported.set(true);
            }
        }
    };
    let import = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|t| t.as_string());
            let result = match (text, engine()) {
                (Some(t), Ok(e)) => e.import_backup(&t),
                (None, _) => Err("Không đọc được tệp".into()),
                (_, Err(e)) => Err(e.to_string()),
            };
            match result {
                Ok(n) => {
                    ctx.notice.set(Some(format!("{}: {n}", ctx.t().imported)));
                    ctx.touch();
                    sync::sync_now(ctx);
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
        });
    };
    let logout = move |_| {
        if unsent.get_untracked() > 0 && !exported.get_untracked() {
            ctx.notice.set(Some(ctx.t().logout_blocked.into()));
            return;
        }
        // Clear this account's records, but never the device ids or the
        // sequence counter (a reused mutation id would be refused), nor
        // another account's unsent work waiting on this shared phone.
        let s = crate::platform::storage::LocalStore;
        if let Ok(e) = engine() {
            let held: std::collections::HashSet<String> = e.held().into_iter().map(|m| m.id).collect();
            for m in e.outbox_all().into_iter().filter(|m| !held.contains(&m.id)) {
                sothon_sync::Store::remove(&s, &format!("st.o.{}", m.id));
                sothon_sync::Store::remove(&s, &format!("st.h.{}", m.id));
            }
            let session = ctx.session.get_untracked();
            for r in e.records() {
                let waiting = r.pending.as_ref().is_some_and(|p| held.contains(p));
                if super::visible(session.as_ref(), r.body.village()) && !waiting {
                    sothon_sync::Store::remove(&s, &format!("st.r.{}", r.id));
                }
            }
            if let Some(a) = e.account() {
                sothon_sync::Store::remove(&s, &format!("st.cur.{a}"));
            }
        }
        // Revoke the token on the server too, when it can be reached.
        if let Some(token) = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())) {
            leptos::task::spawn_local(async move {
                let _: Result<serde::de::IgnoredAny, _> =
                    crate::platform::http::call::<(), _>("POST", "/api/v1/logout", None, Some(&token)).await;
            });
        }
        ctx.set_session(None);
        ctx.touch();
    };
    view! {
        <section class="card storage" aria-labelledby="storage-title">
            <h2 id="storage-title">{move || ctx.t().storage_used}</h2>
            {move || old_unsent().then(|| view! { <p class="warn" role="alert" data-testid="old-unsent">{ctx.t().old_unsent}</p> })}
            {move || browser::ios_not_installed().then(|| view! { <p class="warn" data-testid="ios-install">{ctx.t().ios_install}</p> })}
            <p data-testid="storage-used">
                {move || {
                    // Records live in localStorage: about 5 million characters per site.
                    let pct = used() as f64 / LOCAL_STORAGE_UNITS * 100.0;
                    let pct = if pct > 0.0 && pct < 1.0 { "<1".to_string() } else { number_vi(pct, 0) };
                    format!("{} {pct}% {} ({} KB)", ctx.t().used, ctx.t().storage_pct, number_vi(used() as f64 * 2.0 / 1024.0, 0))
                }}
            </p>
            <p class="small" data-testid="persisted">
                {move || match persisted.get() { Some(true) => ctx.t().persisted, Some(false) => ctx.t().not_persisted, None => "" }}
            </p>
            <h3 id="backup-title">{move || ctx.t().backup_title}</h3>
            <p class="small">{move || ctx.t().backup_why}</p>
            <button data-testid="backup" on:click=export>{move || ctx.t().backup}</button>
            <input id="import-backup" class="visually-hidden" type="file" accept=".json,application/json" data-testid="import-backup" on:change=import/>
            <label for="import-backup" class="filepick">{move || ctx.t().choose_file}</label>
            <div class="row logout">
                <button data-testid="logout" on:click=logout>{move || ctx.t().logout}</button>
            </div>
        </section>
    }
}
