//! The periodic report form, driven by the catalogue: the ten task groups as
//! collapsible sections with progress, one input per indicator, rates
//! computed as the person types, checks shown per field. The draft is saved
//! on the phone as the person types (after a pause, or on leaving a field:
//! `app::draft`); "Lưu và gửi" queues it for sending.
//!
//! A quarter, half-year or year report opens prefilled from the months (and
//! quarters, half-years) already filed (`sothon_domain::derive`), each such
//! field marked "Theo báo cáo tháng" and, once changed, with its difference
//! from the months. Yes/no questions are two answers (Có / Không) or none.

use super::draft::{Draft, PAUSE_MS};
use super::home::Notice;
use super::{engine, save_and_send, BackBar, Ctx};
use crate::i18n::{Lang, Txt};
use crate::platform::browser;
use leptos::prelude::*;
use sothon_domain::catalogue::{current as catalogue, far_from_previous, Indicator, Kind};
use sothon_domain::derive::{derive, Derived, Filed};
use sothon_domain::event::{activity_totals, Activity};
use sothon_domain::format::{number_en, number_vi, parse_number};
use sothon_domain::protocol::Body;
use sothon_domain::{FieldError, Period, PeriodKind, Report, Value};
use sothon_sync::LocalState;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What the person typed, per indicator key, as text. Yes/no: `"1"` Có,
/// `"0"` Không, empty unanswered.
type Raw = BTreeMap<String, String>;

fn value_to_raw(ind: Option<&Indicator>, v: &Value) -> String {
    match v {
        Value::Num(x) => number_vi(ind.map_or(*x, |i| i.to_typed(*x)), 6),
        Value::Bool(b) => if *b { "1" } else { "0" }.into(),
        Value::Text(s) => s.clone(),
    }
}

/// One field's typed text into the values; text that is not a number
/// becomes a field error instead of a value.
fn parse_into(out: &mut (BTreeMap<String, Value>, Vec<FieldError>), k: &str, text: &str) {
    let Some(ind) = catalogue().indicator(k) else { return };
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let v = match ind.kind {
        Kind::Count | Kind::Decimal => match parse_number(text) {
            Some(x) => Value::Num(ind.from_typed(x)),
            None => return out.1.push(FieldError::new(k, "type", "Phải là một số")),
        },
        Kind::Bool => match text {
            "1" => Value::Bool(true),
            "0" => Value::Bool(false),
            _ => return,
        },
        Kind::Choice | Kind::Text => Value::Text(text.to_string()),
        Kind::Rate => return,
    };
    out.0.insert(k.to_string(), v);
}

/// Each field's first error, for the fields in `keys` (none: `None`).
fn per_field<'a>(keys: impl Iterator<Item = &'a str>, errors: &[FieldError]) -> Vec<Option<FieldError>> {
    keys.map(|k| errors.iter().find(|e| e.field == k).cloned()).collect()
}

/// Sets each signal whose value differs from the new one, and only those:
/// a field is woken when its own error (or warning) changes, not when
/// another field's does.
fn set_changed<T: PartialEq + Send + Sync + 'static>(cells: &[RwSignal<T>], new: Vec<T>) {
    for (cell, v) in cells.iter().zip(new) {
        if cell.with_untracked(|old| *old != v) {
            cell.set(v);
        }
    }
}

/// Whether an input counts toward a group's progress and "missing" fields:
/// optional free text ("để trống nếu không có") does not.
fn counted(ind: &Indicator) -> bool {
    ind.is_input() && (ind.kind != Kind::Text || ind.required)
}

/// A value as the person reads it ("12", "400 m", "Có", a choice's label).
pub(crate) fn shown(lang: Lang, ind: &Indicator, v: &Value) -> String {
    let t = lang.t();
    match v {
        Value::Num(x) => {
            let x = ind.to_typed(*x);
            let n = if lang == Lang::Vi { number_vi(x, 2) } else { number_en(x, 2) };
            let unit = ind.typed_unit(lang == Lang::En);
            if unit.is_empty() {
                n
            } else {
                format!("{n} {unit}")
            }
        }
        Value::Bool(b) => if *b { t.yes } else { t.no }.to_string(),
        Value::Text(s) => ind
            .choices
            .iter()
            .find(|c| &c.key == s)
            .map(|c| if lang == Lang::Vi { c.vi.clone() } else { c.en.clone() })
            .unwrap_or_else(|| s.clone()),
    }
}

fn from_label(t: &'static Txt, kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Month => t.from_months,
        PeriodKind::Quarter => t.from_quarters,
        PeriodKind::Half | PeriodKind::Year => t.from_halves,
    }
}

fn period_label(lang: Lang, p: &Period) -> String {
    match lang {
        Lang::Vi => p.label_vi(),
        Lang::En => p.label_en(),
    }
}

/// Moves focus (and the screen) to an element by id, after the DOM settles.
pub(super) fn focus_id(id: String) {
    request_animation_frame(move || {
        if let Some(el) = document().get_element_by_id(&id) {
            // The field's label too, not just its box: scroll its wrapper to the top.
            let wrapper = el.closest(".field").ok().flatten().unwrap_or_else(|| el.clone());
            wrapper.scroll_into_view_with_bool(true);
            if let Ok(el) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
                let _ = el.focus();
            }
        }
    });
}

/// Whether focus leaves a field for "Lưu và gửi", which saves everything
/// itself (writing the draft first would cost the save a second write).
fn to_submit(e: &web_sys::FocusEvent) -> bool {
    use wasm_bindgen::JsCast;
    e.related_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| el.get_attribute("type").as_deref() == Some("submit"))
}

/// The element id a field's error links to (a yes/no field: its "Có").
fn input_id(key: &str) -> String {
    format!("f-{key}")
}

#[component]
pub fn ReportForm(period: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let Ok(period) = Period::parse(&period) else {
        return view! { <super::NotFound/> }.into_any();
    };
    let village = ctx.session.with_untracked(|s| s.as_ref().and_then(|s| s.user.village.clone())).unwrap_or_default();
    let cat = catalogue();
    let id = Report::record_id(&village, &period);
    let eng = engine().ok();
    let all_records = eng.as_ref().map(|e| e.records()).unwrap_or_default();
    let existing = all_records.iter().find(|r| r.id == id).cloned();
    let state = existing.as_ref().map(|r| r.state);
    let locked = state == Some(LocalState::Approved);
    let returned = state == Some(LocalState::Returned);
    let server_errors = existing.as_ref().map(|r| r.errors.clone()).unwrap_or_default();
    let comment = existing.as_ref().map(|r| r.comment.clone()).unwrap_or_default();
    // The commune's comments on single fields, while the report is returned.
    let flagged =
        StoredValue::new(existing.as_ref().filter(|_| returned).map(|r| r.return_fields.clone()).unwrap_or_default());

    // The village's filed reports (not drafts) feed a longer period's prefill.
    let reports: Vec<(Report, bool)> = all_records
        .iter()
        .filter(|r| r.state != LocalState::Draft)
        .filter_map(|r| match &r.body {
            Body::Report(rep) if rep.village == village => Some((rep.clone(), r.state == LocalState::Returned)),
            _ => None,
        })
        .collect();
    let filed: Vec<Filed<'_>> =
        reports.iter().map(|(report, returned)| Filed { report, returned: *returned }).collect();
    let derived: Derived = derive(cat, &village, period, &filed);

    // Start from the phone's copy; else from the shorter reports, then slowly
    // changing figures from the previous period's report and the digital
    // team's activity log.
    let prev_values: BTreeMap<String, Value> =
        match all_records.iter().find(|r| r.id == Report::record_id(&village, &period.prev())).map(|r| &r.body) {
            Some(Body::Report(r)) => r.values.clone(),
            _ => BTreeMap::new(),
        };
    let activities: Vec<Activity> = all_records
        .iter()
        .filter_map(|r| match &r.body {
            Body::Activity(a) if a.village == village => Some(a.clone()),
            _ => None,
        })
        .collect();
    let from_log = activity_totals(&activities, &period);
    let (raw0, diff0, prop0) = match existing.as_ref().map(|r| &r.body) {
        Some(Body::Report(r)) => (
            r.values.iter().map(|(k, v)| (k.clone(), value_to_raw(cat.indicator(k), v))).collect(),
            r.difficulties.clone(),
            r.proposals.clone(),
        ),
        _ => {
            let mut raw: Raw =
                derived.values.iter().map(|(k, v)| (k.clone(), value_to_raw(cat.indicator(k), v))).collect();
            for (k, v) in &prev_values {
                if cat.indicator(k).is_some_and(|i| i.prefill && i.asked_in(period.kind())) {
                    raw.entry(k.clone()).or_insert_with(|| value_to_raw(cat.indicator(k), v));
                }
            }
            (raw, String::new(), String::new())
        }
    };
    let prev_values = StoredValue::new(prev_values);
    let from_log = StoredValue::new(from_log);
    let derived = StoredValue::new(derived);
    let confirmed = RwSignal::new(BTreeSet::<String>::new());
    let village = StoredValue::new(village);
    // One signal per field's text: a keystroke wakes its own field, its
    // group's progress and the form's checks — not the other 87 fields,
    // whose errors and warnings are their own signals too, set only when
    // they change (issue #10).
    let mut cells: BTreeMap<String, RwSignal<String>> = raw0.into_iter().map(|(k, v)| (k, RwSignal::new(v))).collect();
    for i in cat.asked(period.kind()).filter(|i| i.is_input()) {
        cells.entry(i.key.clone()).or_insert_with(|| RwSignal::new(String::new()));
    }
    let asked_keys: Vec<String> = cat.asked(period.kind()).map(|i| i.key.clone()).collect();
    let field_errors: Vec<RwSignal<Option<FieldError>>> = asked_keys.iter().map(|_| RwSignal::new(None)).collect();
    let field_far: Vec<RwSignal<bool>> = asked_keys.iter().map(|_| RwSignal::new(false)).collect();
    let signals_of = |k: &str| {
        let i = asked_keys.iter().position(|a| a == k).expect("an asked indicator");
        (field_errors[i], field_far[i])
    };
    let cells = StoredValue::new(cells);
    let cell = move |k: &str| cells.with_value(|c| c.get(k).copied());
    let difficulties = RwSignal::new(diff0);
    let proposals = RwSignal::new(prop0);
    let tried = RwSignal::new(false);

    let parsed = Memo::new(move |_| {
        cells.with_value(|cells| {
            let mut out = (BTreeMap::new(), Vec::new());
            for (k, text) in cells {
                text.with(|t| parse_into(&mut out, k, t));
            }
            out
        })
    });
    let errors = Memo::new(move |_| {
        let show_required = tried.get();
        let mut errs = parsed.with(|(values, errs)| {
            let more: Vec<FieldError> = cat
                .validate(period.kind(), values)
                .into_iter()
                .filter(|e| show_required || e.code != "required")
                .filter(|e| !errs.iter().any(|p| p.field == e.field))
                .collect();
            let mut all = errs.clone();
            all.extend(more);
            all
        });
        // In catalogue order, so "the first" is the first on screen.
        let order = |k: &str| cat.indicators.iter().position(|i| i.key == k).unwrap_or(usize::MAX);
        errs.sort_by_key(|e| order(&e.field));
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
    // Fields needing attention after "Lưu và gửi": errors, then unconfirmed
    // far values, each once, in screen order.
    let attention = Memo::new(move |_| {
        if !tried.get() {
            return Vec::new();
        }
        let mut keys: Vec<String> = errors.with(|es| es.iter().map(|e| e.field.clone()).collect());
        for k in far.get() {
            if !confirmed.with(|c| c.contains(&k)) && !keys.contains(&k) {
                keys.push(k);
            }
        }
        keys.retain(|k| cat.indicator(k).is_some());
        keys.dedup();
        keys
    });

    // Each field's error and "far from last time" into its own signal.
    {
        let keys = asked_keys.clone();
        let (field_errors, field_far) = (field_errors.clone(), field_far.clone());
        Effect::new(move |_| {
            errors.with(|es| set_changed(&field_errors, per_field(keys.iter().map(String::as_str), es)));
            far.with(|f| set_changed(&field_far, keys.iter().map(|k| f.contains(k)).collect()));
        });
    }

    let build = move || {
        let (values, _) = parsed.get_untracked();
        let mut r = village.with_value(|v| Report::new(v, period, cat.version));
        r.values = values;
        r.difficulties = difficulties.get_untracked().trim().to_string();
        r.proposals = proposals.get_untracked().trim().to_string();
        r
    };

    // Typing reaches the phone after a pause, and at once when the person
    // leaves a field, the form or the app (see app::draft).
    let draft = StoredValue::new(Draft::default());
    let pause = StoredValue::new(None::<TimeoutHandle>);
    // `try_`: the browser may send a last `focusout` while it removes the
    // form, after the form's values were dropped (there is nothing left to
    // write then: leaving the form wrote it).
    let end_pause = move || {
        if let Some(Some(h)) = pause.try_get_value() {
            h.clear();
            pause.try_set_value(None);
        }
    };
    let write_draft = move || {
        end_pause();
        if locked || !draft.try_update_value(Draft::take).unwrap_or(false) {
            return;
        }
        let res = engine().and_then(|e| e.save_draft(Body::Report(build()), browser::now_ms()));
        match res {
            Ok(_) => ctx.notice.set(Some(ctx.t().draft_saved.into())),
            Err(e) => {
                draft.update_value(Draft::failed);
                ctx.notice.set(Some(format!("{}: {e}", ctx.t().store_failed)));
            }
        }
    };
    let save_draft = move || {
        if locked {
            return;
        }
        draft.update_value(Draft::changed);
        end_pause();
        pause.set_value(set_timeout_with_handle(write_draft, Duration::from_millis(PAUSE_MS)).ok());
    };
    // Leaving the form, or the app going to the background or away.
    on_cleanup(write_draft);
    let on_hidden = window_event_listener_untyped("visibilitychange", move |_| {
        if document().hidden() {
            write_draft();
        }
    });
    let on_pagehide = window_event_listener_untyped("pagehide", move |_| write_draft());
    on_cleanup(move || {
        on_hidden.remove();
        on_pagehide.remove();
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let report = build();
        let first = attention.get_untracked().into_iter().next();
        if !report.validate(cat).is_empty() || !parsed.get_untracked().1.is_empty() || first.is_some() {
            let msg = if errors.with_untracked(Vec::is_empty) { ctx.t().confirm_far } else { ctx.t().fix_errors };
            ctx.notice.set(Some(msg.into()));
            if let Some(k) = first {
                focus_id(input_id(&k));
            }
            return;
        }
        // Before the save: it leaves the form, whose cleanup must not write
        // the queued record back as a draft.
        draft.update_value(Draft::submitted);
        if !save_and_send(ctx, Body::Report(report)) {
            draft.update_value(Draft::failed);
        }
    };

    // A returned report opens on the commune's comment.
    if returned && !comment.is_empty() {
        focus_id("review-comment".into());
    }

    let notes = derived.with_value(|d| (d.missing.clone(), d.returned.clone()));
    let groups = cat.groups.clone();
    view! {
        <main class="page report" class:locked=locked>
            <BackBar>
                <h1 data-testid="report-title">
                    {move || format!("{} {}", ctx.t().report_of, period_label(ctx.lang.get(), &period))}
                </h1>
            </BackBar>
            {locked.then(|| view! { <p class="notice locked-note" role="status" data-testid="locked">{move || ctx.t().approved_locked}</p> })}
            <Notice/>
            {(!comment.is_empty()).then(|| view! {
                <p class="warn" id="review-comment" tabindex="-1" data-testid="report-comment">
                    <b>{move || ctx.t().comment} ": "</b> {comment.clone()}
                </p>
            })}
            {move || {
                let lang = ctx.lang.get();
                let flags = flagged.with_value(|f| super::returned::flags(Some(cat), lang, f));
                (!flags.is_empty()).then(|| view! {
                    <div class="warn" data-testid="report-flags">
                        <p><b>{lang.rv().flagged_fields}</b></p>
                        <ul>{flags.into_iter().map(|f| {
                            let target = if super::returned::TEXT_KEYS.contains(&f.key.as_str()) { f.key.clone() } else { input_id(&f.key) };
                            view! { <li><button type="button" class="link" data-testid=format!("goto-flag-{}", f.key)
                                on:click=move |_| focus_id(target.clone())>{f.label}</button> ": " {f.comment}</li> }
                        }).collect_view()}</ul>
                    </div>
                })
            }}
            {(!server_errors.is_empty()).then(|| view! {
                <ul class="warn" role="alert" data-testid="server-errors">{server_errors.iter().map(|e| {
                    let label = cat.indicator(&e.field).map(|i| i.vi.clone()).unwrap_or_else(|| e.field.clone());
                    let target = input_id(&e.field);
                    view! { <li><button type="button" class="link" on:click=move |_| focus_id(target.clone())>{label}</button> ": " {e.message.clone()}</li> }
                }).collect_view()}</ul>
            })}
            {(!notes.0.is_empty()).then(|| {
                let list = notes.0.clone();
                view! { <p class="warn" data-testid="derive-missing">{move || {
                    let lang = ctx.lang.get();
                    format!("{}: {}. {}", ctx.t().missing_reports, list.iter().map(|p| period_label(lang, p)).collect::<Vec<_>>().join(", "), ctx.t().missing_reports_after)
                }}</p> }
            })}
            {(!notes.1.is_empty()).then(|| {
                let list = notes.1.clone();
                view! { <p class="warn" data-testid="derive-returned">{move || {
                    let lang = ctx.lang.get();
                    format!("{}: {}. {}", ctx.t().returned_reports, list.iter().map(|p| period_label(lang, p)).collect::<Vec<_>>().join(", "), ctx.t().returned_reports_after)
                }}</p> }
            })}
            <form on:submit=submit on:focusout=move |e| if !to_submit(&e) { write_draft() } novalidate data-testid="report-form" data-period=period.to_string()>
                <fieldset disabled=locked>
                {groups.into_iter().map(|g| {
                    let inds: Vec<&'static Indicator> = cat.asked(period.kind()).filter(|i| i.group == g.key).collect();
                    let inputs: Vec<String> = inds.iter().filter(|i| counted(i)).map(|i| i.key.clone()).collect();
                    let total = inputs.len();
                    let numeric: Vec<String> = inds.iter().filter(|i| matches!(i.kind, Kind::Count | Kind::Decimal)).map(|i| i.key.clone()).collect();
                    // "Nothing this period" fits a group whose answers are all numbers.
                    let all_numbers = numeric.len() == total && total > 0;
                    let inputs2 = inputs.clone();
                    let filled = move |k: &String| cell(k).is_some_and(|c| c.with(|v| !v.trim().is_empty()));
                    let done = move || inputs.iter().filter(|k| filled(k)).count();
                    let all_done = move || inputs2.iter().all(filled);
                    let (vi, en, sub_vi, sub_en) = (g.vi.clone(), g.en.clone(), g.sub_vi.clone(), g.sub_en.clone());
                    let gkey = g.key.clone();
                    view! {
                        <details class="group" open data-testid=format!("group-{}", g.key)>
                            <summary>
                                <span class="gtitle">
                                    <span>{move || if ctx.lang.get() == Lang::Vi { sub_vi.clone() } else { sub_en.clone() }}</span>
                                    <span class="small plan">{move || if ctx.lang.get() == Lang::Vi { vi.clone() } else { en.clone() }}</span>
                                </span>
                                <span class="progress" data-testid=format!("progress-{}", g.key)>{move || format!("{}/{}", done(), total)}</span>
                            </summary>
                            {(all_numbers && !locked).then(|| {
                                let numeric = numeric.clone();
                                view! {
                                    <div class="field">
                                        <button type="button" class="nil" data-testid=format!("nothing-{gkey}") disabled=all_done
                                            on:click=move |_| {
                                                for k in &numeric {
                                                    if let Some(c) = cell(k) {
                                                        if c.with_untracked(|v| v.trim().is_empty()) { c.set("0".into()); }
                                                    }
                                                }
                                                save_draft();
                                            }>
                                            {move || ctx.t().nothing_this_period}
                                        </button>
                                    </div>
                                }
                            })}
                            {inds.into_iter().map(|ind| { let (error, far_here) = signals_of(&ind.key); view! { <Field ind=ind
                                cell=cell(&ind.key) error=error.read_only() far_here=far_here.read_only()
                                parsed=parsed on_change=save_draft
                                prev=prev_values.with_value(|p| p.get(&ind.key).and_then(Value::as_num))
                                from_log=from_log.with_value(|l| l.get(&ind.key).copied())
                                derived=derived.with_value(|d| d.values.get(&ind.key).cloned().zip(d.from.get(&ind.key).copied()))
                                confirmed=confirmed
                                flag=flagged.with_value(|f| super::returned::comment_on(f, &ind.key).map(str::to_string))/> }}).collect_view()}
                        </details>
                    }
                }).collect_view()}
                <label for="difficulties">{move || ctx.t().difficulties}</label>
                {flag_note(flagged, "difficulties")}
                <textarea id="difficulties" rows="3" prop:value=difficulties
                    on:input=move |e| { difficulties.set(event_target_value(&e)); save_draft(); }></textarea>
                <label for="proposals">{move || ctx.t().proposals}</label>
                {flag_note(flagged, "proposals")}
                <textarea id="proposals" rows="3" prop:value=proposals
                    on:input=move |e| { proposals.set(event_target_value(&e)); save_draft(); }></textarea>
                </fieldset>
                {move || {
                    let keys = attention.get();
                    (!keys.is_empty()).then(|| {
                        let lang = ctx.lang.get();
                        let n = keys.len();
                        view! {
                            <div class="warn attention" role="alert" data-testid="attention">
                                <p><b>{format!("{} {n} {}", ctx.t().still, ctx.t().fields_to_fix)}</b></p>
                                <ul>{keys.into_iter().map(|k| {
                                    let label = cat.indicator(&k).map(|i| if lang == Lang::Vi { i.vi.clone() } else { i.en.clone() }).unwrap_or_else(|| k.clone());
                                    let target = input_id(&k);
                                    view! { <li><button type="button" class="link" data-testid=format!("goto-{k}") on:click=move |_| focus_id(target.clone())>{label}</button></li> }
                                }).collect_view()}</ul>
                            </div>
                        }
                    })
                }}
                {(!locked).then(|| view! {
                    <button type="submit" class="primary wide" data-testid="submit-report">{move || ctx.t().submit}</button>
                })}
            </form>
        </main>
    }
    .into_any()
}

/// The commune's comment on a free-text field of a returned report.
fn flag_note(flagged: StoredValue<Vec<sothon_domain::review::FieldComment>>, key: &'static str) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    flagged.with_value(|f| super::returned::comment_on(f, key).map(str::to_string)).map(|c| {
        view! {
            <span class="flag-note" data-testid=format!("flag-{key}")>
                <b>{move || ctx.lang.get().rv().officer_says} ": "</b> {c}
            </span>
        }
    })
}

/// One indicator's input (or computed rate), with its label, unit and error.
#[component]
fn Field(
    ind: &'static Indicator,
    /// The field's text (a computed rate has none).
    cell: Option<RwSignal<String>>,
    /// Its first error, if any.
    error: ReadSignal<Option<FieldError>>,
    /// Whether its value is far from last period's.
    far_here: ReadSignal<bool>,
    /// Every value, for a computed rate and the difference from the months.
    parsed: Memo<(BTreeMap<String, Value>, Vec<FieldError>)>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
    /// Last period's value, for the "far from last time" check.
    prev: Option<f64>,
    /// This period's total from the activity log, when the log feeds it.
    from_log: Option<f64>,
    /// The value carried from shorter reports, and their kind.
    derived: Option<(Value, PeriodKind)>,
    confirmed: RwSignal<BTreeSet<String>>,
    /// The commune's comment on this field, when it returned the report.
    flag: Option<String>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let key = ind.key.clone();
    let id = input_id(&key);
    let err_id = format!("e-{key}");
    let label = move || if ctx.lang.get() == Lang::Vi { ind.vi.clone() } else { ind.en.clone() };
    let unit = move || ind.typed_unit(ctx.lang.get() == Lang::En).to_string();
    let error_text = move || {
        error.get().map(|e| {
            let lang = ctx.lang.get();
            // A limit in the stored unit, shown in the typed one (km → m).
            match (&ind.entry, e.limit, e.code.as_str()) {
                (Some(_), Some(l), "min" | "max" | "le") => {
                    let n = number_vi(ind.to_typed(l), 2);
                    let u = ind.typed_unit(lang == Lang::En);
                    match (lang, e.code.as_str()) {
                        (Lang::Vi, "min") => format!("Không được nhỏ hơn {n} {u}"),
                        (Lang::Vi, _) => format!("Không được lớn hơn {n} {u}"),
                        (Lang::En, "min") => format!("Must not be less than {n} {u}"),
                        (Lang::En, _) => format!("Must not be more than {n} {u}"),
                    }
                }
                _ if lang == Lang::Vi => e.message,
                _ => e.message_en(),
            }
        })
    };
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
                <output data-testid=format!("rate-{key}") for=ind.num.as_deref().map(input_id).unwrap_or_default()>{move || rate().unwrap_or_else(|| "—".into())}</output>
                {target.map(|t| view! { <span class="small">{move || ctx.t().target} ": " {number_vi(t, 1)} " %"</span> })}
            </div>
        }
        .into_any();
    }

    let value = cell.expect("an input field has its text");
    let set = move |v: String| {
        value.set(v);
        on_change();
    };
    let empty = move || value.with(|v| v.trim().is_empty());
    let set_log = set;
    let input = match ind.kind {
        Kind::Bool => {
            let name = format!("b-{key}");
            let answer = move |v: &'static str, text: fn(&'static Txt) -> &'static str, id: String, testid: String| {
                view! {
                    <label class="choice" class:selected=move || value.get() == v>
                        <input type="radio" id=id name=name.clone() value=v data-testid=testid
                            prop:checked=move || value.get() == v on:change=move |_| set(v.into())/>
                        {move || text(ctx.t())}
                    </label>
                }
            };
            view! {
                <div class="choices row2" role="radiogroup" aria-labelledby=format!("l-{key}") aria-describedby=err_id.clone()
                    aria-invalid=move || error.with(|e| e.is_some()).to_string()>
                    {answer("1", |t| t.yes, id.clone(), format!("yes-{key}"))}
                    {answer("0", |t| t.no, format!("f-{key}-no"), format!("no-{key}"))}
                </div>
            }
            .into_any()
        }
        Kind::Choice => {
            view! {
                <select id=id.clone() prop:value=value data-testid=format!("in-{key}") on:change=move |e| set(event_target_value(&e))>
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
            view! { <textarea id=id.clone() rows="2" data-testid=format!("in-{key}") prop:value=value on:input=move |e| set(event_target_value(&e))></textarea> }.into_any()
        }
        _ => {
            let mode = if ind.kind == Kind::Count { "numeric" } else { "decimal" };
            view! {
                <input id=id.clone() type="text" inputmode=mode autocomplete="off" data-testid=format!("in-{key}")
                    aria-invalid=move || error.with(|e| e.is_some()).to_string()
                    aria-describedby=err_id.clone()
                    prop:value=value on:input=move |e| set(event_target_value(&e))/>
            }
            .into_any()
        }
    };
    let label_el = if ind.kind == Kind::Bool {
        view! { <span class="label" id=format!("l-{key}")>{label} {ind.required.then_some(" *")}</span> }.into_any()
    } else {
        view! { <label for=id>{label} {ind.required.then_some(" *")}</label> }.into_any()
    };
    // "Theo báo cáo tháng" — and, once changed, the difference from the months.
    let derived_note = derived.map(|(dv, kind)| {
        let key = key.clone();
        move || {
            let lang = ctx.lang.get();
            let t = ctx.t();
            let now = parsed.with(|(v, _)| v.get(&key).cloned());
            let from = from_label(t, kind);
            match (&now, &dv) {
                (Some(n), d) if n == d => from.to_string(),
                (Some(Value::Num(n)), Value::Num(d)) => {
                    let diff = ind.to_typed(*n) - ind.to_typed(*d);
                    let sign = if diff > 0.0 { "+" } else { "−" };
                    let abs = if lang == Lang::Vi { number_vi(diff.abs(), 2) } else { number_en(diff.abs(), 2) };
                    format!("{from}: {} · {} {sign}{abs}", shown(lang, ind, &dv), t.differs_by)
                }
                _ => format!("{from}: {}", shown(lang, ind, &dv)),
            }
        }
    });
    let optional_text = ind.kind == Kind::Text && !ind.required;
    let is_flagged = flag.is_some();
    view! {
        <div class="field" class:invalid=move || error.with(|e| e.is_some()) class:flagged=is_flagged
            data-testid=format!("field-{}", ind.key) data-flagged=is_flagged.to_string()
            data-empty=move || (empty() && !optional_text).to_string()>
            {label_el}
            {flag.map(|c| view! {
                <span class="flag-note" data-testid=format!("flag-{}", ind.key)>
                    <b>{move || ctx.lang.get().rv().officer_says} ": "</b> {c}
                </span>
            })}
            <div class="inputrow">{input}{move || { let u = unit(); (!u.is_empty()).then(|| view! { <span class="unit">{u}</span> }) }}</div>
            {move || { let h = help(); (!h.is_empty()).then(|| view! { <span class="small">{h}</span> }) }}
            {optional_text.then(|| view! { <span class="small">{move || ctx.t().leave_empty}</span> })}
            {derived_note.map(|note| view! { <span class="small derived" data-testid=format!("derived-{}", ind.key)>{note}</span> })}
            <span class="error" id=err_id.clone() data-testid=format!("err-{}", ind.key) role="alert">{error_text}</span>
            {from_log.map(|n| {
                let set = set_log;
                let text = number_vi(n, 0);
                view! {
                    <button type="button" class="link hint" data-testid=format!("log-{}", ind.key)
                        on:click=move |_| set(text.clone())>
                        {move || ctx.t().from_activities} ": " {number_vi(n, 0)} " — " {move || ctx.t().use_this_number}
                    </button>
                }
            })}
            {
                let key = ind.key.clone();
                move || {
                    let key = key.clone();
                    let show = far_here.get() && !confirmed.with(|c| c.contains(&key));
                    show.then(|| {
                        let k2 = key.clone();
                        view! {
                            <div class="warn" role="alert">
                                {ctx.t().confirm_far} {prev.map(|p| format!(" ({})", number_vi(ind.to_typed(p), 2)))}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> (BTreeMap<String, Value>, Vec<FieldError>) {
        let mut out = (BTreeMap::new(), Vec::new());
        for (k, t) in pairs {
            parse_into(&mut out, k, t);
        }
        out
    }

    #[test]
    fn each_field_parses_on_its_own() {
        let (values, errs) = parse(&[
            ("pop", " 1.264 "),
            ("road_km", "400"),
            ("fibre", "1"),
            ("mobile_good_all", "0"),
            ("works_progress", "dung_tien_do"),
            ("dvc_helped", "mười"),
            ("hh_fibre", "  "),
            ("no_such_field", "5"),
            ("preschool_rate", "50"),
        ]);
        assert_eq!(values.get("pop"), Some(&Value::Num(1264.0)));
        // Typed in metres, stored in km.
        assert_eq!(values.get("road_km"), Some(&Value::Num(0.4)));
        assert_eq!(values.get("fibre"), Some(&Value::Bool(true)));
        assert_eq!(values.get("mobile_good_all"), Some(&Value::Bool(false)));
        assert_eq!(values.get("works_progress"), Some(&Value::Text("dung_tien_do".into())));
        // Not a number: an error, no value. Blank, unknown and computed: nothing.
        assert_eq!(errs.len(), 1);
        assert_eq!((errs[0].field.as_str(), errs[0].code.as_str()), ("dvc_helped", "type"));
        for k in ["dvc_helped", "hh_fibre", "no_such_field", "preschool_rate"] {
            assert!(!values.contains_key(k), "{k}");
        }
    }

    #[test]
    fn a_field_gets_its_first_error_only() {
        let errs = vec![
            FieldError::new("bhyt", "le", "first"),
            FieldError::new("pop", "required", "x"),
            FieldError::new("bhyt", "min", "second"),
        ];
        let got = per_field(["bhyt", "hh", "pop"].into_iter(), &errs);
        assert_eq!(got[0].as_ref().map(|e| e.message.as_str()), Some("first"));
        assert_eq!(got[1], None);
        assert_eq!(got[2].as_ref().map(|e| e.code.as_str()), Some("required"));
    }

    #[test]
    fn only_changed_signals_are_set() {
        let cells = [RwSignal::new(1), RwSignal::new(2), RwSignal::new(3)];
        set_changed(&cells, vec![1, 5, 3]);
        assert_eq!(cells.map(|c| c.get_untracked()), [1, 5, 3]);
    }
}
