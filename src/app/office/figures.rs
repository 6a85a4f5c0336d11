//! The commune's figures for a period: every indicator under its task
//! group's heading with its coverage and target verdict (`crate::tables`),
//! approved reports only at a switch, an indicator by village and over the
//! last periods (charts), completeness over time, and the exports.

use super::charts::{BarChart, CompletenessChart, LineChart};
use super::{get, token};
use crate::app::Ctx;
use crate::tables::figure_table;
use leptos::prelude::*;
use sothon_domain::api::{ByVillage, CommuneFigures, Overview, Trend};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::figures::is_numeric;
use sothon_domain::{Period, PeriodKind};

/// The figures screen of `period`.
#[component]
pub fn Figures(period: RwSignal<Period>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let approved = RwSignal::new(false);
    let indicator = RwSignal::new("ds_sessions".to_string());
    let figures = LocalResource::new(move || {
        let (p, a) = (period.get(), approved.get());
        async move { get::<CommuneFigures>(ctx, &format!("/api/v1/aggregate?period={p}&approved_only={a}")).await }
    });
    let villages = LocalResource::new(move || {
        let (p, a) = (period.get(), approved.get());
        async move { get::<ByVillage>(ctx, &format!("/api/v1/aggregate/villages?period={p}&approved_only={a}")).await }
    });
    let trend = LocalResource::new(move || {
        let (p, a, i) = (period.get(), approved.get(), indicator.get());
        // As the API spells period kinds.
        let kind = match p.kind() {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Half => "half",
            PeriodKind::Year => "year",
        };
        let count = if kind == "month" { 12 } else { 6 };
        async move {
            get::<Trend>(
                ctx,
                &format!("/api/v1/aggregate/trend?indicator={i}&kind={kind}&count={count}&end={p}&approved_only={a}"),
            )
            .await
        }
    });
    // Completeness over the last six months, from each month's overview.
    let completeness = LocalResource::new(move || {
        let end = Period::containing(PeriodKind::Month, period.get().start());
        async move {
            let mut out = Vec::new();
            for p in sothon_domain::figures::last_periods(end, 6) {
                let ov = get::<Overview>(ctx, &format!("/api/v1/overview?period={p}")).await?;
                let rate =
                    (ov.summary.villages > 0).then(|| ov.summary.reported as f64 / ov.summary.villages as f64 * 100.0);
                out.push((p.label_vi(), rate));
            }
            Ok::<_, String>(out)
        }
    });
    let t = move || ctx.lang.get().reports();
    let cat = catalogue();
    let choices: Vec<(String, String)> =
        cat.indicators.iter().filter(|i| !i.retired && is_numeric(i)).map(|i| (i.key.clone(), i.vi.clone())).collect();
    let label_of = move |k: &str| cat.indicator(k).map(|i| i.vi.clone()).unwrap_or_else(|| k.to_string());
    let unit_of = move |k: &str| cat.indicator(k).map(|i| i.unit.clone()).unwrap_or_default();

    view! {
        <section class="card wide-card" aria-labelledby="fig-title" data-testid="figures-screen">
            <h2 id="fig-title">{move || t().figures_title}</h2>
            <label class="switch">
                <input type="checkbox" class="check" data-testid="approved-only"
                    prop:checked=approved on:change=move |e| approved.set(event_target_checked(&e))/>
                {move || t().approved_only}
            </label>
            <Exports period=period approved=approved/>
            <div class="split">
                <div class="table-wrap">
                    {move || match figures.get() {
                        None => view! { <p>"…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                        Some(Ok(f)) => {
                            let groups = figure_table(catalogue(), &f, ctx.lang.get());
                            view! {
                                <p class="small" data-testid="figures-label">
                                    {format!("{} · {}/{} thôn đã báo cáo", f.label, f.villages_reported.len(), f.villages_total)}
                                </p>
                                <table class="figures" data-testid="figures">
                                    <thead><tr>
                                        <th scope="col">{t().indicator}</th>
                                        <th scope="col">{t().commune}</th>
                                        <th scope="col">{t().villages}</th>
                                    </tr></thead>
                                    {groups.into_iter().map(|g| view! {
                                        <tbody>
                                            <tr class="grouphead"><th scope="rowgroup" colspan="3">{g.heading}</th></tr>
                                            {g.lines.into_iter().map(|l| view! {
                                                <tr class:unmet=l.unmet data-testid="figure-row" data-key=l.key.clone()>
                                                    <th scope="row">{l.label}</th>
                                                    <td>{l.value}
                                                        {(!l.verdict.is_empty()).then(|| view! { <span class="verdict">{format!(" · {}", l.verdict)}</span> })}
                                                    </td>
                                                    <td class="nowrap" data-testid="coverage">{l.coverage}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    }).collect_view()}
                                </table>
                            }.into_any()
                        }
                    }}
                </div>
                <div class="charts">
                    <label for="chart-indicator">{move || t().chart_pick}</label>
                    <select id="chart-indicator" data-testid="chart-indicator"
                        on:change=move |e| indicator.set(event_target_value(&e))>
                        {choices.into_iter().map(|(k, l)| {
                            let k2 = k.clone();
                            view! { <option value=k selected=move || indicator.get() == k2>{l}</option> }
                        }).collect_view()}
                    </select>
                    <h3>{move || t().by_village}</h3>
                    {move || villages.get().map(|r| match r {
                        Err(e) => view! { <p class="warn">{e}</p> }.into_any(),
                        Ok(b) => {
                            let k = indicator.get();
                            let items: Vec<(String, Option<f64>)> = b.rows.iter().find(|r| r.key == k)
                                .map(|r| b.villages.iter().zip(&r.values).map(|(v, x)| (v.name.clone(), *x)).collect())
                                .unwrap_or_default();
                            let title = format!("{} — {}", label_of(&k), b.label);
                            view! { <BarChart title=title items=items unit=unit_of(&k) none=t().no_data/> }.into_any()
                        }
                    })}
                    <h3>{move || t().over_periods}</h3>
                    {move || trend.get().map(|r| match r {
                        Err(e) => view! { <p class="warn">{e}</p> }.into_any(),
                        Ok(tr) => {
                            let items: Vec<(String, Option<f64>)> = tr.points.iter().map(|p| (p.label.clone(), p.value)).collect();
                            view! { <LineChart title=label_of(&tr.indicator) items=items unit=unit_of(&tr.indicator) none=t().no_data/> }.into_any()
                        }
                    })}
                    <h3>{move || t().completeness}</h3>
                    {move || completeness.get().map(|r| match r {
                        Err(e) => view! { <p class="warn">{e}</p> }.into_any(),
                        Ok(items) => view! { <CompletenessChart title=t().completeness.to_string() items=items none=t().no_data/> }.into_any(),
                    })}
                </div>
            </div>
        </section>
    }
}

/// Picks a text out of the screen's texts.
type LabelOf = fn(&crate::i18n::reports::ReportsTxt) -> &'static str;

/// The download buttons: each table as Excel or CSV.
#[component]
fn Exports(period: RwSignal<Period>, approved: RwSignal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let t = move || ctx.lang.get().reports();
    let go = move |what: &'static str, fmt: &'static str| {
        let path = format!(
            "/api/v1/export/{what}?period={}&format={fmt}&approved_only={}",
            period.get_untracked(),
            approved.get_untracked()
        );
        let tok = token(ctx);
        leptos::task::spawn_local(async move {
            match super::download::download(&tok, &path).await {
                Ok(name) => ctx.notice.set(Some(format!("{}: {name}", ctx.lang.get_untracked().reports().downloaded))),
                Err(e) => ctx.notice.set(Some(e)),
            }
        });
    };
    let tables: [(&'static str, LabelOf); 4] = [
        ("reports", |t| t.export_reports),
        ("aggregate", |t| t.export_aggregate),
        ("incidents", |t| t.export_incidents),
        ("activities", |t| t.export_activities),
    ];
    view! {
        <details class="exports">
            <summary>{move || t().exports}</summary>
            <ul class="plain">
                {tables.into_iter().map(|(what, label)| view! {
                    <li class="row">
                        <span class="grow">{move || label(t())}</span>
                        <button type="button" data-testid=format!("export-{what}-xlsx") on:click=move |_| go(what, "xlsx")>"Excel"</button>
                        <button type="button" data-testid=format!("export-{what}-csv") on:click=move |_| go(what, "csv")>"CSV"</button>
                    </li>
                }).collect_view()}
            </ul>
        </details>
    }
}
