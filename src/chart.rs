//! The arithmetic of the office's small SVG charts (`app::office::charts`
//! draws them): a value axis with "nice" ticks (1, 2, 5 × 10ⁿ) and
//! Vietnamese labels, bars by village, a line over periods, a bar toward a
//! target. Plain structs, tested natively; coordinates are in a fixed
//! viewBox so the SVG scales to any width (360 px phones, A4 print).

use sothon_domain::format::number_vi;

/// The viewBox every chart draws in.
pub const WIDTH: f64 = 320.0;
/// Left margin kept for the value labels.
pub const LEFT: f64 = 44.0;
pub const RIGHT: f64 = 8.0;
pub const TOP: f64 = 10.0;

/// A value axis from `min` to `max` with ticks every `step`.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub step: f64,
}

/// The nice step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `ticks` parts.
pub fn nice_step(span: f64, ticks: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / ticks.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

impl Axis {
    /// An axis that starts at 0 (or below, for negative values) and covers
    /// every value and `extra` (a target), with about four ticks. An empty
    /// series gets 0–1.
    pub fn covering(values: impl IntoIterator<Item = f64>, extra: Option<f64>) -> Self {
        let mut lo: f64 = 0.0;
        let mut hi: f64 = 0.0;
        for x in values.into_iter().chain(extra).filter(|x| x.is_finite()) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        if hi - lo <= 0.0 {
            hi = lo + 1.0;
        }
        let step = nice_step(hi - lo, 4);
        let min = (lo / step).floor() * step;
        let max = (hi / step).ceil() * step;
        Axis { min, max, step }
    }

    /// The ticks, from `min` to `max`.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.max - self.min) / self.step).round() as usize;
        (0..=n).map(|i| clean(self.min + i as f64 * self.step)).collect()
    }

    /// Where `x` falls on a length of `len` (0 at `min`).
    pub fn pos(&self, x: f64, len: f64) -> f64 {
        (x - self.min) / (self.max - self.min) * len
    }

    /// How many decimals the tick labels need.
    pub fn decimals(&self) -> usize {
        let mut d = 0;
        let mut s = self.step;
        while d < 6 && (s - s.round()).abs() > 1e-9 {
            s *= 10.0;
            d += 1;
        }
        d
    }

    /// A tick label, Vietnamese style ("1.000", "0,5").
    pub fn label(&self, x: f64) -> String {
        number_vi(x, self.decimals())
    }
}

/// Floating error off a tick (0.1 + 0.2 → 0.3).
fn clean(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// One bar of a bar chart by village.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    /// `None`: the village gave nothing (drawn as an empty slot, said in words).
    pub value: Option<f64>,
    /// Top-left corner and size in viewBox units.
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Horizontal bars, one row per item (labels fit on a phone that way).
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub axis: Axis,
    pub bars: Vec<Bar>,
    /// Height of the whole viewBox.
    pub height: f64,
    /// Where a target line stands, if any.
    pub target_x: Option<f64>,
}

/// Height of one bar row.
pub const ROW: f64 = 22.0;
/// Width given to the bars' labels on the left.
pub const LABEL_W: f64 = 110.0;

impl Bars {
    pub fn new(items: &[(String, Option<f64>)], target: Option<f64>) -> Self {
        let axis = Axis::covering(items.iter().filter_map(|(_, v)| *v), target);
        let len = WIDTH - LABEL_W - RIGHT;
        let zero = axis.pos(0.0, len);
        let bars = items
            .iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let y = TOP + i as f64 * ROW + 3.0;
                let (x, w) = match value {
                    Some(v) => {
                        let p = axis.pos(*v, len);
                        (LABEL_W + zero.min(p), (p - zero).abs())
                    }
                    None => (LABEL_W + zero, 0.0),
                };
                Bar { label: label.clone(), value: *value, x, y, w, h: ROW - 6.0 }
            })
            .collect();
        let height = TOP + items.len().max(1) as f64 * ROW + 20.0;
        let target_x = target.map(|t| LABEL_W + axis.pos(t, len));
        Bars { axis, bars, height, target_x }
    }

    /// Where tick `t` stands (x) on the bar axis.
    pub fn tick_x(&self, t: f64) -> f64 {
        LABEL_W + self.axis.pos(t, WIDTH - LABEL_W - RIGHT)
    }
}

/// A line over periods: points where a value exists, gaps where not.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub axis: Axis,
    /// (x, y, label, value) of every period; y is `None` for a gap.
    pub points: Vec<(f64, Option<f64>, String, Option<f64>)>,
    /// The SVG path: one "M … L …" run per stretch without a gap.
    pub path: String,
    pub height: f64,
}

/// Height of the line chart's plot area.
pub const PLOT_H: f64 = 120.0;

impl Line {
    pub fn new(items: &[(String, Option<f64>)]) -> Self {
        let axis = Axis::covering(items.iter().filter_map(|(_, v)| *v), None);
        let len = WIDTH - LEFT - RIGHT;
        let n = items.len();
        let x_of = |i: usize| if n <= 1 { LEFT + len / 2.0 } else { LEFT + len * i as f64 / (n - 1) as f64 };
        let mut path = String::new();
        let mut pen_down = false;
        let points = items
            .iter()
            .enumerate()
            .map(|(i, (label, v))| {
                let x = x_of(i);
                let y = v.map(|v| TOP + PLOT_H - axis.pos(v, PLOT_H));
                match y {
                    Some(y) => {
                        path.push_str(&format!("{}{} {}", if pen_down { " L" } else { " M" }, coord(x), coord(y)));
                        pen_down = true;
                    }
                    None => pen_down = false,
                }
                (x, y, label.clone(), *v)
            })
            .collect();
        Line { axis, points, path: path.trim().to_string(), height: TOP + PLOT_H + 28.0 }
    }

    /// Where tick `t` stands (y).
    pub fn tick_y(&self, t: f64) -> f64 {
        TOP + PLOT_H - self.axis.pos(t, PLOT_H)
    }
}

/// An SVG coordinate with one decimal ("12.5", "-3", "40"), by integer
/// arithmetic: `f64`'s own formatting would pull core's float printing
/// (Grisu and Dragon) into the office bundle.
pub fn coord(x: f64) -> String {
    let t = (x * 10.0).round() as i64;
    let (sign, a) = if t < 0 { ("-", -t) } else { ("", t) };
    if a % 10 == 0 {
        format!("{sign}{}", a / 10)
    } else {
        format!("{sign}{}.{}", a / 10, a % 10)
    }
}

/// A sentence for screen readers: "Thôn A: 12; Thôn B: chưa có số liệu".
pub fn summary(items: &[(String, Option<f64>)], unit: &str, none: &str) -> String {
    items
        .iter()
        .map(|(l, v)| match v {
            Some(v) if unit.is_empty() => format!("{l}: {}", number_vi(*v, 2)),
            Some(v) => format!("{l}: {} {unit}", number_vi(*v, 2)),
            None => format!("{l}: {none}"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// How far along a target a value is, 0–1 (for "at least" targets; an "at
/// most" target is full while under it).
pub fn fill(value: Option<f64>, target: f64, at_most: bool) -> f64 {
    let Some(v) = value else { return 0.0 };
    if at_most {
        return if v <= target { 1.0 } else { (target.max(1.0) / v).clamp(0.0, 1.0) };
    }
    if target <= 0.0 {
        return 1.0;
    }
    (v / target).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(vs: &[Option<f64>]) -> Vec<(String, Option<f64>)> {
        vs.iter().enumerate().map(|(i, v)| (format!("T{i}"), *v)).collect()
    }

    #[test]
    fn nice_ticks() {
        assert_eq!(nice_step(100.0, 4), 50.0);
        assert_eq!(nice_step(12.0, 4), 5.0);
        assert_eq!(nice_step(1.0, 4), 0.5);
        assert_eq!(nice_step(0.0, 4), 1.0);
        let a = Axis::covering([3.0, 12.0, 7.0], None);
        assert_eq!((a.min, a.max, a.step), (0.0, 15.0, 5.0));
        assert_eq!(a.ticks(), [0.0, 5.0, 10.0, 15.0]);
        let a = Axis::covering([95.2], Some(100.0));
        assert_eq!((a.max, a.step), (100.0, 50.0), "the target is on the axis");
        let a = Axis::covering([0.3, 0.1], None);
        assert_eq!(a.ticks(), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(a.label(0.2), "0,2");
        let a = Axis::covering([1234.0, 5000.0], None);
        assert_eq!(a.label(2000.0), "2.000");
        let a = Axis::covering([-3.0, 2.0], None);
        assert!(a.min <= -3.0 && a.max >= 2.0);
    }

    #[test]
    fn empty_and_one_point_series() {
        let a = Axis::covering(std::iter::empty(), None);
        assert_eq!((a.min, a.max), (0.0, 1.0));
        let l = Line::new(&[]);
        assert!(l.points.is_empty() && l.path.is_empty());
        let l = Line::new(&items(&[Some(5.0)]));
        assert_eq!(l.points.len(), 1);
        assert_eq!(l.points[0].0, LEFT + (WIDTH - LEFT - RIGHT) / 2.0, "one point sits in the middle");
        assert!(l.path.starts_with('M'));
        let b = Bars::new(&[], None);
        assert!(b.bars.is_empty() && b.height > 0.0);
    }

    #[test]
    fn lines_break_at_gaps() {
        let l = Line::new(&items(&[Some(0.0), Some(10.0), None, Some(5.0)]));
        assert_eq!(l.path.matches('M').count(), 2, "{}", l.path);
        assert_eq!(l.points[1].1, Some(TOP), "the top of the axis");
        assert_eq!(l.points[0].1, Some(TOP + PLOT_H));
        assert_eq!(l.points[2].1, None);
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_the_target() {
        let b = Bars::new(&items(&[Some(5.0), None, Some(10.0)]), Some(20.0));
        assert_eq!(b.axis.max, 20.0);
        let len = WIDTH - LABEL_W - RIGHT;
        assert!((b.bars[2].w - len / 2.0).abs() < 1e-9);
        assert_eq!(b.bars[1].w, 0.0);
        assert_eq!(b.target_x, Some(LABEL_W + len));
        assert_eq!(b.tick_x(0.0), LABEL_W);
    }

    #[test]
    fn coordinates_without_float_printing() {
        assert_eq!(coord(12.46), "12.5");
        assert_eq!(coord(40.0), "40");
        assert_eq!(coord(-3.04), "-3");
        assert_eq!(coord(-0.25), "-0.3");
        let l = Line::new(&items(&[Some(0.0), Some(10.0)]));
        assert_eq!(l.path, "M44 130 L312 10");
    }

    #[test]
    fn summaries_and_fill() {
        let s = summary(&[("Bản Chang".into(), Some(1234.5)), ("Nà Pài".into(), None)], "người", "chưa có số liệu");
        assert_eq!(s, "Bản Chang: 1.234,5 người; Nà Pài: chưa có số liệu");
        assert_eq!(fill(Some(15.0), 60.0, false), 0.25);
        assert_eq!(fill(Some(80.0), 60.0, false), 1.0);
        assert_eq!(fill(None, 60.0, false), 0.0);
        assert_eq!(fill(Some(0.0), 0.0, true), 1.0);
        assert_eq!(fill(Some(2.0), 0.0, true), 0.5);
    }
}
