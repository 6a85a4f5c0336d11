//! The periodic report form, driven by the catalogue: the ten task groups as
//! collapsible sections with progress, one input per indicator, rates
//! computed as the person types, checks shown per field. The draft is saved
//! on the phone on every change; "Lưu và gửi" queues it for sending.

use super::home::Notice;
use super::{engine, save_and_send, BackBar, Ctx, View};
use crate::i18n::Lang;
use crate::platform::browser;
use leptos::prelude::*;
use sothon_domain::catalogue::{current as catalogue, far_from_previous, Indicator, Kind};
use sothon_domain::event::{activity_totals, Activity};
use sothon_domain::format::{number_en, number_vi, parse_number};
use sothon_domain::protocol::Body;
use sothon_domain::{FieldError, Period, Report, Value};
use sothon_sync::LocalState;
use std::collections::BTreeMap;

/// What the person typed, per indicator key, as text.
type Raw = BTreeMap<String, String>;

fn value_to_raw(v: &Value) -> String {
    match v {
        Value::Num(x) => number_vi(*x, 6),
        Value::Bool(b) => if *b { "1" } else { "" }.into(),
        Value::Text(s) => s.clone(),
    }
}

/// Parses the typed text into values; text that is not a number becomes a
/// field error instead of a value.
fn parse_raw(raw: &Raw) -> (BTreeMap<String, Value>, Vec<FieldError>) {
    let cat = catalogue();
    let mut values = BTreeMap::new();
    let mut errs = Vec::new();
    for (k, text) in raw {
        let Some(ind) = cat.indicator(k) else { continue };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let v = match ind.kind {
            Kind::Count | Kind::Decimal => match parse_number(text) {
                Some(x) => Value::Num(x),
                None => {
                    errs.push(FieldError::new(k, "type", "Phải là một số"));
                    continue;
                }
            },
            Kind::Bool => Value::Bool(text == "1"),
            Kind::Choice | Kind::Text => Value::Text(text.to_string()),
            Kind::Rate => continue,
        };
        values.insert(k.clone(), v);
    }
    (values, errs)
}

#[component]
pub fn ReportForm(period: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let Ok(period) = Period::parse(&period) else {
        ctx.view.set(View::Home);
        return ().into_any();
    };
    let village = ctx.session.with_untracked(|s| s.as_ref().and_then(|s| s.user.village.clone())).unwrap_or_default();
    let cat = catalogue();
    let id = Report::record_id(&village, &period);
    let eng = engine().ok();
    let existing = eng.as_ref().and_then(|e| e.record(&id));
    let locked = existing.as_ref().is_some_and(|r| r.state == LocalState::Approved);
    let server_errors = existing.as_ref().map(|r| r.errors.clone()).unwrap_or_default();
    let comment = existing.as_ref().map(|r| r.comment.clone()).unwrap_or_default();

    // Start from the phone's copy; else prefill slowly changing figures from
    // the previous period's report and the digital team's activity log.
    let prev_values: BTreeMap<String, Value> =
        match eng.as_ref().and_then(|e| e.record(&Report::record_id(&village, &period.prev()))).map(|r| r.body) {
            Some(Body::Report(r)) => r.values,
            _ => BTreeMap::new(),
        };
    let activities: Vec<Activity> = eng
        .as_ref()
        .map(|e| e.records())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| match r.body {
            Body::Activity(a) if a.village == village => Some(a),
            _ => None,
        })
        .collect();
    let from_log = activity_totals(&activities, &period);
    let (raw0, diff0, prop0) = match existing.as_ref().map(|r| &r.body) {
        Some(Body::Report(r)) => (
            r.values.iter().map(|(k, v)| (k.clone(), value_to_raw(v))).collect(),
            r.difficulties.clone(),
            r.proposals.clone(),
        ),
        _ => {
            let mut raw: Raw = prev_values
                .iter()
                .filter(|(k, _)| cat.indicator(k).is_some_and(|i| i.prefill))
                .map(|(k, v)| (k.clone(), value_to_raw(v)))
                .collect();
            for (k, v) in &from_log {
                if cat.indicator(k).is_some_and(|i| i.asked_in(period.kind())) {
                    raw.entry(k.clone()).or_insert_with(|| number_vi(*v, 0));
                }
            }
            (raw, String::new(), String::new())
        }
    };
    let prev_values = StoredValue::new(prev_values);
    let from_log = StoredValue::new(from_log);
    let confirmed = RwSignal::new(std::collections::BTreeSet::<String>::new());
    let village = StoredValue::new(village);
    let raw = RwSignal::new(raw0);
    let difficulties = RwSignal::new(diff0);
    let proposals = RwSignal::new(prop0);
    let tried = RwSignal::new(false);

    let parsed = Memo::new(move |_| raw.with(parse_raw));
    let errors = Memo::new(move |_| {
        let (values, mut errs) = parsed.get();
        let show_required = tried.get();
        let more: Vec<FieldError> = cat
            .validate(period.kind(), &values)
            .into_iter()
            .filter(|e| show_required || e.code != "required")
            .filter(|e| !errs.iter().any(|p| p.field == e.field))
            .collect();
        errs.extend(more);
        errs
    });

    // Values far from last period's: asked to confirm, never blocked.
    let far = Memo::new(move |_| {
        parsed.with(|(values, _)| {
            prev_values.with_value(|prev| {
                values
                    .iter()
                    .filter_map(|(k, v)| Some((k, v.as_num()?, prev.get(k)?.as_num()?)))
                    .filter(|(_, now, before)| far_from_previous(*before, *now))
                    .map(|(k, _, _)| k.clone())
                    .collect::<Vec<String>>()
            })
        })
    });

    let build = move || {
        let (values, _) = parsed.get_untracked();
        let mut r = village.with_value(|v| Report::new(v, period, cat.version));
        r.values = values;
        r.difficulties = difficulties.get_untracked().trim().to_string();
        r.proposals = proposals.get_untracked().trim().to_string();
        r
    };

    // Every change is saved as a draft on the phone at once.
    let save_draft = move || {
        if locked {
            return;
        }
        let res = engine().and_then(|e| e.save_draft(Body::Report(build()), browser::now_ms()));
        match res {
            Ok(_) => ctx.notice.set(Some(ctx.t().draft_saved.into())),
            Err(e) => ctx.notice.set(Some(format!("{}: {e}", ctx.t().store_failed))),
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let report = build();
        if !report.validate(cat).is_empty() || !parsed.get_untracked().1.is_empty() {
            ctx.notice.set(Some(ctx.t().fix_errors.into()));
            focus_first_error();
            return;
        }
        if far.with_untracked(|f| f.iter().any(|k| !confirmed.with_untracked(|c| c.contains(k)))) {
            ctx.notice.set(Some(ctx.t().confirm_far.into()));
            if let Some(el) = document().query_selector("[data-testid^=confirm-]").ok().flatten() {
                if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                    let _ = el.focus();
                }
            }
            return;
        }
        save_and_send(ctx, Body::Report(report));
    };

    let groups = cat.groups.clone();
    view! {
        <main class="page report">
            <BackBar>
                <h1 data-testid="report-title">
                    {move || format!("{} {}", ctx.t().report_of, match ctx.lang.get() { Lang::Vi => period.label_vi(), Lang::En => period.label_en() })}
                </h1>
            </BackBar>
            <Notice/>
            {(!comment.is_empty()).then(|| view! { <p class="warn">{move || ctx.t().comment} ": " {comment.clone()}</p> })}
            {(!server_errors.is_empty()).then(|| view! {
                <ul class="warn" role="alert">{server_errors.iter().map(|e| view! { <li>{e.field.clone()} ": " {e.message.clone()}</li> }).collect_view()}</ul>
            })}
            <form on:submit=submit novalidate data-testid="report-form">
                <fieldset disabled=locked>
                {groups.into_iter().map(|g| {
                    let inds: Vec<&'static Indicator> = cat.asked(period.kind()).filter(|i| i.group == g.key).collect();
                    let inputs: Vec<String> = inds.iter().filter(|i| i.is_input()).map(|i| i.key.clone()).collect();
                    let total = inputs.len();
                    let done = move || raw.with(|r| inputs.iter().filter(|k| r.get(*k).is_some_and(|v| !v.trim().is_empty())).count());
                    let (vi, en) = (g.vi.clone(), g.en.clone());
                    view! {
                        <details class="group" open data-testid=format!("group-{}", g.key)>
                            <summary>
                                <span>{move || if ctx.lang.get() == Lang::Vi { vi.clone() } else { en.clone() }}</span>
                                <span class="progress">{move || format!("{}/{}", done(), total)}</span>
                            </summary>
                            {inds.into_iter().map(|ind| view! { <Field ind=ind raw=raw errors=errors parsed=parsed on_change=save_draft
                                prev=prev_values.with_value(|p| p.get(&ind.key).and_then(Value::as_num))
                                from_log=from_log.with_value(|l| l.get(&ind.key).copied())
                                far=far confirmed=confirmed/> }).collect_view()}
                        </details>
                    }
                }).collect_view()}
                <label for="difficulties">{move || ctx.t().difficulties}</label>
                <textarea id="difficulties" rows="3" prop:value=difficulties
                    on:input=move |e| { difficulties.set(event_target_value(&e)); save_draft(); }></textarea>
                <label for="proposals">{move || ctx.t().proposals}</label>
                <textarea id="proposals" rows="3" prop:value=proposals
                    on:input=move |e| { proposals.set(event_target_value(&e)); save_draft(); }></textarea>
                </fieldset>
                {(!locked).then(|| view! {
                    <button type="submit" class="primary wide" data-testid="submit-report">{move || ctx.t().submit}</button>
                })}
            </form>
        </main>
    }
    .into_any()
}

fn focus_first_error() {
    if let Some(el) = document().query_selector("[aria-invalid=true]").ok().flatten() {
        if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
            let _ = el.focus();
        }
    }
}

/// One indicator's input (or computed rate), with its label, unit and error.
#[component]
fn Field(
    ind: &'static Indicator,
    raw: RwSignal<Raw>,
    errors: Memo<Vec<FieldError>>,
    parsed: Memo<(BTreeMap<String, Value>, Vec<FieldError>)>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    /// Last period's value, for the "far from last time" check.
    prev: Option<f64>,
    /// This period's total from the activity log, when the log feeds it.
    from_log: Option<f64>,
    far: Memo<Vec<String>>,
    confirmed: RwSignal<std::collections::BTreeSet<String>>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let key = ind.key.clone();
    let id = format!("f-{key}");
    let err_id = format!("e-{key}");
    let label = move || if ctx.lang.get() == Lang::Vi { ind.vi.clone() } else { ind.en.clone() };
    let unit = move || ind.unit_for(ctx.lang.get() == Lang::En).to_string();
    let error = {
        let key = key.clone();
        Memo::new(move |_| errors.with(|es| es.iter().find(|e| e.field == key).cloned()))
    };
    let error_text = move || error.get().map(|e| if ctx.lang.get() == Lang::Vi { e.message } else { e.message_en() });
    let help = move || if ctx.lang.get() == Lang::Vi { ind.help_vi.clone() } else { ind.help_en.clone() };

    if ind.kind == Kind::Rate {
        let rate = move || {
            let lang = ctx.lang.get();
            parsed.with(|(v, _)| catalogue().rate(ind, v)).map(|x| match lang {
                Lang::Vi => format!("{} %", number_vi(x, 1)),
                Lang::En => format!("{} %", number_en(x, 1)),
            })
        };
        let target = ind.target.as_ref().map(|t| t.value);
        return view! {
            <div class="field rate">
                <span class="label">{label} " (" {move || ctx.t().computed} ")"</span>
                <output data-testid=format!("rate-{key}") for=ind.num.clone().unwrap_or_default()>{move || rate().unwrap_or_else(|| "—".into())}</output>
                {target.map(|t| view! { <span class="small">{move || ctx.t().target} ": " {number_vi(t, 1)} " %"</span> })}
            </div>
        }
        .into_any();
    }

    // A memo, so a keystroke in another field does not write this one's value.
    let value = {
        let key = key.clone();
        Memo::new(move |_| raw.with(|r| r.get(&key).cloned().unwrap_or_default()))
    };
    let set = {
        let key = key.clone();
        move |v: String| {
            raw.update(|r| {
                r.insert(key.clone(), v);
            });
            on_change();
        }
    };
    let input = match ind.kind {
        Kind::Bool => {
            let set = set.clone();
            view! {
                <input id=id.clone() type="checkbox" class="check" prop:checked=move || value.get() == "1"
                    on:change=move |e| set(if event_target_checked(&e) { "1".into() } else { String::new() })/>
            }
            .into_any()
        }
        Kind::Choice => {
            let set = set.clone();
            view! {
                <select id=id.clone() prop:value=value on:change=move |e| set(event_target_value(&e))>
                    <option value="">"—"</option>
                    {ind.choices.iter().map(|c| {
                        let (vi, en) = (c.vi.clone(), c.en.clone());
                        view! { <option value=c.key.clone()>{move || if ctx.lang.get() == Lang::Vi { vi.clone() } else { en.clone() }}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Kind::Text => {
            let set = set.clone();
            view! { <textarea id=id.clone() rows="2" prop:value=value on:input=move |e| set(event_target_value(&e))></textarea> }.into_any()
        }
        _ => {
            let mode = if ind.kind == Kind::Count { "numeric" } else { "decimal" };
            let set = set.clone();
            view! {
                <input id=id.clone() type="text" inputmode=mode autocomplete="off" data-testid=format!("in-{key}")
                    aria-invalid=move || error.with(|e| e.is_some()).to_string()
                    aria-describedby=err_id.clone()
                    prop:value=value on:input=move |e| set(event_target_value(&e))/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:invalid=move || error.with(|e| e.is_some())>
            <label for=id>{label} {ind.required.then_some(" *")}</label>
            <div class="inputrow">{input}<span class="unit">{unit}</span></div>
            {move || { let h = help(); (!h.is_empty()).then(|| view! { <span class="small">{h}</span> }) }}
            <span class="error" id=format!("e-{}", ind.key) data-testid=format!("err-{}", ind.key) role="alert">{error_text}</span>
            {from_log.map(|n| view! { <span class="small" data-testid=format!("log-{}", ind.key)>{move || ctx.t().from_activities} ": " {number_vi(n, 0)}</span> })}
            {
                let key = ind.key.clone();
                move || {
                    let key = key.clone();
                    let show = far.with(|f| f.contains(&key)) && !confirmed.with(|c| c.contains(&key));
                    show.then(|| {
                        let k2 = key.clone();
                        view! {
                            <div class="warn" role="alert">
                                {ctx.t().confirm_far} {prev.map(|p| format!(" ({})", number_vi(p, 2)))}
                                <button type="button" data-testid=format!("confirm-{key}")
                                    on:click=move |_| confirmed.update(|c| { c.insert(k2.clone()); })>
                                    {ctx.t().confirm_ok}
                                </button>
                            </div>
                        }
                    })
                }
            }
        </div>
    }
    .into_any()
}
