//! The commune office's screens (officer and admin), online: who has
//! reported for a period, review (approve / return with a comment),
//! conflicts to resolve with both versions side by side, the commune's
//! aggregate figures, and — for the admin — villages and accounts.
//!
//! The office works at a desk with a connection, so these screens read the
//! server directly instead of going through the phone's outbox.

mod accounts;
mod grid;
mod incidents;

use super::home::Notice;
use super::login::LangSwitch;
use super::Ctx;
use crate::i18n::Lang;
use crate::platform::http::{call, HttpError};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sothon_domain::aggregate::Figure;
use sothon_domain::api::{
    diff, CommuneFigures, Conflict, DueRequest, Overview, ResolveRequest, ReviewRequest, VillageLine,
};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::format::{date_vi, datetime_vi, number_vi, vn_date};
use sothon_domain::protocol::{RecordState, Role};
use sothon_domain::{Period, PeriodKind};

fn token(ctx: Ctx) -> String {
    ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())).unwrap_or_default()
}

/// The typed client: calls the API with the session's token; errors become
/// a Vietnamese message (a 401 ends the session).
async fn api<B: Serialize, R: DeserializeOwned>(
    ctx: Ctx,
    method: &str,
    path: &str,
    body: Option<B>,
) -> Result<R, String> {
    match call::<B, R>(method, path, body.as_ref(), Some(&token(ctx))).await {
        Ok(v) => Ok(v),
        Err(HttpError::Status(401, _)) => {
            ctx.set_session(None);
            Err(ctx.t().login_again.into())
        }
        Err(HttpError::Status(_, e)) => {
            let fields: Vec<String> = e.fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            Err(if fields.is_empty() { e.message } else { format!("{} ({})", e.message, fields.join("; ")) })
        }
        Err(HttpError::Unreachable(_)) => Err(ctx.t().offline.into()),
    }
}

/// A GET through [`api`].
async fn get<R: DeserializeOwned>(ctx: Ctx, path: &str) -> Result<R, String> {
    api::<(), R>(ctx, "GET", path, None).await
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
    let role = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.user.role)).unwrap_or(Role::Officer);
    let period = RwSignal::new(Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms())));
    let refresh = RwSignal::new(0u32);
    let overview = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move { get::<Overview>(ctx, &format!("/api/v1/overview?period={p}")).await }
    });
    let conflicts = LocalResource::new(move || {
        refresh.track();
        async move { get::<Vec<Conflict>>(ctx, "/api/v1/conflicts").await }
    });
    let figures = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move { get::<CommuneFigures>(ctx, &format!("/api/v1/aggregate?period={p}")).await }
    });
    let done = move |r: Outcome, ok: &str| {
        match r {
            Ok(_) => ctx.notice.set(Some(ok.to_string())),
            Err(e) => ctx.notice.set(Some(e)),
        }
        refresh.update(|x| *x += 1);
    };

    let periods = move || {
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
    };

    let tab = RwSignal::new(DeskTab::Home);
    let open_incident = RwSignal::new(None::<String>);
    let open_urgent = move |id: String| {
        open_incident.set(Some(id));
        tab.set(DeskTab::Incidents);
    };

    view! {
        <main class="page office">
            <header class="bar">
                <div>
                    <h1>{move || ctx.t().app} " · " {move || if ctx.lang.get() == Lang::Vi { "Văn phòng xã" } else { "Commune office" }}</h1>
                    <p class="sub">{move || ctx.session.get().map(|s| format!("{} · {}", s.user.name, s.user.role.label_vi()))}</p>
                </div>
                <LangSwitch/>
            </header>
            <Notice/>
            <DeskNav tab=tab admin=role == Role::Admin/>
            {move || match tab.get() {
                DeskTab::Home => ().into_any(),
                DeskTab::Grid => view! { <grid::GridScreen/> }.into_any(),
                DeskTab::Incidents => view! { <incidents::IncidentsScreen open=open_incident/> }.into_any(),
                DeskTab::Accounts => view! { <accounts::AccountsScreen/> }.into_any(),
            }}
            <div hidden=move || tab.get() != DeskTab::Home>
            <incidents::UrgentIncidents on_open=open_urgent/>
            <section class="card">
                <label for="office-period">{move || if ctx.lang.get() == Lang::Vi { "Kỳ báo cáo" } else { "Period" }}</label>
                <select id="office-period" data-testid="office-period"
                    on:change=move |e| if let Ok(p) = Period::parse(&event_target_value(&e)) { period.set(p) }>
                    {move || periods().into_iter().map(|p| view! {
                        <option value=p.to_string() selected=move || period.get() == p>{p.label_vi()}</option>
                    }).collect_view()}
                </select>
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
            <section class="card" aria-labelledby="fig-title">
                <h2 id="fig-title">{move || if ctx.lang.get() == Lang::Vi { "Số liệu tổng hợp toàn xã" } else { "Commune figures" }}</h2>
                {move || match figures.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(f)) => view! { <Figures f=f/> }.into_any(),
                }}
            </section>
            </div>
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

/// The commune's figures for the period, with the plan's targets. A target
/// is judged only when every village's figure is in ("chưa đủ số liệu"
/// otherwise): one village's fibre does not make the commune's.
#[component]
fn Figures(f: CommuneFigures) -> impl IntoView {
    let cat = catalogue();
    let rows: Vec<_> = f
        .aggregates
        .iter()
        .filter_map(|a| {
            let ind = cat.indicator(&a.key)?;
            let shown = match &a.figure {
                Figure::Flag(Some(b)) => if *b { "Có" } else { "Không" }.to_string(),
                _ => format!("{} {}", number_vi(a.number()?, 2), ind.unit),
            };
            let target = f.targets.iter().find(|t| t.key == a.key);
            let judged = target.map(|t| match (t.complete, t.met) {
                (false, _) => " · chưa đủ số liệu",
                (true, Some(true)) => " ✓",
                (true, Some(false)) => " ✗ chưa đạt mục tiêu",
                (true, None) => "",
            });
            let unmet = target.is_some_and(|t| t.complete && t.met == Some(false));
            Some((ind.vi.clone(), shown, format!("{}/{}", a.villages_reporting, a.villages_total), judged, unmet))
        })
        .collect();
    view! {
        <p class="small">{format!("{} · {} thôn đã báo cáo", f.label, f.villages_reported.len())}</p>
        <table class="figures" data-testid="figures">
            <thead><tr><th scope="col">"Chỉ tiêu"</th><th scope="col">"Toàn xã"</th><th scope="col">"Số thôn"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(label, value, villages, judged, unmet)| view! {
                    <tr class:unmet=unmet>
                        <th scope="row">{label}</th>
                        <td>{value} {judged}</td>
                        <td>{villages}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Which of the office's screens is shown (until the office gets routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DeskTab {
    Home,
    Grid,
    Incidents,
    Accounts,
}

/// Tabs to the desk's screens; accounts for the admin only.
#[component]
fn DeskNav(tab: RwSignal<DeskTab>, admin: bool) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let d = move || ctx.lang.get().desk();
    let item =
        move |t: DeskTab, testid: &'static str, label: fn(&'static crate::i18n::desk::DeskTxt) -> &'static str| {
            view! {
                <button class="tab" data-testid=testid aria-current=move || (tab.get() == t).then_some("page")
                    on:click=move |_| tab.set(t)>{move || label(d())}</button>
            }
        };
    view! {
        <nav class="tabs" aria-label=move || d().desk_nav>
            {item(DeskTab::Home, "tab-home", |t| t.nav_home)}
            {item(DeskTab::Grid, "tab-grid", |t| t.nav_grid)}
            {item(DeskTab::Incidents, "tab-incidents", |t| t.nav_incidents)}
            {admin.then(|| item(DeskTab::Accounts, "tab-accounts", |t| t.nav_accounts))}
        </nav>
    }
}
