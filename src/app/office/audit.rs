//! `/office/audit`: the commune's audit trail — who decided what, when — by
//! kind and village, paging back with `before`; and [`Trail`], one record's
//! lines on the review screen. Both read `GET /api/v1/audit`.

use super::fresh::Freshness;
use super::{get, OfficeBar};
use crate::app::home::Notice;
use crate::app::review_sheet::audit_path;
use crate::app::Ctx;
use crate::i18n::{action_label, Lang};
use leptos::prelude::*;
use sothon_domain::api::{AuditAction, AuditEntry};
use sothon_domain::format::datetime_vi;
use sothon_domain::protocol::Village;

/// Lines per page of the commune-wide trail.
const PAGE: i64 = 50;

/// One line: when (Vietnam time), who (name), what (kind and detail).
#[component]
fn Line(e: AuditEntry, village: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    view! {
        <tr data-testid="audit-line" data-action=e.action.as_str()>
            <td class="nowrap">{datetime_vi(e.at)}</td>
            <td>{e.name.clone()}</td>
            <td>
                <b>{action_label(lang, e.action)}</b>
                {village.map(|v| view! { " · " {v} })}
                " — " {e.detail.clone()}
            </td>
        </tr>
    }
}

/// The table head shared by both trails.
fn head(lang: Lang) -> impl IntoView {
    let rv = lang.rv();
    view! { <thead><tr><th scope="col">{rv.when}</th><th scope="col">{rv.who}</th><th scope="col">{rv.what}</th></tr></thead> }
}

/// One record's audit lines (newest first), re-read when `refresh` moves.
#[component]
pub fn Trail(record: String, refresh: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let path = audit_path(Some(&record), None, None, None, 200);
    let lines = LocalResource::new(move || {
        refresh.track();
        let path = path.clone();
        async move { get::<Vec<AuditEntry>>(ctx, &path).await }
    });
    view! {
        <section aria-labelledby="trail-title" data-testid="record-audit">
            <h3 id="trail-title">{move || ctx.lang.get().rv().audit_record}</h3>
            {move || match lines.get() {
                None => view! { <p>"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                Some(Ok(l)) if l.is_empty() => view! { <p class="muted">{ctx.lang.get().rv().no_audit}</p> }.into_any(),
                Some(Ok(l)) => view! {
                    <div class="scroll-x"><table class="audit">
                        {head(ctx.lang.get())}
                        <tbody>{l.into_iter().map(|e| view! { <Line e=e village=None/> }).collect_view()}</tbody>
                    </table></div>
                }.into_any(),
            }}
        </section>
    }
}

/// The commune-wide trail.
#[component]
pub fn AuditPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let action = RwSignal::new(None::<AuditAction>);
    let village = RwSignal::new(String::new());
    // The pages read so far: each "older" asks for lines before the last one.
    let before = RwSignal::new(None::<i64>);
    let shown = RwSignal::new(Vec::<AuditEntry>::new());
    let more = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let villages = LocalResource::new(move || async move { get::<Vec<Village>>(ctx, "/api/v1/villages").await });
    // Effects only bridge to the outside: here, the server.
    Effect::new(move |_| {
        let (a, v, b) = (action.get(), village.get(), before.get());
        let path = audit_path(None, (!v.is_empty()).then_some(v.as_str()), a, b, PAGE);
        leptos::task::spawn_local(async move {
            match get::<Vec<AuditEntry>>(ctx, &path).await {
                Ok(page) => {
                    error.set(None);
                    more.set(page.len() as i64 == PAGE);
                    if b.is_none() {
                        shown.set(page);
                    } else {
                        shown.update(|s| s.extend(page));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let restart = move || {
        before.set(None);
    };
    let names = move || villages.get().and_then(Result::ok).unwrap_or_default();
    let rv = move || ctx.lang.get().rv();
    view! {
        <main class="page office audit-page">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <section class="card" aria-labelledby="audit-title">
                <h2 id="audit-title">{move || rv().audit_title}</h2>
                <div class="row filters">
                    <label for="audit-kind">{move || rv().kind}</label>
                    <select id="audit-kind" data-testid="audit-kind" on:change=move |e| {
                        action.set(AuditAction::parse(&event_target_value(&e)));
                        restart();
                    }>
                        <option value="">{move || rv().all}</option>
                        {move || AuditAction::ALL.into_iter().map(|a| view! {
                            <option value=a.as_str()>{action_label(ctx.lang.get(), a)}</option>
                        }).collect_view()}
                    </select>
                    <label for="audit-village">{move || rv().village}</label>
                    <select id="audit-village" data-testid="audit-village" on:change=move |e| {
                        village.set(event_target_value(&e));
                        restart();
                    }>
                        <option value="">{move || rv().all}</option>
                        {move || names().into_iter().map(|v| view! { <option value=v.id>{v.name}</option> }).collect_view()}
                    </select>
                </div>
                <p class="warn" role="alert">{move || error.get()}</p>
                {move || {
                    let list = shown.get();
                    if list.is_empty() {
                        return view! { <p class="muted" data-testid="audit-empty">{rv().no_audit}</p> }.into_any();
                    }
                    let all = names();
                    view! {
                        <div class="scroll-x"><table class="audit" data-testid="audit">
                            {head(ctx.lang.get())}
                            <tbody>{list.into_iter().map(|e| {
                                let v = e.village.as_ref().map(|id| all.iter().find(|x| &x.id == id).map_or(id.clone(), |x| x.name.clone()));
                                view! { <Line e=e village=v/> }
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }}
                {move || more.get().then(|| view! {
                    <button data-testid="audit-older" on:click=move |_| {
                        if let Some(last) = shown.with_untracked(|s| s.last().map(|e| e.at)) {
                            before.set(Some(last));
                        }
                    }>{rv().older}</button>
                })}
            </section>
        </main>
    }
}
