//! Urgent incident report: made to be filed in under 30 seconds with few
//! taps — pick the kind, press send. Time defaults to now, severity follows
//! the kind (landslide, flash flood, dam failure: high), the GPS position is
//! asked for at once and is optional, and counts left empty stay "not known".
//!
//! Once filed, the village adds follow-ups (people and households affected
//! as now known, "đã xử lý tại chỗ", a note): each is a new revision of the
//! same record, sent like any edit, until the commune office closes the
//! incident. There is no "closed" state yet: approval locks the record, so
//! an approved incident is treated as closed.

use super::home::{trusted_now, Notice};
use super::{engine, save_and_send, BackBar, Ctx};
use crate::i18n::state_label;
use crate::i18n::Lang;
use crate::platform::browser;
use leptos::prelude::*;
use sothon_domain::event::{FollowUp, Gps, Incident, IncidentKind, Severity};
use sothon_domain::format::{
    date_vi, datetime_en, datetime_vi, number_vi, parse_datetime_vi, parse_number, time_vi, vn_date,
};
use sothon_domain::protocol::Body;
use sothon_sync::LocalState;

/// A typed count: empty is "not known" (`None`), never zero.
fn count(s: &str) -> Result<Option<u32>, ()> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match parse_number(s) {
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= u32::MAX as f64 => Ok(Some(x as u32)),
        _ => Err(()),
    }
}

fn known(lang: Lang, n: Option<u32>) -> String {
    n.map(|n| number_vi(n as f64, 0)).unwrap_or_else(|| lang.t().not_known.to_string())
}

fn when(lang: Lang, ms: i64) -> String {
    match lang {
        Lang::Vi => datetime_vi(ms),
        Lang::En => datetime_en(ms),
    }
}

#[component]
pub fn IncidentForm(id: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    if let Some(id) = id {
        return view! { <IncidentView id=id/> }.into_any();
    }
    let village = ctx.session.with_untracked(|s| s.as_ref().and_then(|s| s.user.village.clone())).unwrap_or_default();
    let kind = RwSignal::new(None::<IncidentKind>);
    let severity = RwSignal::new(Severity::Medium);
    // Until the person picks a severity, it follows the kind.
    let severity_picked = RwSignal::new(false);
    let now = trusted_now();
    let at_date = RwSignal::new(date_vi(vn_date(now)));
    let at_time = RwSignal::new(time_vi(now));
    let gps = RwSignal::new(None::<Result<Gps, String>>);
    let people = RwSignal::new(String::new());
    let households = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let tried = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        gps.set(Some(browser::current_position(15_000).await));
    });
    let village = StoredValue::new(village);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let (Some(k), Some(at_ms), Ok(p), Ok(h)) = (
            kind.get_untracked(),
            parse_datetime_vi(&at_date.get_untracked(), &at_time.get_untracked()),
            count(&people.get_untracked()),
            count(&households.get_untracked()),
        ) else {
            ctx.notice.set(Some(ctx.t().fix_errors.into()));
            return;
        };
        let inc = Incident {
            id: browser::new_device_id(),
            village: village.get_value(),
            kind: k,
            at: at_ms,
            severity: severity.get_untracked(),
            gps: gps.get_untracked().and_then(Result::ok),
            people: p,
            households: h,
            description: description.get_untracked().trim().to_string(),
            followups: Vec::new(),
        };
        if let Some(e) = inc.validate().first() {
            ctx.notice.set(Some(e.message.clone()));
            return;
        }
        save_and_send(ctx, Body::Incident(inc));
    };
    let en = move || ctx.lang.get() == Lang::En;

    view! {
        <main class="page incident">
            <BackBar>
                <h1>{move || ctx.t().new_incident}</h1>
            </BackBar>
            <Notice/>
            <form on:submit=submit novalidate data-testid="incident-form">
                <fieldset class="choices" role="radiogroup" aria-labelledby="kind-label">
                    <legend id="kind-label">{move || ctx.t().incident_kind} " *"</legend>
                    {IncidentKind::ALL.into_iter().map(|k| view! {
                        <label class="choice" class:selected=move || kind.get() == Some(k)>
                            <input type="radio" name="kind" value=k.key() data-testid=format!("kind-{}", k.key())
                                prop:checked=move || kind.get() == Some(k) on:change=move |_| {
                                    kind.set(Some(k));
                                    if !severity_picked.get_untracked() { severity.set(Severity::default_for(k)); }
                                }/>
                            {move || if en() { k.label_en() } else { k.label_vi() }}
                        </label>
                    }).collect_view()}
                    <span class="error" role="alert">{move || (tried.get() && kind.get().is_none()).then(|| if en() { "Choose the kind" } else { "Hãy chọn loại sự cố" })}</span>
                </fieldset>
                <fieldset class="choices row3" role="radiogroup" aria-labelledby="sev-label">
                    <legend id="sev-label">{move || ctx.t().severity}</legend>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <label class="choice" class:selected=move || severity.get() == s>
                            <input type="radio" name="severity" value=format!("{s:?}").to_ascii_lowercase()
                                prop:checked=move || severity.get() == s on:change=move |_| { severity.set(s); severity_picked.set(true); }/>
                            {move || if en() { s.label_en() } else { s.label_vi() }}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="two">
                    <div>
                        <label for="inc-at">{move || ctx.t().happened_on} " (dd/mm/yyyy)"</label>
                        <input id="inc-at" inputmode="numeric" autocomplete="off" data-testid="inc-date"
                            prop:value=at_date on:input=move |e| at_date.set(event_target_value(&e))/>
                    </div>
                    <div>
                        <label for="inc-time">{move || ctx.t().happened_time} " (hh:mm)"</label>
                        <input id="inc-time" inputmode="numeric" autocomplete="off" data-testid="inc-time"
                            prop:value=at_time on:input=move |e| at_time.set(event_target_value(&e))/>
                    </div>
                </div>
                <span class="error" role="alert">{move || (tried.get() && parse_datetime_vi(&at_date.get(), &at_time.get()).is_none()).then(|| ctx.t().bad_date)}</span>
                <p class="small" data-testid="gps" aria-live="polite">
                    {move || ctx.t().location} ": "
                    {move || match gps.get() {
                        None => ctx.t().locating.to_string(),
                        Some(Ok(g)) => format!("{}, {} ({} ±{} m)", number_vi(g.lat, 5), number_vi(g.lon, 5), ctx.t().accuracy, number_vi(g.acc, 0)),
                        Some(Err(_)) => ctx.t().no_location.to_string(),
                    }}
                </p>
                {move || matches!(gps.get(), Some(Err(_))).then(|| view! {
                    <button type="button" on:click=move |_| {
                        gps.set(None);
                        leptos::task::spawn_local(async move { gps.set(Some(browser::current_position(15_000).await)); });
                    }>{ctx.t().get_location}</button>
                })}
                <p class="small">{move || ctx.t().counts_later}</p>
                <div class="two">
                    <div>
                        <label for="inc-people">{move || ctx.t().people_affected}</label>
                        <input id="inc-people" inputmode="numeric" autocomplete="off" data-testid="inc-people"
                            prop:value=people on:input=move |e| people.set(event_target_value(&e))/>
                        <span class="error" role="alert">{move || count(&people.get()).is_err().then(|| ctx.t().not_a_number)}</span>
                    </div>
                    <div>
                        <label for="inc-hh">{move || ctx.t().households_affected}</label>
                        <input id="inc-hh" inputmode="numeric" autocomplete="off" data-testid="inc-hh"
                            prop:value=households on:input=move |e| households.set(event_target_value(&e))/>
                        <span class="error" role="alert">{move || count(&households.get()).is_err().then(|| ctx.t().not_a_number)}</span>
                    </div>
                </div>
                <label for="inc-desc">{move || ctx.t().description}</label>
                <textarea id="inc-desc" rows="3" prop:value=description on:input=move |e| description.set(event_target_value(&e))></textarea>
                <button type="submit" class="primary wide danger" data-testid="submit-incident">{move || ctx.t().send_incident}</button>
            </form>
        </main>
    }
    .into_any()
}

/// A filed incident: what was said, its state, and the follow-ups; while it
/// is open (not approved), a short form adds one more.
#[component]
fn IncidentView(id: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rec = Memo::new({
        let id = id.clone();
        move |_| {
            ctx.tick.track();
            engine().ok().and_then(|e| e.record(&id))
        }
    });
    let people = RwSignal::new(String::new());
    let households = RwSignal::new(String::new());
    let handled = RwSignal::new(false);
    let note = RwSignal::new(String::new());
    let tried = RwSignal::new(false);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let Some(Body::Incident(mut inc)) = rec.get_untracked().map(|r| r.body) else { return };
        let (Ok(p), Ok(h)) = (count(&people.get_untracked()), count(&households.get_untracked())) else {
            ctx.notice.set(Some(ctx.t().fix_errors.into()));
            return;
        };
        let f = FollowUp {
            at: trusted_now(),
            people: p,
            households: h,
            handled: handled.get_untracked(),
            note: note.get_untracked().trim().to_string(),
        };
        if f.people.is_none() && f.households.is_none() && !f.handled && f.note.is_empty() {
            ctx.notice.set(Some(ctx.t().followup_empty.into()));
            return;
        }
        inc.followups.push(f);
        if let Some(e) = inc.validate().first() {
            ctx.notice.set(Some(e.message.clone()));
            return;
        }
        save_and_send(ctx, Body::Incident(inc));
    };
    view! {
        <main class="page record">
            <BackBar></BackBar>
            <Notice/>
            {move || rec.get().map(|r| {
                let lang = ctx.lang.get();
                let en = lang == Lang::En;
                let t = ctx.t();
                let Body::Incident(i) = r.body.clone() else { return ().into_any() };
                let closed = r.state == LocalState::Approved;
                view! {
                    <h1>{t.incident} ": " {if en { i.kind.label_en() } else { i.kind.label_vi() }}</h1>
                    <p><span class="badge" data-testid="meta-state">{state_label(lang, r.state)}</span></p>
                    {(!r.receipt.is_empty()).then(|| view! { <p>{t.receipt} ": " <b class="nowrap" data-testid="meta-receipt">{r.receipt.clone()}</b></p> })}
                    {(!r.comment.is_empty()).then(|| view! { <p class="warn">{t.comment} ": " {r.comment.clone()}</p> })}
                    {(!r.steps.is_empty()).then(|| view! {
                        <ol class="card steps" data-testid="office-steps">
                            {r.steps.iter().map(|s| view! {
                                <li data-testid="office-step" data-step=s.step.as_str()>
                                    <b>{crate::i18n::desk::step_label(lang, s.step)}</b>
                                    " · " <span class="small nowrap">{when(lang, s.at)}</span>
                                    <br/>{s.note.clone()}
                                </li>
                            }).collect_view()}
                        </ol>
                    })}
                    <dl class="card details">
                        <dt>{t.severity}</dt><dd>{if en { i.severity.label_en() } else { i.severity.label_vi() }}</dd>
                        <dt>{t.happened_at}</dt><dd class="nowrap">{when(lang, i.at)}</dd>
                        <dt>{t.location}</dt><dd>{i.gps.map(|g| view! {
                            <span class="nowrap">{number_vi(g.lat, 5)} ","</span> " " <span class="nowrap">{number_vi(g.lon, 5)}</span> " "
                            <span class="nowrap">{format!("(±{} m)", number_vi(g.acc, 0))}</span>
                        }.into_any()).unwrap_or_else(|| "—".into_any())}</dd>
                        <dt>{t.people_affected}</dt><dd data-testid="meta-people">{known(lang, i.people_now())}</dd>
                        <dt>{t.households_affected}</dt><dd data-testid="meta-households">{known(lang, i.households_now())}</dd>
                        {i.handled().then(|| view! { <dt>{t.handled}</dt><dd>{t.yes}</dd> })}
                        {(!i.description.is_empty()).then(|| view! { <dt>{t.description}</dt><dd>{i.description.clone()}</dd> })}
                    </dl>
                    {(!i.followups.is_empty()).then(|| view! {
                        <section class="card" aria-labelledby="fu-title">
                            <h2 id="fu-title">{t.followups}</h2>
                            <ul class="records" data-testid="followups">
                                {i.followups.iter().map(|f| {
                                    let mut parts = Vec::new();
                                    if let Some(p) = f.people { parts.push(format!("{}: {}", t.people_affected, number_vi(p as f64, 0))); }
                                    if let Some(h) = f.households { parts.push(format!("{}: {}", t.households_affected, number_vi(h as f64, 0))); }
                                    if f.handled { parts.push(t.handled.to_string()); }
                                    if !f.note.is_empty() { parts.push(f.note.clone()); }
                                    view! { <li data-testid="followup"><span class="small nowrap">{when(lang, f.at)}</span> " — " {parts.join(" · ")}</li> }
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                    {if closed {
                        view! { <p class="notice" data-testid="incident-closed">{t.incident_closed}</p> }.into_any()
                    } else {
                        view! {
                            <form class="card" on:submit=add novalidate data-testid="followup-form">
                                <h2>{t.add_followup}</h2>
                                <div class="two">
                                    <div>
                                        <label for="fu-people">{t.people_affected}</label>
                                        <input id="fu-people" inputmode="numeric" autocomplete="off" data-testid="fu-people"
                                            prop:value=people on:input=move |e| people.set(event_target_value(&e))/>
                                        <span class="error" role="alert">{move || count(&people.get()).is_err().then(|| ctx.t().not_a_number)}</span>
                                    </div>
                                    <div>
                                        <label for="fu-hh">{t.households_affected}</label>
                                        <input id="fu-hh" inputmode="numeric" autocomplete="off" data-testid="fu-hh"
                                            prop:value=households on:input=move |e| households.set(event_target_value(&e))/>
                                        <span class="error" role="alert">{move || count(&households.get()).is_err().then(|| ctx.t().not_a_number)}</span>
                                    </div>
                                </div>
                                <label class="choice" class:selected=move || handled.get()>
                                    <input type="checkbox" data-testid="fu-handled" prop:checked=move || handled.get()
                                        on:change=move |e| handled.set(event_target_checked(&e))/>
                                    {t.handled}
                                </label>
                                <label for="fu-note">{t.note}</label>
                                <textarea id="fu-note" rows="2" data-testid="fu-note" prop:value=note on:input=move |e| note.set(event_target_value(&e))></textarea>
                                <button type="submit" class="primary wide" data-testid="submit-followup">{t.send_followup}</button>
                            </form>
                        }.into_any()
                    }}
                }.into_any()
            })}
        </main>
    }
}
