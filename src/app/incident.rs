//! Urgent incident report: made to be filed in under 30 seconds with few
//! taps — pick the kind, press send. Time defaults to now, severity to
//! "medium", the GPS position is asked for at once and is optional.

use super::home::{trusted_now, Notice, RecordMeta};
use super::{save_and_send, BackBar, Ctx};
use crate::i18n::Lang;
use crate::platform::browser;
use leptos::prelude::*;
use sothon_domain::event::{Gps, Incident, IncidentKind, Severity};
use sothon_domain::format::{
    local_input as to_local_input, number_vi, parse_local_input as from_local_input, parse_number,
};
use sothon_domain::protocol::Body;

fn count(s: &str) -> Result<u32, ()> {
    if s.trim().is_empty() {
        return Ok(0);
    }
    match parse_number(s) {
        Some(x) if x >= 0.0 && x.fract() == 0.0 && x <= u32::MAX as f64 => Ok(x as u32),
        _ => Err(()),
    }
}

#[component]
pub fn IncidentForm(id: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    if let Some(id) = id {
        return view! { <RecordMeta id=id/> }.into_any();
    }
    let village = ctx.session.with_untracked(|s| s.as_ref().and_then(|s| s.user.village.clone())).unwrap_or_default();
    let kind = RwSignal::new(None::<IncidentKind>);
    let severity = RwSignal::new(Severity::Medium);
    let at = RwSignal::new(to_local_input(trusted_now()));
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
            from_local_input(&at.get_untracked()),
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
                                prop:checked=move || kind.get() == Some(k) on:change=move |_| kind.set(Some(k))/>
                            {move || if en() { k.label_en() } else { k.label_vi() }}
                        </label>
                    }).collect_view()}
                    <span class="error" role="alert">{move || (tried.get() && kind.get().is_none()).then(|| if en() { "Choose the kind" } else { "Hãy chọn loại sự cố" })}</span>
                </fieldset>
                <fieldset class="choices row3" role="radiogroup" aria-labelledby="sev-label">
                    <legend id="sev-label">{move || ctx.t().severity}</legend>
                    {Severity::ALL.into_iter().map(|s| view! {
                        <label class="choice" class:selected=move || severity.get() == s>
                            <input type="radio" name="severity" value=format!("{s:?}").to_lowercase()
                                prop:checked=move || severity.get() == s on:change=move |_| severity.set(s)/>
                            {move || if en() { s.label_en() } else { s.label_vi() }}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="inc-at">{move || ctx.t().happened_at}</label>
                <input id="inc-at" type="datetime-local" prop:value=at on:input=move |e| at.set(event_target_value(&e))/>
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
                <div class="two">
                    <div>
                        <label for="inc-people">{move || ctx.t().people_affected}</label>
                        <input id="inc-people" inputmode="numeric" autocomplete="off" data-testid="inc-people"
                            prop:value=people on:input=move |e| people.set(event_target_value(&e))/>
                        <span class="error" role="alert">{move || count(&people.get()).is_err().then(|| ctx.t().not_a_number)}</span>
                    </div>
                    <div>
                        <label for="inc-hh">{move || ctx.t().households_affected}</label>
                        <input id="inc-hh" inputmode="numeric" autocomplete="off"
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
