//! The digital team's activity log: one guidance session per entry. The
//! period's totals feed the matching indicators of the periodic report.

use super::home::{trusted_now, Notice, RecordMeta};
use super::{save_and_send, BackBar, Ctx};
use crate::i18n::Lang;
use crate::platform::browser;
use leptos::prelude::*;
use sothon_domain::event::{Activity, Topic};
use sothon_domain::format::{date_vi, parse_date_vi, parse_number, vn_date};
use sothon_domain::protocol::Body;

fn count(s: &str) -> Option<u32> {
    if s.trim().is_empty() {
        return Some(0);
    }
    parse_number(s).filter(|x| *x >= 0.0 && x.fract() == 0.0 && *x <= u32::MAX as f64).map(|x| x as u32)
}

#[component]
pub fn ActivityForm(id: Option<String>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    if let Some(id) = id {
        return view! { <RecordMeta id=id/> }.into_any();
    }
    let village = StoredValue::new(
        ctx.session.with_untracked(|s| s.as_ref().and_then(|s| s.user.village.clone())).unwrap_or_default(),
    );
    let date = RwSignal::new(date_vi(vn_date(trusted_now())));
    let topic = RwSignal::new(Topic::PublicServices);
    let participants = RwSignal::new(String::new());
    let helped = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<sothon_domain::FieldError>::new());
    let err = move |f: &'static str| {
        move || {
            errors.with(|es| {
                es.iter().find(|e| e.field == f).map(|e| {
                    if ctx.lang.get() == Lang::Vi {
                        e.message.clone()
                    } else {
                        e.message_en()
                    }
                })
            })
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut problems = Vec::new();
        let d = parse_date_vi(&date.get_untracked());
        if d.is_none() {
            problems.push(sothon_domain::FieldError::new("date", "invalid", "Ngày không hợp lệ"));
        }
        let p = count(&participants.get_untracked());
        let h = count(&helped.get_untracked());
        for (f, v) in [("participants", p), ("helped", h)] {
            if v.is_none() {
                problems.push(sothon_domain::FieldError::new(f, "type", "Phải là một số nguyên"));
            }
        }
        if let (Some(d), Some(p), Some(h)) = (d, p, h) {
            let a = Activity {
                id: browser::new_device_id(),
                village: village.get_value(),
                date: d,
                topic: topic.get_untracked(),
                participants: p,
                helped: h,
                note: note.get_untracked().trim().to_string(),
            };
            problems.extend(a.validate());
            if problems.is_empty() {
                save_and_send(ctx, Body::Activity(a));
                return;
            }
        }
        ctx.notice.set(Some(ctx.t().fix_errors.into()));
        errors.set(problems);
    };
    let en = move || ctx.lang.get() == Lang::En;

    view! {
        <main class="page activity">
            <BackBar>
                <h1>{move || ctx.t().new_activity}</h1>
            </BackBar>
            <Notice/>
            <form on:submit=submit novalidate data-testid="activity-form">
                <label for="act-date">{move || ctx.t().date} " (dd/mm/yyyy)"</label>
                <input id="act-date" inputmode="numeric" autocomplete="off" data-testid="act-date" prop:value=date on:input=move |e| date.set(event_target_value(&e))/>
                <span class="error" role="alert">{err("date")}</span>
                <fieldset class="choices" role="radiogroup" aria-labelledby="topic-label">
                    <legend id="topic-label">{move || ctx.t().topic}</legend>
                    {Topic::ALL.into_iter().map(|t| view! {
                        <label class="choice" class:selected=move || topic.get() == t>
                            <input type="radio" name="topic" value=t.key() data-testid=format!("topic-{}", t.key())
                                prop:checked=move || topic.get() == t on:change=move |_| topic.set(t)/>
                            {move || if en() { t.label_en() } else { t.label_vi() }}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label for="act-participants">{move || ctx.t().participants} " *"</label>
                <input id="act-participants" inputmode="numeric" autocomplete="off" data-testid="act-participants"
                    prop:value=participants on:input=move |e| participants.set(event_target_value(&e))/>
                <span class="error" role="alert" data-testid="err-participants">{err("participants")}</span>
                <label for="act-helped">{move || ctx.t().helped}</label>
                <input id="act-helped" inputmode="numeric" autocomplete="off" data-testid="act-helped"
                    prop:value=helped on:input=move |e| helped.set(event_target_value(&e))/>
                <span class="error" role="alert" data-testid="err-helped">{err("helped")}</span>
                <label for="act-note">{move || ctx.t().note}</label>
                <textarea id="act-note" rows="2" prop:value=note on:input=move |e| note.set(event_target_value(&e))></textarea>
                <button type="submit" class="primary wide" data-testid="submit-activity">{move || ctx.t().save_activity}</button>
            </form>
        </main>
    }
    .into_any()
}
