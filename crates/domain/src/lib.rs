//! Sổ Thôn's shared core: one definition of every type and rule that the phone
//! (wasm32) and the server (native) both use.
//!
//! * [`period`] — report periods (month, quarter, half-year, year);
//! * [`catalogue`] — the versioned indicator catalogue derived from section II of
//!   the Phong Quang action plan, loaded from `data/catalogue.json`;
//! * [`derive`] — a quarter, half-year or year report prefilled from the
//!   months already filed (each figure typed once);
//! * [`record`] — the periodic report and its validation;
//! * [`event`] — incident reports and the digital team's activity log;
//! * [`protocol`] — the sync wire protocol (push/pull), versioned;
//! * [`format`] — Vietnamese number and date formatting (Asia/Ho_Chi_Minh);
//! * [`names`] — names of villages and accounts must show something;
//! * [`review`] — the office's field-by-field review: its sheet and rules;
//! * [`figures`] — by village, trends, the plan's targets and progress;
//! * [`periodic`] — the printable periodic report's content (NĐ 30/2020).
//! * [`completeness`] — the office's villages × periods grid, its rates and reminders;
//! * [`handling`] — the office's steps on an incident (acknowledged → handling → handled);
//! * [`accounts`] — the admin's account changes and a person's password change;
//! * [`json`] — JSON text (serde_json natively, the browser's own in the PWA);
//! * [`sort`] — a stable sort linked once into the phone's WASM, not per call site.
//!
//! Nothing here does I/O, so everything is tested with plain `#[test]`s.

pub mod accounts;
pub mod aggregate;
pub mod api;
mod body_de;
pub mod catalogue;
pub mod completeness;
pub mod derive;
pub mod event;
pub mod figures;
pub mod format;
pub mod handling;
pub mod json;
pub mod names;
pub mod period;
pub mod periodic;
pub mod protocol;
pub mod record;
pub mod review;
pub mod sort;

pub use catalogue::{Catalogue, Indicator, Kind};
pub use event::{Activity, Incident};
pub use period::{Period, PeriodKind};
/// The date type used across the crates (re-exported so the PWA and the
/// engine need no direct chrono dependency).
pub mod chrono_date {
    pub use chrono::NaiveDate;
}
pub use record::{FieldError, Report, Value};
