//! The root component, shared context and the routes: one URL per screen
//! (`routes.rs` builds them), so the back button and deep links work, online
//! and — through the service worker — offline.

// First: its macro declares the screens fetched on first use, here and in `office`.
#[macro_use]
mod on_demand;
mod activity;
mod draft;
mod home;
mod incident;
#[cfg(any(test, feature = "office"))]
pub mod kept;
mod login;
#[cfg(feature = "office")]
mod office;
mod owed;
mod password;
mod report;
pub mod returned;
#[cfg(any(test, feature = "office"))]
pub mod review_sheet;
pub mod routes;
mod safety;
pub mod sync;

use crate::i18n::{Lang, Txt};
use crate::platform::{browser, storage::LocalStore};
use leptos::prelude::*;
#[cfg(feature = "office")]
use leptos_router::{
    components::{Route, Router, Routes},
    hooks::{use_location, use_navigate, use_params_map},
    path,
};
use on_demand::on_demand;
use sothon_domain::json;
use sothon_domain::protocol::Session;
use sothon_sync::{Engine, Store};

const K_SESSION: &str = "st.session";
const K_LANG: &str = "st.lang";

/// A village screen to go to ([`View::path`] is its URL).
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

impl View {
    /// The screen's URL.
    pub fn path(&self) -> String {
        match self {
            View::Home => routes::HOME.into(),
            View::Report(p) => routes::report(p),
            View::Incident(id) => routes::incident(id.as_deref()),
            View::Activity(id) => routes::activity(id.as_deref()),
        }
    }
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
    /// Goes to a path inside the app (the router's navigation, so the back
    /// button returns).
    pub nav: Callback<String>,
    /// Bumped whenever records on the phone change, so lists re-read storage.
    pub tick: RwSignal<u32>,
    pub sync: RwSignal<SyncStatus>,
    /// A message for the person (saved, store full…), shown until replaced.
    pub notice: RwSignal<Option<String>>,
    /// The office screens show answers kept from this time (ms): the server
    /// could not be reached (`None`: what is shown is live).
    pub kept: RwSignal<Option<i64>>,
}

impl Ctx {
    pub fn t(&self) -> &'static Txt {
        self.lang.get().t()
    }

    /// Opens a village screen.
    pub fn go(&self, v: View) {
        self.nav.run(v.path());
    }

    /// Opens any path of the app (office screens: [`routes::office`]).
    pub fn go_to(&self, path: &str) {
        self.nav.run(path.to_string());
    }

    /// Records changed on the phone.
    pub fn touch(&self) {
        self.tick.update(|t| *t = t.wrapping_add(1));
    }

    pub fn set_session(&self, s: Option<Session>) {
        match &s {
            Some(s) => {
                let _ = LocalStore.set(K_SESSION, &json::to_string(s).unwrap_or_default());
                set_account(Some(&s.user.username));
                // Nothing of this account on the phone, yet the server knows
                // its devices: a new phone, or this one after the browser
                // cleared its storage. Say what the last sync left.
                if engine().is_ok_and(|e| e.fresh()) && !s.devices.is_empty() {
                    let _ = LocalStore
                        .set(&safety::warning_key(&s.user.username), &json::to_string(&s.devices).unwrap_or_default());
                }
            }
            None => {
                LocalStore.remove(K_SESSION);
                set_account(None);
                // The office's kept answers belong to the account leaving.
                #[cfg(feature = "office")]
                kept::clear(&LocalStore);
            }
        }
        self.session.set(s);
    }
}

thread_local! {
    /// The logged-in account: each account has its own device id, cursor
    /// and outbox on a shared phone (protocol rule 4).
    static ACCOUNT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    /// The records every engine this app opens has parsed (home redraws
    /// from all of them; see [`sothon_sync::Parsed`]).
    static PARSED: std::rc::Rc<sothon_sync::Parsed> = sothon_sync::Parsed::new();
}

fn set_account(a: Option<&str>) {
    ACCOUNT.with(|c| *c.borrow_mut() = a.map(str::to_string));
}

/// The sync engine over localStorage for the logged-in account (cheap to
/// open: it reads a few keys). Fails only when storage refuses even the
/// device id (disabled or full).
pub fn engine() -> Result<Engine<LocalStore>, sothon_sync::StoreError> {
    let e = match ACCOUNT.with(|c| c.borrow().clone()) {
        Some(a) => Engine::open_as(LocalStore, &a, browser::new_device_id),
        None => Engine::open(LocalStore, browser::new_device_id),
    }?;
    Ok(e.with_parsed(PARSED.with(std::rc::Rc::clone)))
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
    // Saved already, home not shown yet: a second tap saves nothing more.
    if LEAVING.get() {
        return true;
    }
    match engine().and_then(|e| e.submit(body, browser::now_ms())) {
        Ok(_) => {
            ctx.notice.set(Some(ctx.t().saved_on_phone.into()));
            // Stored and queued: that is the tap's work. Home's render (a
            // cheap phone's 100 ms with years of records) and the sync's
            // start come after the frame that shows the notice (issue #10).
            LEAVING.set(true);
            after_paint(move || {
                LEAVING.set(false);
                ctx.touch();
                ctx.go(View::Home);
                sync::sync_now(ctx);
            });
            true
        }
        Err(e) => {
            ctx.notice.set(Some(format!("{}: {e}", ctx.t().store_failed)));
            false
        }
    }
}

thread_local! {
    /// A form was saved and home is about to be shown.
    static LEAVING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` once, after the next frame is painted — or after 250 ms, since a
/// page hidden meanwhile paints no frame.
fn after_paint(f: impl FnOnce() + 'static) {
    let once = std::rc::Rc::new(std::cell::Cell::new(Some(f)));
    let run = move || {
        if let Some(f) = once.take() {
            f()
        }
    };
    let late = run.clone();
    request_animation_frame(move || set_timeout(run, std::time::Duration::ZERO));
    set_timeout(late, std::time::Duration::from_millis(250));
}

/// A form's top bar: "← Quay lại" home, and the title.
#[component]
pub fn BackBar(#[prop(optional)] children: Option<Children>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <header class="bar">
            <button type="button" class="link" data-testid="back" on:click=move |_| ctx.go(View::Home)>
                "← " {move || ctx.t().back}
            </button>
            {children.map(|c| c())}
        </header>
    }
}

/// The commune office's routes: in the office bundle, its screens; in the
/// village bundle, a hand-over to the office's own page (same origin, same
/// storage, so the session carries over).
#[cfg(feature = "office")]
use office::OfficeRoutes;

/// The village bundle met an office URL: the service worker had no office
/// page to give (offline, never opened on this phone). Say where the
/// office's screens are rather than reload in a loop.
#[cfg(not(feature = "office"))]
#[component]
fn OfficeElsewhere() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let officer = move || ctx.session.with(|s| s.as_ref().is_some_and(|s| !s.user.role.village_scoped()));
    view! { <Handover officer=Signal::derive(officer)/> }
}

/// A page of the other kind of account: an office URL opened by a village
/// head, or the office's page met where it cannot be loaded. Says whose
/// screens these are and links to the person's own (a full page load: the
/// other bundle answers there).
#[component]
pub fn Handover(#[prop(into)] officer: Signal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <main class="page">
            <section class="card" data-testid="handover">
                <h1>{move || ctx.t().app}</h1>
                {move || if officer.get() {
                    view! {
                        <p>{ctx.lang.get().nav().office_elsewhere}</p>
                        <a class="button primary" href=routes::office::HOME rel="external" data-testid="to-office">{ctx.lang.get().nav().open_office}</a>
                    }.into_any()
                } else {
                    view! {
                        <p>{ctx.lang.get().nav().office_only}</p>
                        <a class="button primary" href=routes::HOME rel="external" data-testid="to-home">{ctx.lang.get().nav().open_village}</a>
                    }.into_any()
                }}
            </section>
        </main>
    }
}

/// `/`: the village head's home; an officer who lands here is sent to the
/// office's page (a full load: it is the other bundle).
#[component]
fn HomeRoute() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        if ctx.session.with(|s| s.as_ref().is_some_and(|s| !s.user.role.village_scoped())) {
            let _ = window().location().set_href(routes::office::HOME);
            view! { <p class="page">"…"</p> }.into_any()
        } else {
            village_home()
        }
    }
}

/// The village head's home. In the office bundle it is a chunk: an officer
/// is sent on to the office, so only a village head who opened an office
/// address on a shared computer ever sees it there.
#[cfg(not(feature = "office"))]
fn village_home() -> AnyView {
    view! { <home::Home/> }.into_any()
}

#[cfg(feature = "office")]
fn village_home() -> AnyView {
    on_demand(village_home_screen)
}

on_demand_screen!(
    village_home,
    #[cfg(feature = "office")]
    fn village_home_screen() {
        view! { <home::Home/> }.into_any()
    }
);

/// A path parameter, decoded ([`routes::unseg`]).
#[cfg(feature = "office")]
fn param(name: &'static str) -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get(name).map(|v| routes::unseg(&v)).unwrap_or_default()))
}

#[cfg(feature = "office")]
#[component]
fn ReportRoute() -> impl IntoView {
    let period = param("period");
    move || {
        let period = period.get();
        on_demand(move || report_screen(period.clone()))
    }
}

#[cfg(feature = "office")]
#[component]
fn IncidentRoute() -> impl IntoView {
    let id = param("id");
    move || {
        let id = id.get();
        on_demand(move || incident_screen(Some(id.clone())))
    }
}

#[cfg(feature = "office")]
#[component]
fn ActivityRoute() -> impl IntoView {
    let id = param("id");
    move || {
        let id = id.get();
        on_demand(move || activity_screen(Some(id.clone())))
    }
}

// Only after an admin's reset, so not in the first download.
on_demand_screen!(
    set_password,
    fn set_password_screen() {
        view! { <password::SetPassword/> }.into_any()
    }
);

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

/// A path the app does not know: home is one tap away.
#[component]
pub fn NotFound() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <main class="page">
            <BackBar/>
            <p class="card" data-testid="not-found">{move || ctx.lang.get().nav().not_found}</p>
        </main>
    }
}

/// The app. The office bundle routes with leptos_router (its nested
/// routes); the village bundle, with a handful of flat paths, matches them
/// itself ([`routes::village`]) and keeps the router out of the village
/// head's first download.
#[component]
pub fn App() -> impl IntoView {
    #[cfg(feature = "office")]
    let app = view! { <Router><Shell/></Router> };
    #[cfg(not(feature = "office"))]
    let app = view! { <Shell/> };
    app
}

/// The office bundle's location and navigation: the router's.
#[cfg(feature = "office")]
fn routing() -> (Signal<String>, Callback<String>) {
    let navigate = use_navigate();
    (use_location().pathname.into(), Callback::new(move |path: String| navigate(&path, Default::default())))
}

/// The village bundle's location and navigation, as the router does them:
/// a new history entry unless the path is already the current one, the
/// path read back from the browser (which percent-encodes it), the top of
/// the page; back and forward (`popstate`) change the path too.
#[cfg(not(feature = "office"))]
fn routing() -> (Signal<String>, Callback<String>) {
    let current = || window().location().pathname().unwrap_or_default();
    let path = RwSignal::new(current());
    let changed = move || {
        let now = current();
        if path.get_untracked() != now {
            path.set(now);
        }
    };
    // The app's whole lifetime: never removed.
    let _ = window_event_listener(leptos::ev::popstate, move |_| changed());
    let nav = Callback::new(move |to: String| {
        if to != current() {
            if let Ok(history) = window().history() {
                let _ = history.push_state_with_url(&wasm_bindgen::JsValue::UNDEFINED, "", Some(&to));
            }
        }
        changed();
        window().scroll_to_with_x_and_y(0.0, 0.0);
    });
    (path.into(), nav)
}

/// The office bundle's screens: the router's routes.
#[cfg(feature = "office")]
fn screens(_path: Signal<String>) -> AnyView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=HomeRoute/>
            <Route path=path!("/index.html") view=HomeRoute/>
            <Route path=path!("/report/:period") view=ReportRoute/>
            <Route path=path!("/incident/new") view=|| on_demand(|| incident_screen(None))/>
            <Route path=path!("/incident/:id") view=IncidentRoute/>
            <Route path=path!("/activity/new") view=|| on_demand(|| activity_screen(None))/>
            <Route path=path!("/activity/:id") view=ActivityRoute/>
            <OfficeRoutes/>
        </Routes>
    }
    .into_any()
}

/// The village bundle's screens, chosen from the path; a screen is made
/// again only when the path names another one (or another record).
#[cfg(not(feature = "office"))]
fn screens(path: Signal<String>) -> AnyView {
    use routes::Village;
    let screen = Memo::new(move |_| routes::village(&path.get()));
    (move || match screen.get() {
        Village::Home => view! { <HomeRoute/> }.into_any(),
        Village::Report(period) => on_demand(move || report_screen(period.clone())),
        Village::Incident(id) => on_demand(move || incident_screen(id.clone())),
        Village::Activity(id) => on_demand(move || activity_screen(id.clone())),
        Village::Office => view! { <OfficeElsewhere/> }.into_any(),
        Village::NotFound => view! { <NotFound/> }.into_any(),
    })
    .into_any()
}

/// Everything inside the router: the context, the login gate, the routes.
#[component]
fn Shell() -> impl IntoView {
    let stored: Option<Session> = LocalStore.get(K_SESSION).and_then(|s| json::from_str(&s).ok());
    set_account(stored.as_ref().map(|s| s.user.username.as_str()));
    let lang = Lang::parse(&LocalStore.get(K_LANG).unwrap_or_default());
    let (pathname, nav) = routing();
    let ctx = Ctx {
        lang: RwSignal::new(lang),
        session: RwSignal::new(stored),
        nav,
        tick: RwSignal::new(0),
        sync: RwSignal::new(SyncStatus::Unknown),
        notice: RwSignal::new(None),
        kept: RwSignal::new(None),
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
        let p = pathname.get();
        if p != routes::HOME && p != routes::office::HOME {
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
            {move || if ctx.session.with(|s| s.as_ref().is_some_and(|s| s.must_change_password)) {
                // A reset password: nothing else until a new one is set.
                on_demand(set_password_screen)
            } else {
                screens(pathname)
            }}
        </Show>
    }
}
