//! Small SVG charts for the office (no chart crate, no JS): bars by
//! village, a line over periods, a bar toward a target, completeness over
//! time. The geometry is `crate::chart` (tested natively); these only draw
//! it. Each SVG scales to its box (viewBox, width 100 %), prints black on
//! white (style/reports.css), and carries `role="img"` with a `<title>` and
//! an `aria-label` that says every figure in words.

use crate::chart::{coord as c, fill, summary, Bars, Line, LABEL_W, LEFT, RIGHT, TOP, WIDTH};
use leptos::prelude::*;

/// One labelled value of a series (`None`: not given).
pub type Series = Vec<(String, Option<f64>)>;

/// Horizontal bars, one per village, with an optional target line.
#[component]
pub fn BarChart(
    /// What is drawn, e.g. "Dân số của thôn — Tháng 11/2026".
    title: String,
    items: Series,
    #[prop(optional)] unit: String,
    #[prop(optional)] target: Option<f64>,
    /// Said for a village that gave nothing.
    none: &'static str,
) -> impl IntoView {
    let b = Bars::new(&items, target);
    let label = format!("{title}. {}", summary(&items, &unit, none));
    let aria = label.clone();
    let ticks = b.axis.ticks();
    let bottom = b.height - 16.0;
    view! {
        <svg class="chart" role="img" aria-label=aria viewBox=format!("0 0 {} {}", c(WIDTH), c(b.height))
            preserveAspectRatio="xMinYMin meet" data-testid="bar-chart">
            <title>{label.clone()}</title>
            {ticks.iter().map(|t| {
                let x = b.tick_x(*t);
                view! {
                    <line class="grid" x1=c(x) x2=c(x) y1=c(TOP) y2=c(bottom)/>
                    <text class="tick" x=c(x) y=c(bottom + 12.0) text-anchor="middle">{b.axis.label(*t)}</text>
                }
            }).collect_view()}
            {b.bars.iter().map(|bar| {
                let shown = bar.value.map(|v| sothon_domain::format::number_vi(v, 1)).unwrap_or_else(|| "—".into());
                let short: String = bar.label.chars().take(18).collect();
                view! {
                    <text class="label" x=c(LABEL_W - 4.0) y=c(bar.y + bar.h - 4.0) text-anchor="end">{short}</text>
                    <rect class="bar" x=c(bar.x) y=c(bar.y) width=c(bar.w) height=c(bar.h)/>
                    <text class="value" x=c(bar.x + bar.w + 3.0) y=c(bar.y + bar.h - 4.0)>{shown}</text>
                }
            }).collect_view()}
            {b.target_x.map(|x| view! { <line class="target" x1=c(x) x2=c(x) y1=c(TOP - 4.0) y2=c(bottom)/> })}
        </svg>
    }
}

/// A line over periods (gaps where no village gave the figure).
#[component]
pub fn LineChart(title: String, items: Series, #[prop(optional)] unit: String, none: &'static str) -> impl IntoView {
    let l = Line::new(&items);
    let label = format!("{title}. {}", summary(&items, &unit, none));
    let aria = label.clone();
    let ticks = l.axis.ticks();
    let n = l.points.len();
    // Label every period on a desk, every few on a phone-sized chart.
    let every = n.div_ceil(6).max(1);
    view! {
        <svg class="chart" role="img" aria-label=aria viewBox=format!("0 0 {} {}", c(WIDTH), c(l.height))
            preserveAspectRatio="xMinYMin meet" data-testid="line-chart">
            <title>{label.clone()}</title>
            {ticks.iter().map(|t| {
                let y = l.tick_y(*t);
                view! {
                    <line class="grid" x1=c(LEFT) x2=c(WIDTH - RIGHT) y1=c(y) y2=c(y)/>
                    <text class="tick" x=c(LEFT - 4.0) y=c(y + 3.0) text-anchor="end">{l.axis.label(*t)}</text>
                }
            }).collect_view()}
            <path class="line" d=l.path.clone()/>
            {l.points.iter().enumerate().map(|(i, (x, y, label, _))| {
                let short: String = label.replace("Tháng ", "T").chars().take(9).collect();
                view! {
                    {y.map(|y| view! { <circle class="dot" cx=c(*x) cy=c(y) r="2.5"/> })}
                    {(i % every == 0 || i + 1 == n).then(|| view! {
                        <text class="tick" x=c(*x) y=c(l.height - 10.0) text-anchor="middle">{short}</text>
                    })}
                }
            }).collect_view()}
        </svg>
    }
}

/// One bar toward a target, with the target's mark at its end.
#[component]
pub fn ProgressBar(
    /// "Tỷ lệ bao phủ BHYT: 95,2 / mục tiêu ≥ 100".
    label: String,
    value: Option<f64>,
    target: f64,
    /// An "at most" target (dropouts ≤ 0): full while under it.
    at_most: bool,
) -> impl IntoView {
    let f = fill(value, target, at_most);
    let aria = label.clone();
    let w = (WIDTH - 4.0) * f;
    view! {
        <svg class="chart progress-bar" role="img" aria-label=aria viewBox=format!("0 0 {} 18", c(WIDTH))
            preserveAspectRatio="xMinYMin meet" data-testid="progress-bar">
            <title>{label.clone()}</title>
            <rect class="track" x="2" y="3" width=c(WIDTH - 4.0) height="12"/>
            <rect class="bar" x="2" y="3" width=c(w) height="12"/>
            <line class="target" x1=c(WIDTH - 2.0) x2=c(WIDTH - 2.0) y1="0" y2="18"/>
        </svg>
    }
}

/// The share of villages that reported, period by period (0–100 %). Its
/// data is the completeness grid's (the desk's): give it the series.
#[component]
pub fn CompletenessChart(title: String, items: Series, none: &'static str) -> impl IntoView {
    view! { <LineChart title=title items=items unit="%".to_string() none=none/> }
}
