//! The office's "how fresh is this" line: shown on every office screen
//! while what it shows was kept from an earlier fetch because the server
//! could not be reached ("Số liệu lúc 14:05 ngày 02/12/2026 — chưa có mạng").

use crate::app::Ctx;
use leptos::prelude::*;

/// The line, or nothing while the screens show live answers.
#[component]
pub fn Freshness() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        ctx.kept.get().map(|at| {
            view! {
                <p class="notice fresh" role="status" data-testid="freshness">
                    {move || crate::app::kept::fresh_line(ctx.lang.get(), at)}
                </p>
            }
        })
    }
}
