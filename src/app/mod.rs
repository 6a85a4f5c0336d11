//! The root component, shared context and navigation between views.

mod activity;
mod home;
mod incident;
mod login;
#[cfg(feature = "office")]
mod office;
mod owed;
mod report;
mod safety;
pub mod sync;

use crate::i18n::{Lang, Txt};
use crate::platform::{browser, storage::LocalStore};
use leptos::prelude::*;
use sothon_domain::protocol::Session;
use sothon_sync::{Engine, Store};

const K_SESSION: &str = "st.session";
const K_LANG: &str = "st.lang";

/// Which screen is shown.
#[derive(Debug, Clone, PartialEq)]
pub enum View {
    Home,
    /// The periodic report form for a period (`2026-11`).
    Report(String),
    /// An incident: a new one (`None`) or the record with this id.
    Incident(Option<String>),
    /// A digital-team activity: a new one or the record with this id.
    Activity(Option<String>),
}

/// What the sync controller is doing, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncStatus {
    /// Not tried yet in this page load.
    Unknown,
    Syncing,
    /// Last round trip succeeded at this phone time (ms).
    Online(i64),
    /// The server could not be reached; next try at this phone time (ms).
    Offline {
        retry_at: i64,
    },
    /// The token was refused: log in again (the outbox is kept).
    NeedLogin,
    /// The server refused the request for another reason.
    Failed(String),
}

/// Shared app state, provided as context. Every field is a cheap handle.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Option<Session>>,
    pub view: RwSignal<View>,
    /// Bumped whenever records on the phone change, so lists re-read storage.
    pub tick: RwSignal<u32>,
    pub sync: RwSignal<SyncStatus>,
    /// A message for the person (saved, store full…), shown until replaced.
    pub notice: RwSignal<Option<String>>,
}

impl Ctx {
    pub fn t(&self) -> &'static Txt {
        self.lang.get().t()
    }

    /// Records changed on the phone.
    pub fn touch(&self) {
        self.tick.update(|t| *t = t.wrapping_add(1));
    }

    pub fn set_session(&self, s: Option<Session>) {
        match &s {
            Some(s) => {
                let _ = LocalStore.set(K_SESSION, &serde_json::to_string(s).unwrap_or_default());
                set_account(Some(&s.user.username));
                // Nothing of this account on the phone, yet the server knows
                // its devices: a new phone, or this one after the browser
                // cleared its storage. Say what the last sync left.
                if engine().is_ok_and(|e| e.fresh()) && !s.devices.is_empty() {
                    let _ = LocalStore.set(
                        &safety::warning_key(&s.user.username),
                        &serde_json::to_string(&s.devices).unwrap_or_default(),
                    );
                }
            }
            None => {
                LocalStore.remove(K_SESSION);
                set_account(None);
            }
        }
        self.session.set(s);
    }
}

thread_local! {
    /// The logged-in account: each account has its own device id, cursor
    /// and outbox on a shared phone (protocol rule 4).
    static ACCOUNT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn set_account(a: Option<&str>) {
    ACCOUNT.with(|c| *c.borrow_mut() = a.map(str::to_string));
}

/// The sync engine over localStorage for the logged-in account (cheap to
/// open: it reads a few keys). Fails only when storage refuses even the
/// device id (disabled or full).
pub fn engine() -> Result<Engine<LocalStore>, sothon_sync::StoreError> {
    match ACCOUNT.with(|c| c.borrow().clone()) {
        Some(a) => Engine::open_as(LocalStore, &a, browser::new_device_id),
        None => Engine::open(LocalStore, browser::new_device_id),
    }
}

/// Whether the logged-in account may see a record of `village` (a shared
/// phone can hold another village's unsent work; it stays apart).
pub fn visible(session: Option<&Session>, village: &str) -> bool {
    session.is_some_and(|s| s.villages.iter().any(|v| v.id == village))
}

/// Saves a finished record on the phone and queues it, then goes home and
/// tries to send. On a storage failure the person stays on the form, with
/// everything typed, and is told why. Returns whether it was saved.
pub fn save_and_send(ctx: Ctx, body: sothon_domain::protocol::Body) -> bool {
    match engine().and_then(|e| e.submit(body, browser::now_ms())) {
        Ok(_) => {
            ctx.notice.set(Some(ctx.t().saved_on_phone.into()));
            ctx.touch();
            ctx.view.set(View::Home);
            sync::sync_now(ctx);
            true
        }
        Err(e) => {
            ctx.notice.set(Some(format!("{}: {e}", ctx.t().store_failed)));
            false
        }
    }
}

/// A form's top bar: "← Quay lại" home, and the title.
#[component]
pub fn BackBar(#[prop(optional)] children: Option<Children>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <header class="bar">
            <button type="button" class="link" data-testid="back" on:click=move |_| ctx.view.set(View::Home)>
                "← " {move || ctx.t().back}
            </button>
            {children.map(|c| c())}
        </header>
    }
}

/// The commune office's home: in the office bundle, its screens; in the
/// village bundle, a hand-over to `office.html` (same origin, same storage,
/// so the session carries over).
#[cfg(feature = "office")]
fn office_home() -> AnyView {
    view! { <office::Office/> }.into_any()
}

#[cfg(not(feature = "office"))]
fn office_home() -> AnyView {
    let _ = window().location().set_href("/office.html");
    view! { <p class="page">"…"</p> }.into_any()
}

/// Declares a screen fetched on first use. With the feature `split` its code
/// is a WASM chunk of its own (see scripts/build-web.sh): `$chunk` names the
/// chunk, and the function becomes `async`, loading the chunk on its first
/// call. A failed load (offline before the chunk was ever cached) is an `Err`,
/// never a panic: a panic would abort the whole app. Without the feature the
/// screen is in the main bundle and the function only wraps it.
macro_rules! on_demand_screen {
    ($chunk:ident, fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        #[cfg(feature = "split")]
        #[leptos::wasm_split::wasm_split($chunk, wasm_split_path = ::leptos::wasm_split, fallible)]
        fn $name($($arg: $ty),*) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }

        #[cfg(not(feature = "split"))]
        async fn $name($($arg: $ty),*) -> Result<AnyView, leptos::wasm_split::SplitLoaderError> {
            Ok($body)
        }
    };
}

on_demand_screen!(
    report_form,
    fn report_screen(period: String) {
        view! { <report::ReportForm period=period/> }.into_any()
    }
);

on_demand_screen!(
    incident_form,
    fn incident_screen(id: Option<String>) {
        view! { <incident::IncidentForm id=id/> }.into_any()
    }
);

on_demand_screen!(
    activity_form,
    fn activity_screen(id: Option<String>) {
        view! { <activity::ActivityForm id=id/> }.into_any()
    }
);

/// A screen whose code may still be on its way: "…" while it loads; if it
/// cannot be fetched (no connection before it was ever kept on the phone),
/// say so and offer to try again.
fn on_demand(
    screen: impl std::future::Future<Output = Result<AnyView, leptos::wasm_split::SplitLoaderError>> + 'static,
) -> AnyView {
    let ctx = expect_context::<Ctx>();
    // Leptos asks for `Send` (it could run on a server); the browser has one thread.
    let screen = send_wrapper::SendWrapper::new(screen);
    view! {
        <Suspense fallback=|| view! { <p class="page" aria-busy="true">"…"</p> }>
            {Suspend::new(async move {
                match screen.await {
                    Ok(v) => v,
                    Err(_) => view! {
                        <section class="page">
                            <p class="notice" role="alert" data-testid="screen-missing">{ctx.t().screen_missing}</p>
                            <button type="button" class="primary" data-testid="screen-retry" on:click=move |_| ctx.view.update(|_| {})>
                                {ctx.t().try_again}
                            </button>
                            <button type="button" class="link" data-testid="screen-missing-home" on:click=move |_| ctx.view.set(View::Home)>
                                "← " {ctx.t().back}
                            </button>
                        </section>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let stored: Option<Session> = LocalStore.get(K_SESSION).and_then(|s| serde_json::from_str(&s).ok());
    set_account(stored.as_ref().map(|s| s.user.username.as_str()));
    let lang = Lang::parse(&LocalStore.get(K_LANG).unwrap_or_default());
    let ctx = Ctx {
        lang: RwSignal::new(lang),
        session: RwSignal::new(stored),
        view: RwSignal::new(View::Home),
        tick: RwSignal::new(0),
        sync: RwSignal::new(SyncStatus::Unknown),
        notice: RwSignal::new(None),
    };
    provide_context(ctx);
    // Effects only bridge to the outside: the document language and storage.
    Effect::new(move |_| {
        let l = ctx.lang.get();
        let _ = LocalStore.set(K_LANG, l.code());
        if let Some(el) = document().document_element() {
            let _ = el.set_attribute("lang", l.code());
        }
    });
    // A message belongs to the screen it was said on; opening a form starts
    // clean, and at its top (the browser would keep home's scroll position).
    Effect::new(move |_| {
        if ctx.view.get() != View::Home {
            ctx.notice.set(None);
        }
        window().scroll_to_with_x_and_y(0.0, 0.0);
    });
    sync::start(ctx);

    view! {
        <Show
            when=move || ctx.session.with(Option::is_some)
            fallback=|| view! { <login::Login/> }
        >
            {move || match ctx.view.get() {
                // The commune office has no village of its own: its own home.
                View::Home if ctx.session.with(|s| s.as_ref().is_some_and(|s| !s.user.role.village_scoped())) => {
                    office_home()
                }
                View::Home => view! { <home::Home/> }.into_any(),
                View::Report(p) => on_demand(report_screen(p)),
                View::Incident(id) => on_demand(incident_screen(id)),
                View::Activity(id) => on_demand(activity_screen(id)),
            }}
        </Show>
    }
}
