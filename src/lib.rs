//! Sổ Thôn, the PWA: Leptos, client-side rendered, compiled to WebAssembly.
//!
//! * [`app`] — the root component, views and the sync controller;
//! * [`i18n`] — Vietnamese (default) and English texts;
//! * [`chart`] — scales, ticks and labels of the office's SVG charts;
//! * [`platform`] — adapters to the browser: localStorage (web-sys),
//!   `fetch`, clocks and storage estimates. Logic stays in `crates/domain` and
//!   `crates/sync`, where it is tested natively;
//! * [`tables`] — the office's figures table, line by line.

pub mod app;
pub mod chart;
pub mod i18n;
pub mod platform;
pub mod tables;

/// Mounts the app on `<body>` (called by `main`).
pub fn start() {
    console_error_panic_hook_lite();
    leptos::mount::mount_to_body(app::App);
}

/// Shows a Rust panic in the console instead of "unreachable executed".
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
