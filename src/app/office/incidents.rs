//! The incidents desk: every incident the villages reported, open first,
//! most severe, newest (the server sorts with
//! `sothon_domain::handling::desk_order`); one incident with its details,
//! the village's follow-ups and the office's steps, and the form for the
//! next step (acknowledge → handling → handled, each with a note the
//! village reads on its phone). [`UrgentIncidents`] is the office home's
//! at-a-glance list of open severe incidents.

use super::{api, get};
use crate::app::Ctx;
use crate::i18n::desk::{step_action, step_label};
use crate::i18n::Lang;
use leptos::prelude::*;
use sothon_domain::api::{DeskIncident, Step, StepRequest};
use sothon_domain::format::{datetime_vi, number_vi};

fn kind_label(lang: Lang, i: &DeskIncident) -> &'static str {
    if lang == Lang::Vi {
        i.incident.kind.label_vi()
    } else {
        i.incident.kind.label_en()
    }
}

fn severity_label(lang: Lang, i: &DeskIncident) -> &'static str {
    if lang == Lang::Vi {
        i.incident.severity.label_vi()
    } else {
        i.incident.severity.label_en()
    }
}

/// Where the incident stands, in words: its latest step, or "not yet
/// acknowledged".
fn status(lang: Lang, i: &DeskIncident) -> String {
    match i.last_step() {
        Some(s) => step_label(lang, s.step).to_string(),
        None => lang.desk().no_steps.to_string(),
    }
}

/// The desk: the list, or one incident when `open` names it.
#[component]
pub fn IncidentsScreen(open: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refresh = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        refresh.track();
        async move { get::<Vec<DeskIncident>>(ctx, "/api/v1/incidents").await }
    });
    let d = move || ctx.lang.get().desk();
    view! {
        <section class="card desk-screen" aria-labelledby="inc-title" data-testid="incidents-screen">
            {move || match open.get() {
                Some(id) => view! { <IncidentDetail id=id open=open on_change=move || refresh.update(|x| *x += 1)/> }.into_any(),
                None => view! {
                    <h2 id="inc-title">{move || d().incidents_title}</h2>
                    {move || match list.get() {
                        None => view! { <p>"…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                        Some(Ok(l)) if l.is_empty() => view! { <p class="muted">{d().no_incidents}</p> }.into_any(),
                        Some(Ok(l)) => view! {
                            <ul class="records" data-testid="desk-incidents">
                                {l.into_iter().map(|i| view! { <IncidentRow i=i open=open/> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn IncidentRow(i: DeskIncident, open: RwSignal<Option<String>>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    let id = i.record.clone();
    let state = if i.open() { "open" } else { "handled" };
    view! {
        <li data-testid="desk-incident" data-record=i.record.clone() data-state=state
            data-severity=format!("{:?}", i.incident.severity).to_lowercase()>
            <button class="rowlink" on:click=move |_| open.set(Some(id.clone()))>
                <span class="title">{kind_label(lang, &i)} " · " {i.village_name.clone()}</span>
                <span class=if i.urgent() { "badge attention" } else { "badge received" }>{severity_label(lang, &i)}</span>
                <span class="small nowrap">{datetime_vi(i.incident.at)}</span>
                <span data-testid="desk-status">{status(lang, &i)}</span>
            </button>
        </li>
    }
}

#[component]
fn IncidentDetail(
    id: String,
    open: RwSignal<Option<String>>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refresh = RwSignal::new(0u32);
    let path = format!("/api/v1/incidents/{id}");
    let one = LocalResource::new(move || {
        refresh.track();
        let p = path.clone();
        async move { get::<DeskIncident>(ctx, &p).await }
    });
    let note = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let take = move |step: Step| {
        let body = StepRequest { step: step.as_str().into(), note: note.get_untracked() };
        let path = format!("/api/v1/incidents/{id}/steps", id = open.get_untracked().unwrap_or_default());
        busy.set(true);
        leptos::task::spawn_local(async move {
            match api::<_, DeskIncident>(ctx, "POST", &path, Some(body)).await {
                Ok(_) => {
                    note.set(String::new());
                    ctx.notice.set(Some(ctx.lang.get_untracked().desk().step_done.into()));
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            busy.set(false);
            refresh.update(|x| *x += 1);
            on_change();
        });
    };
    let d = move || ctx.lang.get().desk();
    view! {
        <button class="link" data-testid="desk-back" on:click=move |_| open.set(None)>{move || d().back_to_list}</button>
        {move || match one.get() {
            None => view! { <p>"…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
            Some(Ok(i)) => {
                let lang = ctx.lang.get();
                let t = lang.desk();
                let next = Step::next(i.last_step().map(|s| s.step));
                let num = |n: Option<u32>| n.map(|n| number_vi(f64::from(n), 0)).unwrap_or_else(|| "—".into());
                view! {
                    <h2 id="inc-title">{kind_label(lang, &i)} " · " {i.village_name.clone()}</h2>
                    <p><span class=if i.urgent() { "badge attention" } else { "badge received" }>{severity_label(lang, &i)}</span>
                       " " <span data-testid="desk-status">{status(lang, &i)}</span></p>
                    <dl class="details">
                        <dt>{t.happened}</dt><dd class="nowrap">{datetime_vi(i.incident.at)}</dd>
                        <dt>{t.received}</dt><dd class="nowrap">{datetime_vi(i.received_at)} " · " {i.receipt.clone()}</dd>
                        <dt>{t.people}</dt><dd>{num(i.incident.people_now())}</dd>
                        <dt>{t.households}</dt><dd>{num(i.incident.households_now())}</dd>
                        {i.incident.gps.map(|g| view! {
                            <dt>{t.place}</dt>
                            <dd>{format!("{}, {} (±{} m)", number_vi(g.lat, 5), number_vi(g.lon, 5), number_vi(g.acc, 0))}</dd>
                        })}
                        {(!i.incident.description.is_empty()).then(|| view! { <dd>{i.incident.description.clone()}</dd> })}
                    </dl>
                    {(!i.incident.followups.is_empty()).then(|| view! {
                        <h3>{t.followups}</h3>
                        <ul>{i.incident.followups.iter().map(|f| view! {
                            <li><span class="small nowrap">{datetime_vi(f.at)}</span> " — " {f.note.clone()}</li>
                        }).collect_view()}</ul>
                    })}
                    <h3>{t.steps_title}</h3>
                    {if i.steps.is_empty() {
                        view! { <p class="muted">{t.no_steps}</p> }.into_any()
                    } else {
                        view! {
                            <ol class="steps" data-testid="desk-steps">
                                {i.steps.iter().map(|s| view! {
                                    <li data-testid="desk-step" data-step=s.step.as_str()>
                                        <b>{step_label(lang, s.step)}</b> " · " <span class="small">{s.by.clone()} " · " {datetime_vi(s.at)}</span>
                                        <br/>{s.note.clone()}
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                    {match next {
                        None => view! { <p class="notice" data-testid="desk-done">{t.all_done}</p> }.into_any(),
                        Some(step) => view! {
                            <label for="step-note">{t.note_label}</label>
                            <textarea id="step-note" data-testid="step-note" rows="3" placeholder=t.note_placeholder
                                prop:value=note on:input=move |e| note.set(event_target_value(&e))></textarea>
                            <button class="primary" data-testid="take-step" data-step=step.as_str()
                                disabled=move || busy.get() || note.with(|n| n.trim().is_empty())
                                on:click=move |_| take(step)>{step_action(lang, step)}</button>
                        }.into_any(),
                    }}
                }.into_any()
            }
        }}
    }
}

/// Open severe incidents, for the office home: a glance, and a way in.
#[component]
pub fn UrgentIncidents(on_open: impl Fn(String) + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let list = LocalResource::new(move || async move { get::<Vec<DeskIncident>>(ctx, "/api/v1/incidents").await });
    let d = move || ctx.lang.get().desk();
    view! {
        <section class="card urgent" aria-labelledby="urgent-title" data-testid="urgent-incidents">
            <h2 id="urgent-title">{move || d().urgent_title}</h2>
            {move || match list.get() {
                None => view! { <p>"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                Some(Ok(l)) => {
                    let lang = ctx.lang.get();
                    let urgent: Vec<DeskIncident> = l.into_iter().filter(DeskIncident::urgent).collect();
                    if urgent.is_empty() {
                        return view! { <p class="muted" data-testid="urgent-none">{d().urgent_none}</p> }.into_any();
                    }
                    view! {
                        <ul class="records">
                            {urgent.into_iter().map(|i| {
                                let id = i.record.clone();
                                view! {
                                    <li data-testid="urgent-incident" data-record=i.record.clone()>
                                        <button class="rowlink" on:click=move |_| on_open(id.clone())>
                                            <span class="title">{kind_label(lang, &i)} " · " {i.village_name.clone()}</span>
                                            <span class="small nowrap">{datetime_vi(i.incident.at)}</span>
                                            <span>{status(lang, &i)}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
