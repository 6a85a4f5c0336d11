//! The commune office's screens (officer and admin), online: who has
//! reported for a period, review (approve / return with a comment),
//! conflicts to resolve with both versions side by side, the commune's
//! aggregate figures, and — for the admin — villages and accounts.
//!
//! The office works at a desk with a connection, so these screens read the
//! server directly instead of going through the phone's outbox.
//!
//! Every screen has its URL under `/office` ([`OfficeRoutes`]; paths are
//! built by [`super::routes::office`]).

mod accounts;
mod audit;
mod charts;
mod download;
mod figures;
mod fresh;
mod grid;
mod incidents;
mod print;
mod review;
mod targets;

use super::home::Notice;
use super::login::LangSwitch;
use super::on_demand::on_demand;
use super::routes;
use super::Ctx;
use crate::i18n::Lang;
use crate::platform::http::{call, HttpError};
use fresh::Freshness;
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route};
use leptos_router::{path, MatchNestedRoutes};
use serde::de::DeserializeOwned;
use serde::Serialize;
use sothon_domain::api::{diff, Conflict, DueRequest, Overview, ResolveRequest, ReviewRequest, VillageLine};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::format::{date_vi, datetime_vi, number_vi, vn_date};
use sothon_domain::protocol::{RecordState, Role};
use sothon_domain::{Period, PeriodKind};

/// The office's routes, all under `/office`. A village head who opens one
/// is handed over to the village's page.
///
/// The office home (and the conflicts, which it shows too) is in the first
/// download; every other screen is fetched on first use ([`on_demand`]), and
/// the service worker keeps them all once the office's page has been opened.
#[component(transparent)]
pub fn OfficeRoutes() -> impl MatchNestedRoutes + Clone {
    view! {
        <Route path=path!("/office.html") view=|| view! { <Redirect path=routes::office::HOME/> }/>
        <ParentRoute path=path!("/office") view=OfficeOnly>
            <Route path=path!("") view=Office/>
            <Route path=path!("review/:village/:period") view=|| on_demand(|| review_screen(Review::Sheet))/>
            <Route path=path!("conflicts") view=ConflictsPage/>
            <Route path=path!("audit") view=|| on_demand(|| review_screen(Review::Audit))/>
            <Route path=path!("grid") view=|| on_demand(|| desk_screen(Desk::Grid))/>
            <Route path=path!("incidents") view=|| on_demand(|| desk_screen(Desk::Incidents))/>
            <Route path=path!("incidents/:id") view=|| on_demand(|| desk_screen(Desk::Incidents))/>
            <Route path=path!("accounts") view=|| on_demand(|| desk_screen(Desk::Accounts))/>
            <Route path=path!("figures") view=|| on_demand(|| reports_screen(Reports::Figures))/>
            <Route path=path!("targets") view=|| on_demand(|| reports_screen(Reports::Targets))/>
            <Route path=path!("print/:period") view=|| on_demand(|| reports_screen(Reports::Print))/>
            <Route path=path!("*any") view=super::NotFound/>
        </ParentRoute>
    }
    .into_inner()
}

/// The review screens' chunk: a village's report field by field, the trail.
#[derive(Clone, Copy)]
enum Review {
    Sheet,
    Audit,
}

/// The desk's chunk: the completeness grid, the incidents, the accounts.
#[derive(Clone, Copy)]
enum Desk {
    Grid,
    Incidents,
    Accounts,
}

/// The reports' chunk: figures, targets, the printable report (they share the charts).
#[derive(Clone, Copy)]
enum Reports {
    Figures,
    Targets,
    Print,
}

// One chunk per area rather than per screen: wasm-split gives every set of
// split points that shares a function a chunk of its own, and with a split
// point per screen that was 102 chunks, most under 1 KB (see BENCHMARKS.md).
on_demand_screen!(
    office_review,
    fn review_screen(which: Review) {
        match which {
            Review::Sheet => view! { <review::ReviewPage/> }.into_any(),
            Review::Audit => view! { <audit::AuditPage/> }.into_any(),
        }
    }
);

on_demand_screen!(
    office_desk,
    fn desk_screen(which: Desk) {
        match which {
            Desk::Grid => view! { <DeskPage><grid::GridScreen/></DeskPage> }.into_any(),
            Desk::Incidents => view! { <IncidentsPage/> }.into_any(),
            Desk::Accounts => view! { <DeskPage><accounts::AccountsScreen/></DeskPage> }.into_any(),
        }
    }
);

on_demand_screen!(
    office_reports,
    fn reports_screen(which: Reports) {
        match which {
            Reports::Figures => view! { <FiguresPage/> }.into_any(),
            Reports::Targets => view! { <TargetsPage/> }.into_any(),
            Reports::Print => view! { <PrintPage/> }.into_any(),
        }
    }
);

/// The office's screens, for the office's accounts only.
#[component]
fn OfficeOnly() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let village_account = move || ctx.session.with(|s| s.as_ref().is_some_and(|s| s.user.role.village_scoped()));
    move || {
        if village_account() {
            view! { <super::Handover officer=false/> }.into_any()
        } else {
            view! { <Outlet/> }.into_any()
        }
    }
}

/// The office's top bar: the title, who is logged in, the office's pages.
#[component]
pub fn OfficeBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let n = move || ctx.lang.get().nav();
    let admin = move || ctx.session.with(|s| s.as_ref().is_some_and(|s| s.user.role == Role::Admin));
    view! {
        <header class="bar">
            <div>
                <h1>{move || ctx.t().app} " · " {move || if ctx.lang.get() == Lang::Vi { "Văn phòng xã" } else { "Commune office" }}</h1>
                <p class="sub">{move || ctx.session.get().map(|s| format!("{} · {}", s.user.name, s.user.role.label_vi()))}</p>
            </div>
            <LangSwitch/>
        </header>
        <nav class="office-nav" aria-label=move || n().office_nav data-testid="office-nav">
            <a href=routes::office::HOME>{move || n().office_home}</a>
            <a href=routes::office::CONFLICTS>{move || n().conflicts}</a>
            <a href=routes::office::GRID data-testid="tab-grid">{move || ctx.lang.get().desk().nav_grid}</a>
            <a href=routes::office::INCIDENTS data-testid="tab-incidents">{move || ctx.lang.get().desk().nav_incidents}</a>
            <a href=routes::office::AUDIT>{move || ctx.lang.get().rv().nav_audit}</a>
            <a href=routes::office::FIGURES data-testid="tab-figures">{move || ctx.lang.get().reports().tab_figures}</a>
            <a href=routes::office::TARGETS data-testid="tab-targets">{move || ctx.lang.get().reports().tab_targets}</a>
            {move || admin().then(|| view! {
                <a href=routes::office::ACCOUNTS data-testid="tab-accounts">{move || ctx.lang.get().desk().nav_accounts}</a>
            })}
        </nav>
    }
}

fn token(ctx: Ctx) -> String {
    ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())).unwrap_or_default()
}

fn account(ctx: Ctx) -> String {
    ctx.session.with_untracked(|s| s.as_ref().map(|s| s.user.username.clone())).unwrap_or_default()
}

/// The typed client: calls the API with the session's token; errors become
/// a Vietnamese message (a 401 ends the session). A decision (any method but
/// GET) without a connection is refused, never queued: see [`super::kept`].
async fn api<B: Serialize, R: DeserializeOwned>(
    ctx: Ctx,
    method: &str,
    path: &str,
    body: Option<B>,
) -> Result<R, String> {
    match call::<B, R>(method, path, body.as_ref(), Some(&token(ctx))).await {
        Ok(v) => Ok(v),
        Err(e) => Err(api_error(ctx, method, e)),
    }
}

fn api_error(ctx: Ctx, method: &str, e: HttpError) -> String {
    match e {
        HttpError::Status(401, _) => {
            ctx.set_session(None);
            ctx.t().login_again.into()
        }
        HttpError::Status(_, e) => {
            let fields: Vec<String> = e.fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            if fields.is_empty() {
                e.message
            } else {
                format!("{} ({})", e.message, fields.join("; "))
            }
        }
        HttpError::Unreachable(_) if method != "GET" => {
            let lang = ctx.lang.get_untracked();
            super::kept::offline_refusal(lang, lang.rv().save_decision)
        }
        HttpError::Unreachable(_) => ctx.t().offline.into(),
    }
}

/// A GET through [`api`], kept in browser storage ([`super::kept`]). When
/// the server cannot be reached, the kept answer is served instead and
/// `ctx.kept` says from when (the [`fresh::Freshness`] line shows it).
async fn get<R: DeserializeOwned + Serialize>(ctx: Ctx, path: &str) -> Result<R, String> {
    use crate::platform::storage::LocalStore;
    let who = account(ctx);
    match call::<(), R>("GET", path, None, Some(&token(ctx))).await {
        Ok(v) => {
            if let Ok(text) = sothon_domain::json::to_string(&v) {
                let _ = super::kept::keep(&LocalStore, &who, path, &text, crate::platform::browser::now_ms());
            }
            if ctx.kept.get_untracked().is_some() {
                ctx.kept.set(None);
            }
            Ok(v)
        }
        Err(HttpError::Unreachable(u)) => match super::kept::kept(&LocalStore, &who, path) {
            Some((at, text)) => {
                let v = sothon_domain::json::from_str(&text).map_err(|e| e.to_string())?;
                ctx.kept.update(|k| *k = Some(k.map_or(at, |k| k.min(at))));
                Ok(v)
            }
            None => Err(api_error(ctx, "GET", HttpError::Unreachable(u))),
        },
        Err(e) => Err(api_error(ctx, "GET", e)),
    }
}

/// What a decision's answer is, to the screens: done, or why not.
type Outcome = Result<(), String>;

/// A record state's Vietnamese label (`None`: not reported).
fn state_vi(state: Option<RecordState>) -> &'static str {
    match state {
        Some(RecordState::Received) => "Xã đã nhận",
        Some(RecordState::Returned) => "Đã trả lại",
        Some(RecordState::Approved) => "Đã duyệt",
        Some(RecordState::Conflict) => "Có xung đột",
        None => "Chưa báo cáo",
    }
}

/// The CSS badge of a state.
fn state_badge(state: Option<RecordState>) -> &'static str {
    match state {
        Some(RecordState::Received) => "badge received",
        Some(RecordState::Approved) => "badge approved",
        Some(RecordState::Returned | RecordState::Conflict) => "badge attention",
        None => "badge draft",
    }
}

/// How a state is named in `data-state` (as the server spells it).
fn state_attr(state: Option<RecordState>) -> &'static str {
    state.map(sothon_domain::api::state_str).unwrap_or("")
}

/// The office home.
#[component]
pub fn Office() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let period = RwSignal::new(Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms())));
    let refresh = RwSignal::new(0u32);
    let overview = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move { get::<Overview>(ctx, &format!("/api/v1/overview?period={p}")).await }
    });
    let done = move |r: Outcome, ok: &str| {
        match r {
            Ok(_) => ctx.notice.set(Some(ok.to_string())),
            Err(e) => ctx.notice.set(Some(e)),
        }
        refresh.update(|x| *x += 1);
    };

    view! {
        <main class="page office">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <incidents::UrgentIncidents on_open=move |id: String| ctx.go_to(&routes::office::incident(&id))/>
            <section class="card">
                <PeriodSelect id="office-period" period=period/>
            </section>
            <DueEditor period=period on_done=done/>
            <section class="card" aria-labelledby="ov-title">
                <h2 id="ov-title">{move || if ctx.lang.get() == Lang::Vi { "Tình hình báo cáo" } else { "Who has reported" }}</h2>
                {move || match overview.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(ov)) => {
                        let sm = &ov.summary;
                        view! {
                            <p data-testid="office-summary">
                                {format!("Đã báo cáo {}/{} · chưa báo cáo {} · đã duyệt {} · trả lại {} · xung đột {} · hạn {}",
                                    sm.reported, sm.villages, sm.missing, sm.approved, sm.returned, sm.conflict, date_vi(ov.due))}
                            </p>
                            <ul class="records" data-testid="office-villages">
                                {ov.villages.into_iter().map(|v| view! { <VillageRow v=v on_done=done/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </section>
            <Conflicts refresh=refresh on_done=done/>
            <button data-testid="logout" on:click=move |_| {
                let t = token(ctx);
                leptos::task::spawn_local(async move {
                    let _ = call::<(), serde::de::IgnoredAny>("POST", "/api/v1/logout", None, Some(&t)).await;
                });
                ctx.set_session(None);
            }>{move || ctx.t().logout}</button>
        </main>
    }
}

/// The periods the office picks from: this month and the five before, this
/// and the last quarter, half-year and year.
fn period_choices() -> Vec<Period> {
    let now = Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms()));
    let mut v = vec![now];
    let mut p = now;
    for _ in 0..5 {
        p = p.prev();
        v.push(p);
    }
    for k in [PeriodKind::Quarter, PeriodKind::Half, PeriodKind::Year] {
        let c = Period::containing(k, now.start());
        v.push(c);
        v.push(c.prev());
    }
    v
}

/// A desk screen under the office's bar.
#[component]
fn DeskPage(children: Children) -> impl IntoView {
    view! {
        <main class="page office">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            {children()}
        </main>
    }
}

/// `/office/incidents` and `/office/incidents/:id`: the incidents desk, one opened.
#[component]
fn IncidentsPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let open = RwSignal::new(None::<String>);
    Effect::new(move |_| open.set(params.with(|p| p.get("id").map(|v| super::routes::unseg(&v)))));
    view! { <DeskPage><incidents::IncidentsScreen open=open/></DeskPage> }
}

/// The office's period picker ([`period_choices`]), labelled "Kỳ báo cáo".
#[component]
fn PeriodSelect(id: &'static str, period: RwSignal<Period>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <label for=id>{move || if ctx.lang.get() == Lang::Vi { "Kỳ báo cáo" } else { "Period" }}</label>
        <select id=id data-testid="office-period"
            on:change=move |e| if let Ok(p) = Period::parse(&event_target_value(&e)) { period.set(p) }>
            {period_choices().into_iter().map(|p| view! {
                <option value=p.to_string() selected=move || period.get() == p>{p.label_vi()}</option>
            }).collect_view()}
        </select>
    }
}

/// `/office/figures`: every indicator across villages for a period.
#[component]
fn FiguresPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let period = RwSignal::new(Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms())));
    view! {
        <main class="page office">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <section class="card">
                <PeriodSelect id="figures-period" period=period/>
                <a class="button" data-testid="open-print" href=move || routes::office::print(&period.get().to_string())>
                    {move || ctx.lang.get().reports().print_open}
                </a>
            </section>
            <figures::Figures period=period/>
        </main>
    }
}

/// `/office/targets`: the plan's targets (entered by the admin) and progress.
#[component]
fn TargetsPage() -> impl IntoView {
    view! {
        <main class="page office">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <targets::TargetsPanel/>
        </main>
    }
}

/// `/office/print/:period`: the periodic report as printed (NĐ 30/2020).
#[component]
fn PrintPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let params = leptos_router::hooks::use_params_map();
    let period =
        move || params.with(|p| p.get("period").map(|v| super::routes::unseg(&v)).and_then(|v| Period::parse(&v).ok()));
    move || match period() {
        Some(p) => {
            view! { <print::PrintReport period=p on_back=move || ctx.go_to(routes::office::FIGURES)/> }.into_any()
        }
        None => view! { <super::NotFound/> }.into_any(),
    }
}

/// `/office/conflicts`: the conflicts alone.
#[component]
fn ConflictsPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refresh = RwSignal::new(0u32);
    let done = move |r: Outcome, ok: &str| {
        ctx.notice.set(Some(r.map(|_| ok.to_string()).unwrap_or_else(|e| e)));
        refresh.update(|x| *x += 1);
    };
    view! {
        <main class="page office">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <Conflicts refresh=refresh on_done=done/>
        </main>
    }
}

/// Conflicts to resolve, each with both versions (re-read when `refresh` changes).
#[component]
fn Conflicts(refresh: RwSignal<u32>, on_done: impl Fn(Outcome, &str) + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let done = on_done;
    let conflicts = LocalResource::new(move || {
        refresh.track();
        async move { get::<Vec<Conflict>>(ctx, "/api/v1/conflicts").await }
    });
    view! {
            <section class="card" aria-labelledby="cf-title">
                <h2 id="cf-title">{move || if ctx.lang.get() == Lang::Vi { "Xung đột cần xử lý" } else { "Conflicts to resolve" }}</h2>
                {move || match conflicts.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(list)) => {
                        if list.is_empty() {
                            return view! { <p class="muted" data-testid="no-conflicts">{"Không có xung đột."}</p> }.into_any();
                        }
                        list.into_iter().map(|c| view! { <ConflictCard c=c on_done=done/> }).collect_view().into_any()
                    }
                }}
            </section>
    }
}

/// Sets the period's due date; phones get it with their next sync.
#[component]
fn DueEditor(period: RwSignal<Period>, on_done: impl Fn(Outcome, &str) + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let due = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = DueRequest { period: period.get_untracked().to_string(), due: due.get_untracked() };
        leptos::task::spawn_local(async move {
            let r = api::<_, sothon_domain::protocol::DueDate>(ctx, "POST", "/api/v1/due", Some(body)).await;
            on_done(r.map(drop), "Đã đặt hạn nộp — các thôn nhận được ở lần đồng bộ tới");
        });
    };
    view! {
        <form class="card row" on:submit=save data-testid="set-due">
            <label for="due-date">"Đặt hạn nộp cho kỳ này"</label>
            <input id="due-date" type="date" required prop:value=due on:input=move |e| due.set(event_target_value(&e))/>
            <button type="submit">"Lưu hạn nộp"</button>
        </form>
    }
}

/// One village's line: report state, receipt, clock skew, incidents; review.
#[component]
fn VillageRow(v: VillageLine, on_done: impl Fn(Outcome, &str) + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let comment = RwSignal::new(String::new());
    let state = v.report.as_ref().map(|r| r.state);
    let review = move |decision: &'static str, record: String, rev: i64| {
        let body = ReviewRequest {
            decision: decision.into(),
            comment: comment.get_untracked(),
            rev: u32::try_from(rev).unwrap_or(0),
            fields: Vec::new(),
        };
        leptos::task::spawn_local(async move {
            let path = format!("/api/v1/records/{record}/review");
            let r = api::<_, sothon_domain::api::Reviewed>(ctx, "POST", &path, Some(body)).await;
            on_done(
                r.map(drop),
                if decision == "approve" {
                    "Đã duyệt báo cáo"
                } else {
                    "Đã trả lại báo cáo để thôn sửa"
                },
            );
        });
    };
    let skew = v.report.as_ref().map(|r| r.skew_ms).unwrap_or(0);
    let counts = format!("Sự cố: {} · Hoạt động: {} · Xung đột: {}", v.incidents, v.activities, v.conflicts);
    view! {
        <li data-testid="office-village" data-village=v.village.clone() data-state=state_attr(state)>
            <p class="title"><b>{v.name.clone()}</b> " — " <span class=state_badge(state)>{state_vi(state)}</span></p>
            {v.report.clone().map(|r| view! {
                <p class="small">
                    {format!("Mã biên nhận {} · nhận lúc {}", r.receipt, datetime_vi(r.received_at))}
                    {(skew.abs() > 5 * 60 * 1000).then(|| format!(" · đồng hồ điện thoại lệch {} giờ", number_vi(skew as f64 / 3_600_000.0, 1)))}
                </p>
            })}
            <p class="small">{counts}</p>
            {v.report.as_ref().map(|r| {
                let period = r.record.rsplit('.').next().unwrap_or_default().to_string();
                view! {
                    <a class="button" data-testid="open-review" href=routes::office::review(&v.village, &period)>
                        {move || ctx.lang.get().rv().open_review}
                    </a>
                }
            })}
            {v.report.filter(|r| r.state == RecordState::Received).map(|r| {
                let (rec, rev) = (r.record.clone(), r.rev);
                let rec2 = rec.clone();
                view! {
                    <div class="row">
                        <input aria-label="Ý kiến khi trả lại" placeholder="Ý kiến (bắt buộc khi trả lại)" data-testid="review-comment"
                            prop:value=comment on:input=move |e| comment.set(event_target_value(&e))/>
                        <button class="primary" data-testid="approve" on:click=move |_| review("approve", rec.clone(), rev)>"Duyệt"</button>
                        <button data-testid="return" on:click=move |_| review("return", rec2.clone(), rev)>"Trả lại"</button>
                    </div>
                }
            })}
        </li>
    }
}

/// A conflict: the current version and the incoming one, side by side.
#[component]
fn ConflictCard(c: Conflict, on_done: impl Fn(Outcome, &str) + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let cat = catalogue();
    let rows: Vec<(String, String, String)> = diff(&c.current.body, &c.incoming.body)
        .into_iter()
        .map(|d| {
            let label = cat.indicator(&d.key).map(|i| i.vi.clone()).unwrap_or(d.key);
            (label, d.before.unwrap_or_else(|| "—".into()), d.after.unwrap_or_else(|| "—".into()))
        })
        .collect();
    let mutation = c.mutation.clone();
    let rev = u32::try_from(c.current.rev).unwrap_or(0);
    let resolve = move |keep: &'static str, m: String| {
        leptos::task::spawn_local(async move {
            let body = ResolveRequest { keep: keep.into(), rev };
            let path = format!("/api/v1/conflicts/{m}/resolve");
            let r = api::<_, sothon_domain::api::Resolved>(ctx, "POST", &path, Some(body)).await;
            on_done(r.map(drop), "Đã xử lý xung đột");
        });
    };
    let m2 = mutation.clone();
    let period = c.period.map(|p| p.to_string()).unwrap_or_default();
    let by = format!("bản mới của {} lúc {}", c.incoming.name, datetime_vi(c.incoming.received_at));
    view! {
        <div class="conflict" data-testid="conflict">
            <p><b>{c.village.clone()}</b> " · " {period} " · " {by}</p>
            <table class="diff">
                <thead><tr><th scope="col">"Mục"</th><th scope="col">"Bản hiện tại"</th><th scope="col">"Bản mới"</th></tr></thead>
                <tbody>{rows.into_iter().map(|(k, a, b)| view! { <tr><th scope="row">{k}</th><td>{a}</td><td>{b}</td></tr> }).collect_view()}</tbody>
            </table>
            <div class="row">
                <button data-testid="keep-current" on:click=move |_| resolve("current", mutation.clone())>"Giữ bản hiện tại"</button>
                <button class="primary" data-testid="keep-incoming" on:click=move |_| resolve("incoming", m2.clone())>"Lấy bản mới"</button>
            </div>
        </div>
    }
}
