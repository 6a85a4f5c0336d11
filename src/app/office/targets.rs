//! The commune's 2026–2030 targets: progress toward each (judged only on
//! complete coverage), the villages furthest behind first, and — for the
//! commune admin — setting a target. A value that is not a number is
//! refused here, in Vietnamese, before anything is sent; out-of-range
//! values come back from the server as field errors.

use super::charts::ProgressBar;
use super::{api, get};
use crate::app::Ctx;
use leptos::prelude::*;
use sothon_domain::api::{TargetEntry, TargetOp, TargetRequest, Targets, Verdict};
use sothon_domain::catalogue::{current as catalogue, Kind};
use sothon_domain::figures::{coverage_vi, is_numeric, TARGET_YEARS};
use sothon_domain::format::{number_vi, parse_number, vn_date};
use sothon_domain::protocol::Role;

fn shown(kind: Kind, x: f64, unit: &str) -> String {
    match kind {
        Kind::Rate => format!("{} %", number_vi(x, 1)),
        Kind::Bool => if x >= 1.0 { "Có" } else { "Không" }.into(),
        _ if unit.is_empty() => number_vi(x, 2),
        _ => format!("{} {unit}", number_vi(x, 2)),
    }
}

/// Progress and (admin) entry of the targets.
#[component]
pub fn TargetsPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let role = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.user.role)).unwrap_or(Role::Officer);
    let today = vn_date(crate::platform::browser::now_ms());
    let this_year = sothon_domain::Period::containing(sothon_domain::PeriodKind::Year, today)
        .year()
        .clamp(*TARGET_YEARS.start(), *TARGET_YEARS.end());
    let year = RwSignal::new(this_year);
    let refresh = RwSignal::new(0u32);
    let data = LocalResource::new(move || {
        refresh.track();
        let y = year.get();
        async move { get::<Targets>(ctx, &format!("/api/v1/targets?year={y}")).await }
    });
    let t = move || ctx.lang.get().reports();
    let cat = catalogue();
    view! {
        <section class="card" aria-labelledby="tg-title" data-testid="targets-screen">
            <h2 id="tg-title">{move || t().targets_title}</h2>
            <label for="tg-year">{move || t().year}</label>
            <select id="tg-year" data-testid="targets-year" on:change=move |e| {
                if let Ok(y) = event_target_value(&e).parse() { year.set(y) }
            }>
                {TARGET_YEARS.map(|y| view! { <option value=y.to_string() selected=move || year.get() == y>{y}</option> }).collect_view()}
            </select>
            {move || match data.get() {
                None => view! { <p>"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                Some(Ok(d)) if d.progress.is_empty() => view! { <p class="muted">{t().no_targets}</p> }.into_any(),
                Some(Ok(d)) => view! {
                    <ul class="records progress-list">
                        {d.progress.into_iter().map(|p| {
                            let ind = cat.indicator(&p.indicator);
                            let (label, kind, unit) = ind.map(|i| (i.vi.clone(), i.kind, i.unit.clone())).unwrap_or((p.indicator.clone(), Kind::Count, String::new()));
                            let value = p.value.map(|v| shown(kind, v, &unit)).unwrap_or_else(|| "—".into());
                            let verdict = match p.verdict {
                                Verdict::Met => format!("✓ {}", t().met),
                                Verdict::NotMet => format!("✗ {}", t().not_met),
                                Verdict::Incomplete => t().not_enough.to_string(),
                                Verdict::NoData => t().no_data.to_string(),
                            };
                            let head = format!("{}: {} / {} {} {} ({})", label, value, t().target.to_lowercase(), p.op.symbol(), shown(kind, p.target, &unit), coverage_vi(p.villages_reporting, p.villages_total));
                            let behind: Vec<String> = p.villages.iter().take(5).map(|v| {
                                let val = v.value.map(|x| shown(kind, x, &unit)).unwrap_or_else(|| t().no_data.to_string());
                                format!("{}: {} ({} {})", v.name, val, t().target.to_lowercase(), shown(kind, v.target, &unit))
                            }).collect();
                            view! {
                                <li data-testid="progress-item" data-key=p.indicator.clone() data-verdict=format!("{:?}", p.verdict).to_lowercase()>
                                    <p><b>{head.clone()}</b> " — " <span class="verdict">{verdict}</span></p>
                                    <ProgressBar label=head value=p.value target=p.target at_most=p.op == TargetOp::Le/>
                                    <details>
                                        <summary>{t().behind_first}</summary>
                                        <ol>{behind.into_iter().map(|b| view! { <li>{b}</li> }).collect_view()}</ol>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {if role == Role::Admin {
                view! { <TargetForm year=year on_saved=move || refresh.update(|x| *x += 1)/> }.into_any()
            } else {
                view! { <p class="small">{move || t().admin_only}</p> }.into_any()
            }}
        </section>
    }
}

/// The admin's form: indicator, year, value.
#[component]
fn TargetForm(year: RwSignal<i32>, on_saved: impl Fn() + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move || ctx.lang.get().reports();
    let cat = catalogue();
    let choices: Vec<(String, String)> = cat
        .indicators
        .iter()
        .filter(|i| !i.retired && is_numeric(i))
        .map(|i| (i.key.clone(), if i.unit.is_empty() { i.vi.clone() } else { format!("{} ({})", i.vi, i.unit) }))
        .collect();
    let indicator = RwSignal::new(choices.first().map(|c| c.0.clone()).unwrap_or_default());
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(v) = parse_number(&value.get_untracked()) else {
            error.set(t().not_a_number.to_string());
            return;
        };
        error.set(String::new());
        let body =
            TargetRequest { indicator: indicator.get_untracked(), year: year.get_untracked(), value: v, op: None };
        leptos::task::spawn_local(async move {
            match api::<_, TargetEntry>(ctx, "POST", "/api/v1/targets", Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some(ctx.lang.get_untracked().reports().saved_target.to_string()));
                    value.set(String::new());
                    on_saved();
                }
                Err(e) => error.set(e),
            }
        });
    };
    view! {
        <form class="target-form" on:submit=save data-testid="target-form">
            <h3>{move || t().set_target}</h3>
            <label for="tg-ind">{move || t().indicator}</label>
            <select id="tg-ind" data-testid="target-indicator" on:change=move |e| indicator.set(event_target_value(&e))>
                {choices.into_iter().map(|(k, l)| view! { <option value=k>{l}</option> }).collect_view()}
            </select>
            <label for="tg-value">{move || format!("{} ({} {})", t().value, t().year.to_lowercase(), year.get())}</label>
            <input id="tg-value" inputmode="decimal" data-testid="target-value" aria-describedby="tg-error"
                prop:value=value on:input=move |e| value.set(event_target_value(&e))/>
            <p id="tg-error" class="error" role="alert" data-testid="target-error">{move || error.get()}</p>
            <button type="submit" class="primary" data-testid="target-save">{move || t().save_target}</button>
        </form>
    }
}
