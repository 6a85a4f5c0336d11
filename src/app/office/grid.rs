//! The completeness grid: villages × periods, each cell's state in words,
//! the reporting and on-time rates per period, and the reminder for the
//! villages still owing (share, copy, SMS). What each cell says is decided
//! by `sothon_domain::completeness`; this only shows it.
//!
//! A period whose due date has not passed is shown as open: its column
//! heading says "chưa đến hạn, còn thay đổi" and its empty cells read
//! "Chưa đến hạn", not "Chưa nộp".

use super::get;
use crate::app::Ctx;
use crate::i18n::desk::cell_label;
use crate::i18n::Lang;
use crate::platform::share::{share_or_copy, Shared};
use leptos::prelude::*;
use sothon_domain::completeness::{reminder_text, sms_link, CellState, Column, Completeness};
use sothon_domain::format::{date_vi, number_vi};
use sothon_domain::PeriodKind;

/// The commune as a reminder signs it.
const SENDER: &str = "Văn phòng UBND xã";

fn kind_str(k: PeriodKind) -> &'static str {
    match k {
        PeriodKind::Month => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Half => "half",
        PeriodKind::Year => "year",
    }
}

/// "80%" (Vietnamese digits, no decimals), "—" without villages.
fn percent(r: Option<f64>) -> String {
    r.map(|r| format!("{}%", number_vi(r * 100.0, 0))).unwrap_or_else(|| "—".into())
}

/// The CSS class of a cell: colour helps, the words carry the meaning.
fn cell_class(s: CellState) -> &'static str {
    match s {
        CellState::OnTime | CellState::Resubmitted => "cell received",
        CellState::Approved => "cell approved",
        CellState::Late | CellState::Returned | CellState::Conflict => "cell attention",
        CellState::Missing => "cell missing",
        CellState::NotDue => "cell draft",
    }
}

/// The app's address, for the reminder.
fn app_link() -> String {
    window().location().origin().map(|o| format!("{o}/")).unwrap_or_default()
}

/// The grid screen.
#[component]
pub fn GridScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let kind = RwSignal::new(PeriodKind::Month);
    let grid = LocalResource::new(move || {
        let k = kind.get();
        async move { get::<Completeness>(ctx, &format!("/api/v1/completeness?kind={}", kind_str(k))).await }
    });
    let d = move || ctx.lang.get().desk();
    view! {
        <section class="card desk-screen" aria-labelledby="grid-title" data-testid="grid-screen">
            <h2 id="grid-title">{move || d().grid_title}</h2>
            <label for="grid-kind">{move || d().kind_label}</label>
            <select id="grid-kind" data-testid="grid-kind" on:change=move |e| {
                kind.set(match event_target_value(&e).as_str() {
                    "quarter" => PeriodKind::Quarter,
                    "half" => PeriodKind::Half,
                    "year" => PeriodKind::Year,
                    _ => PeriodKind::Month,
                })
            }>
                <option value="month">{move || d().kind_month}</option>
                <option value="quarter">{move || d().kind_quarter}</option>
                <option value="half">{move || d().kind_half}</option>
                <option value="year">{move || d().kind_year}</option>
            </select>
            <p class="small">{move || d().grid_caption}</p>
            {move || match grid.get() {
                None => view! { <p>"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                Some(Ok(g)) => view! { <Grid g=g/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Grid(g: Completeness) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang.get_untracked();
    let d = lang.desk();
    let sample = g.rows.iter().any(|r| r.sample);
    let label = |c: &Column| if lang == Lang::Vi { c.period.label_vi() } else { c.period.label_en() };
    let head: Vec<_> = g
        .columns
        .iter()
        .map(|c| {
            view! {
                <th scope="col" data-testid="grid-period" data-period=c.period.to_string()>
                    {label(c)}
                    <span class="small block">{format!("{} {}", d.due, date_vi(c.due))}</span>
                    {c.open.then(|| view! { <span class="small block">{d.open_period}</span> })}
                </th>
            }
        })
        .collect();
    let periods: Vec<String> = g.columns.iter().map(|c| c.period.to_string()).collect();
    let rows: Vec<_> = g
        .rows
        .iter()
        .map(|r| {
            let cells: Vec<_> = r
                .cells
                .iter()
                .zip(&periods)
                .map(|(c, p)| {
                    let late = c.on_time == Some(false) && c.state != CellState::Late;
                    view! {
                        <td class=cell_class(c.state) data-testid="grid-cell" data-village=r.village.clone()
                            data-period=p.clone() data-state=c.state.as_str()>
                            {cell_label(lang, c.state)}
                            {late.then(|| view! { <span class="small block">{d.late_mark}</span> })}
                        </td>
                    }
                })
                .collect();
            view! { <tr><th scope="row">{r.name.clone()}</th>{cells}</tr> }
        })
        .collect();
    let rate_row = |name: &'static str, testid: &'static str, f: fn(&Column) -> Option<f64>| {
        let cells: Vec<_> = g
            .columns
            .iter()
            .map(|c| view! { <td data-testid=testid data-period=c.period.to_string()>{percent(f(c))}</td> })
            .collect();
        view! { <tr class="rates"><th scope="row">{name}</th>{cells}</tr> }
    };
    let reporting = rate_row(d.reporting_rate, "rate-reporting", Column::reporting_rate);
    let on_time = rate_row(d.on_time_rate, "rate-on-time", Column::on_time_rate);
    view! {
        {sample.then(|| view! { <p class="warn" data-testid="sample-data">{d.sample_data}</p> })}
        <div class="grid-scroll" data-testid="grid-scroll" tabindex="0" role="region" aria-labelledby="grid-title">
            <table class="grid" data-testid="grid">
                <thead><tr><th scope="col">{d.village}</th>{head}</tr></thead>
                <tbody>{rows}</tbody>
                <tfoot>{reporting}{on_time}</tfoot>
            </table>
        </div>
        <Remind g=g/>
    }
}

/// The reminder for the villages still owing the latest ended period.
#[component]
fn Remind(g: Completeness) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let d = move || ctx.lang.get().desk();
    let r = g.reminder;
    let text = RwSignal::new(reminder_text(&r, SENDER, &app_link()));
    let phones: Vec<String> = r.owing.iter().flat_map(|o| o.phones.clone()).collect();
    let owing: Vec<_> = r
        .owing
        .iter()
        .map(|o| {
            let state = cell_label(ctx.lang.get_untracked(), o.state);
            view! { <li data-testid="owing" data-village=o.village.clone()>{o.name.clone()} " — " {state}</li> }
        })
        .collect();
    let nobody = owing.is_empty();
    let share = move |_| {
        let t = text.get_untracked();
        leptos::task::spawn_local(async move {
            let d = ctx.lang.get_untracked().desk();
            let said = match share_or_copy(d.remind_title, &t).await {
                Shared::Shared => d.shared,
                Shared::Copied => d.copied,
                Shared::Failed => d.share_failed,
            };
            ctx.notice.set(Some(said.into()));
        });
    };
    view! {
        <section class="remind" aria-labelledby="remind-title" data-testid="reminder" data-period=r.period.to_string()>
            <h3 id="remind-title">{move || d().remind_title} " · " {r.label.clone()}</h3>
            {if nobody {
                view! { <p class="muted" data-testid="remind-nobody">{move || d().remind_nobody}</p> }.into_any()
            } else {
                view! {
                    <ul data-testid="owing-list">{owing}</ul>
                    <label for="remind-text">{move || d().remind_text_label}</label>
                    <textarea id="remind-text" data-testid="remind-text" rows="5" prop:value=text
                        on:input=move |e| text.set(event_target_value(&e))></textarea>
                    <div class="row">
                        <button class="primary" data-testid="remind-share" on:click=share>{move || d().share}</button>
                        <a class="button" data-testid="remind-sms" href=move || sms_link(&phones, &text.get())>{move || d().sms}</a>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
