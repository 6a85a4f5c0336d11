//! Screens fetched on first use: [`on_demand_screen!`] declares one (a WASM
//! chunk of its own in the split build), [`on_demand`] shows it — "…" while
//! its code loads, a way to try again when it cannot be fetched.
//!
//! Declared first in `app/mod.rs`, so the macro is in scope in every module
//! after it (the village forms there, the office's screens in `office`).

use super::{Ctx, View};
use leptos::prelude::*;

/// Declares a screen fetched on first use. With the feature `split` its code
/// is a WASM chunk of its own (see scripts/build-web.sh): `$chunk` names the
/// chunk, and the function becomes `async`, loading the chunk on its first
/// call. A failed load (offline before the chunk was ever cached) is an `Err`,
/// never a panic: a panic would abort the whole app. Without the feature the
/// screen is in the main bundle and the function only wraps it.
macro_rules! on_demand_screen {
    ($chunk:ident, $(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        $(#[$attr])*
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, ::leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }

        $(#[$attr])*
        #[cfg(not(feature = "split"))]
        async fn $name($($arg: $ty),*) -> Result<::leptos::prelude::AnyView, ::leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }
    };
}

/// A screen whose code may still be on its way: "…" while it (and the
/// catalogue) loads; if it cannot be fetched (no connection before it was ever kept on the phone),
/// say so and offer to try again (`load` is called once per attempt).
pub fn on_demand<Fut>(load: impl Fn() -> Fut + 'static) -> AnyView
where
    Fut: std::future::Future<Output = Result<AnyView, leptos::wasm_split::SplitLoaderError>> + 'static,
{
    let ctx = expect_context::<Ctx>();
    let attempt = RwSignal::new(0u32);
    // Leptos asks for `Send` (it could run on a server); the browser has one thread.
    let load = send_wrapper::SendWrapper::new(std::rc::Rc::new(load));
    let screen = move || {
        attempt.track();
        let load = load.clone();
        // The screen's code reads the catalogue as it builds the view.
        let screen = send_wrapper::SendWrapper::new(async move {
            if catalogue().await {
                load().await.ok()
            } else {
                None
            }
        });
        view! {
            <Suspense fallback=|| view! { <p class="page" aria-busy="true">"…"</p> }>
                {Suspend::new(async move {
                    match screen.await {
                        Some(v) => v,
                        None => view! {
                            <section class="page">
                                <p class="notice" role="alert" data-testid="screen-missing">{ctx.t().screen_missing}</p>
                                <button type="button" class="primary" data-testid="screen-retry"
                                    on:click=move |_| attempt.update(|n| *n += 1)>
                                    {ctx.t().try_again}
                                </button>
                                <button type="button" class="link" data-testid="screen-missing-home"
                                    on:click=move |_| ctx.go(View::Home)>
                                    "← " {ctx.t().back}
                                </button>
                            </section>
                        }
                        .into_any(),
                    }
                })}
            </Suspense>
        }
    };
    screen.into_any()
}

/// Whether the report catalogue is here, fetching it the first time: the
/// village bundle does not carry it (issue #10); the service worker keeps
/// it with the screens, so it is on the phone after the first visit.
#[cfg(not(feature = "office"))]
pub async fn catalogue() -> bool {
    use sothon_domain::catalogue;
    catalogue::loaded().is_some()
        || crate::platform::browser::fetch_catalogue().await.is_ok_and(|t| catalogue::install(&t).is_ok())
}

/// The office's bundle carries the catalogue.
#[cfg(feature = "office")]
pub async fn catalogue() -> bool {
    true
}
