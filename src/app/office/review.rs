//! `/office/review/:village/:period`: one village's report, field by field,
//! beside last period's values, with the period's villages alongside (side
//! by side at a desk, one above the other on a phone). The officer may
//! comment on single fields, must give a reason to return, and approves or
//! returns the revision shown; a resubmission says exactly what changed
//! since the return. What the screen computes is in
//! [`crate::app::review_sheet`].

use super::audit::Trail;
use super::fresh::Freshness;
use super::{api, get, OfficeBar, Outcome};
use crate::app::home::Notice;
use crate::app::review_sheet::{field_label, sections, Section};
use crate::app::{routes, Ctx};
use crate::i18n::{decision_label, Lang};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use sothon_domain::api::{Decision, FieldComment, Overview, ReviewRequest, ReviewSheet, Reviewed};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::format::datetime_vi;
use sothon_domain::protocol::RecordState;
use sothon_domain::Period;
use std::collections::BTreeMap;

fn state_label(lang: Lang, s: RecordState) -> &'static str {
    match (lang, s) {
        (Lang::Vi, RecordState::Received) => "Xã đã nhận",
        (Lang::Vi, RecordState::Returned) => "Đã trả lại",
        (Lang::Vi, RecordState::Approved) => "Đã duyệt",
        (Lang::Vi, RecordState::Conflict) => "Có xung đột",
        (Lang::En, RecordState::Received) => "Received",
        (Lang::En, RecordState::Returned) => "Returned",
        (Lang::En, RecordState::Approved) => "Approved",
        (Lang::En, RecordState::Conflict) => "In conflict",
    }
}

/// The review screen.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let params = use_params_map();
    let village = Memo::new(move |_| params.with(|p| p.get("village").map(|v| routes::unseg(&v)).unwrap_or_default()));
    let period =
        Memo::new(move |_| params.with(|p| p.get("period").and_then(|v| Period::parse(&routes::unseg(&v)).ok())));
    let refresh = RwSignal::new(0u32);
    let sheet = LocalResource::new(move || {
        refresh.track();
        let (v, p) = (village.get(), period.get());
        async move {
            match p {
                Some(p) => get::<ReviewSheet>(ctx, &format!("/api/v1/review/{}/{p}", routes::seg(&v))).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let overview = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move {
            match p {
                Some(p) => get::<Overview>(ctx, &format!("/api/v1/overview?period={p}")).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let rv = move || ctx.lang.get().rv();
    view! {
        <main class="page office review-page">
            <OfficeBar/>
            <Freshness/>
            <Notice/>
            <div class="review-layout">
                <nav class="card village-list" aria-label=move || rv().villages data-testid="review-villages">
                    <h2>{move || rv().villages}</h2>
                    {move || match overview.get() {
                        Some(Ok(Some(ov))) => view! {
                            <ul>
                                {ov.villages.into_iter().map(|v| {
                                    let here = v.village == village.get_untracked();
                                    let state = v.report.as_ref().map(|r| r.state);
                                    let href = routes::office::review(&v.village, &ov.period.to_string());
                                    view! {
                                        <li>
                                            {match state {
                                                Some(s) => view! {
                                                    <a href=href aria-current=here.then_some("page") data-village=v.village.clone()>
                                                        {v.name.clone()} " · " {state_label(ctx.lang.get_untracked(), s)}
                                                    </a>
                                                }.into_any(),
                                                None => view! { <span class="muted">{v.name.clone()} " · " {super::state_vi(None)}</span> }.into_any(),
                                            }}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                        _ => view! { <p>"…"</p> }.into_any(),
                    }}
                </nav>
                <div class="review-main">
                    {move || match sheet.get() {
                        None => view! { <p class="card">"…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="card warn" data-testid="review-error">{e}</p> }.into_any(),
                        Some(Ok(None)) => view! { <p class="card warn">{ctx.lang.get().nav().not_found}</p> }.into_any(),
                        Some(Ok(Some(s))) => view! { <Sheet sheet=s refresh=refresh/> }.into_any(),
                    }}
                </div>
            </div>
        </main>
    }
}

/// One report's sheet: header, changes since the return, the values, the
/// decision, the history and the record's audit lines.
#[component]
fn Sheet(sheet: ReviewSheet, refresh: RwSignal<u32>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    let rv = lang.rv();
    let cat = catalogue();
    let decidable = sheet.state == RecordState::Received;
    let comments = RwSignal::new(BTreeMap::<String, String>::new());
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let rev = sheet.rev;
    let record = StoredValue::new(sheet.record.clone());
    let decide = move |decision: Decision| {
        if busy.get_untracked() {
            return;
        }
        let fields: Vec<FieldComment> = if decision == Decision::Return {
            comments.with_untracked(|c| {
                c.iter()
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| FieldComment { field: k.clone(), comment: v.trim().to_string() })
                    .collect()
            })
        } else {
            Vec::new()
        };
        let body = ReviewRequest { decision: decision.as_str().into(), comment: reason.get_untracked(), rev, fields };
        let path = record.with_value(|r| format!("/api/v1/records/{}/review", routes::seg(r)));
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let r: Outcome = api::<_, Reviewed>(ctx, "POST", &path, Some(body)).await.map(drop);
            busy.set(false);
            match r {
                Ok(()) => {
                    let rv = ctx.lang.get_untracked().rv();
                    let done = if decision == Decision::Approve { rv.approved_done } else { rv.returned_done };
                    ctx.notice.set(Some(done.into()));
                    refresh.update(|x| *x += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let secs: Vec<Section> = sections(cat, lang, &sheet);
    let period_label = if lang == Lang::Vi { sheet.period.label_vi() } else { sheet.period.label_en() };
    let prev_label = if lang == Lang::Vi { sheet.previous_period.label_vi() } else { sheet.previous_period.label_en() };
    let changed = sheet.changed_since_return.clone();
    let history = sheet.history.clone();
    view! {
        <article class="card sheet" data-testid="review-sheet" data-state=sothon_domain::api::state_str(sheet.state)
            data-rev=sheet.rev.to_string() data-resubmitted=sheet.resubmitted.to_string()>
            <h2>{rv.review_title} ": " {sheet.village_name.clone()} " — " {period_label.clone()}</h2>
            <p>
                <span class="badge" data-testid="review-state">{state_label(lang, sheet.state)}</span>
                " · " {rv.revision} " " {sheet.rev} " · " {ctx.t().receipt} " " {sheet.receipt.clone()}
                " · " {datetime_vi(sheet.updated_at)}
            </p>
            {sheet.entered_by.clone().map(|w| view! { <p class="small">{rv.entered_by} ": " {w}</p> })}
            {(sheet.state == RecordState::Approved).then(|| view! { <p class="notice" data-testid="review-locked">{rv.locked}</p> })}
            {(sheet.state == RecordState::Conflict).then(|| view! { <p class="warn">{rv.not_reviewable}</p> })}
            {sheet.resubmitted.then(|| view! {
                <section class="resubmitted" aria-labelledby="since-title" data-testid="since-return">
                    <h3 id="since-title"><span class="badge attention">{rv.resubmitted}</span> " " {rv.changed_since_return}</h3>
                    {if changed.is_empty() {
                        view! { <p class="muted">{rv.nothing_changed}</p> }.into_any()
                    } else {
                        view! {
                            <div class="scroll-x">
                            <table class="diff">
                                <thead><tr><th scope="col">{rv.field}</th><th scope="col">{rv.before}</th><th scope="col">{rv.after}</th></tr></thead>
                                <tbody>
                                    {changed.iter().map(|d| view! {
                                        <tr data-testid="since-change" data-field=d.key.clone()>
                                            <th scope="row">{field_label(cat, lang, &d.key)}</th>
                                            <td>{d.before.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td>{d.after.clone().unwrap_or_else(|| "—".into())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                        }.into_any()
                    }}
                </section>
            })}
            {sheet.returned.clone().map(|r| view! {
                <section class="last-return" data-testid="last-return">
                    <h3>{rv.last_return} " (" {rv.revision} " " {r.rev} ")"</h3>
                    <p>{rv.reason} ": " {r.reason.clone()} " — " {rv.by} " " {r.by.clone()} ", " {datetime_vi(r.at)}</p>
                    <ul>{r.fields.iter().map(|f| view! { <li>{field_label(cat, lang, &f.field)} ": " {f.comment.clone()}</li> }).collect_view()}</ul>
                </section>
            })}
            {sheet.previous.is_none().then(|| view! { <p class="muted small">{rv.no_previous}</p> })}
            {secs.into_iter().map(|s| view! {
                <section class="sheet-group" data-testid=format!("sheet-group-{}", s.key)>
                    <h3>{s.title.clone()}</h3>
                    <table class="sheet-table">
                        <thead><tr>
                            <th scope="col">{rv.field}</th>
                            <th scope="col">{rv.this_period}</th>
                            <th scope="col">{rv.last_period} " (" {prev_label.clone()} ")"</th>
                        </tr></thead>
                        <tbody>
                            {s.lines.into_iter().map(|l| {
                                let key = l.key.clone();
                                let input_id = format!("fc-{key}");
                                let k2 = key.clone();
                                view! {
                                    <tr class:large=l.large class:changed=l.changed data-testid="sheet-line" data-field=key.clone()
                                        data-large=l.large.to_string() data-changed=l.changed.to_string()>
                                        <th scope="row">
                                            {l.label.clone()}
                                            {l.large.then(|| view! { <span class="badge attention">{rv.large_change}</span> })}
                                            {l.flagged.clone().map(|c| view! { <span class="small flag-note">{rv.last_return} ": " {c}</span> })}
                                            {decidable.then(|| view! {
                                                <label class="visually-hidden" for=input_id.clone()>{rv.comment_on_field} ": " {l.label.clone()}</label>
                                                <input id=input_id.clone() class="field-comment" data-testid=format!("fc-{key}")
                                                    placeholder=rv.comment_on_field
                                                    prop:value=move || comments.with(|c| c.get(&k2).cloned().unwrap_or_default())
                                                    on:input={
                                                        let k = key.clone();
                                                        move |e| { let v = event_target_value(&e); comments.update(|c| { c.insert(k.clone(), v); }); }
                                                    }/>
                                            })}
                                        </th>
                                        <td data-testid="now">{l.now.clone()}</td>
                                        <td data-testid="before">{l.before.clone()}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }).collect_view()}
            {decidable.then(|| view! {
                <section class="decision" data-testid="decision">
                    <label for="return-reason">{rv.return_reason}</label>
                    <textarea id="return-reason" rows="2" data-testid="return-reason" placeholder=rv.return_reason_hint
                        prop:value=reason on:input=move |e| reason.set(event_target_value(&e))></textarea>
                    <p class="error" role="alert" data-testid="decision-error">{move || error.get()}</p>
                    <div class="row">
                        <button class="primary" data-testid="approve" disabled=move || busy.get()
                            on:click=move |_| decide(Decision::Approve)>{rv.approve}</button>
                        <button data-testid="return" disabled=move || busy.get()
                            on:click=move |_| decide(Decision::Return)>{rv.send_back}</button>
                    </div>
                </section>
            })}
            <section aria-labelledby="hist-title" data-testid="review-history">
                <h3 id="hist-title">{rv.history}</h3>
                {if history.is_empty() {
                    view! { <p class="muted">{rv.no_history}</p> }.into_any()
                } else {
                    view! {
                        <ul class="records">
                            {history.into_iter().map(|h| view! {
                                <li data-testid="history-entry">
                                    <b>{decision_label(lang, h.decision)}</b> " · " {rv.revision} " " {h.rev} " · " {h.name.clone()} " · " {datetime_vi(h.at)}
                                    {(!h.comment.is_empty()).then(|| view! { <span class="comment">{h.comment.clone()}</span> })}
                                    {(!h.fields.is_empty()).then(|| view! {
                                        <ul>{h.fields.iter().map(|f| view! { <li class="small">{field_label(cat, lang, &f.field)} ": " {f.comment.clone()}</li> }).collect_view()}</ul>
                                    })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
            <Trail record=sheet.record.clone() refresh=refresh/>
        </article>
    }
}
