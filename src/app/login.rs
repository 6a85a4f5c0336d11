//! Login: online, once. The token then lets the phone work offline for as
//! long as it is valid.

use super::{sync, Ctx};
use crate::platform::http::{call, HttpError};
use crate::platform::storage::LocalStore;
use leptos::prelude::*;
use sothon_domain::protocol::{LoginRequest, Session};
use sothon_sync::Store;
use std::collections::BTreeMap;

/// The device tokens this phone got, by username (`{"truongthon1": "…"}`).
/// Kept across logouts: sent back at the next login of that account, they
/// let this phone in while someone else's wrong guesses slow the account
/// down. Several accounts can share one phone, hence one token each.
const K_DEVTOK: &str = "st.devtok";
/// A shared phone keeps the tokens of this many accounts at most.
const MAX_DEVTOK: usize = 8;

fn device_tokens() -> BTreeMap<String, String> {
    LocalStore.get(K_DEVTOK).and_then(|s| sothon_domain::json::from_str(&s).ok()).unwrap_or_default()
}

/// How the server spells a username (usernames are ASCII: trimmed and
/// lower-cased is the server's normalisation for them). ASCII lower-casing:
/// a name with other letters is no account's, and Unicode's case tables
/// would add kilobytes to the first download for it.
fn username_key(typed: &str) -> String {
    typed.trim().to_ascii_lowercase()
}

/// Keeps the token a login handed out, under the account's username.
fn keep_device_token(s: &Session) {
    let Some(token) = &s.device_token else { return };
    let mut all = device_tokens();
    all.insert(s.user.username.clone(), token.clone());
    if all.len() > MAX_DEVTOK {
        // Arbitrary but stable: a shared phone of more than eight accounts
        // loses one of them its head start, nothing else.
        if let Some(k) = all.keys().find(|k| **k != s.user.username).cloned() {
            all.remove(&k);
        }
    }
    let _ = LocalStore.set(K_DEVTOK, &sothon_domain::json::to_string(&all).unwrap_or_default());
}

#[component]
pub fn Login() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let name = username.get_untracked().trim().to_string();
        let device_token = device_tokens().remove(&username_key(&name));
        let req = LoginRequest { username: name, password: password.get_untracked(), device_token };
        leptos::task::spawn_local(async move {
            let res: Result<Session, HttpError> = call("POST", "/api/v1/login", Some(&req), None).await;
            busy.set(false);
            match res {
                Ok(s) => {
                    keep_device_token(&s);
                    ctx.set_session(Some(s));
                    ctx.touch();
                    sync::sync_now(ctx);
                }
                Err(HttpError::Status(_, e)) => error.set(Some(e.message)),
                Err(HttpError::Unreachable(_)) => error.set(Some(ctx.t().login_needs_network.into())),
            }
        });
    };

    view! {
        <main class="page login">
            <header class="brand">
                <h1>{move || ctx.t().app}</h1>
                <p>{move || ctx.t().tagline}</p>
            </header>
            <form on:submit=submit data-testid="login-form">
                <label for="username">{move || ctx.t().username}</label>
                <input id="username" name="username" autocomplete="username" autocapitalize="none"
                    required prop:value=username on:input=move |e| username.set(event_target_value(&e))/>
                <label for="password">{move || ctx.t().password}</label>
                <input id="password" name="password" type="password" autocomplete="current-password"
                    required prop:value=password on:input=move |e| password.set(event_target_value(&e))/>
                <p class="error" role="alert" data-testid="login-error">{move || error.get()}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>{move || ctx.t().login}</button>
            </form>
            <LangSwitch/>
        </main>
    }
}

/// Switches between Vietnamese and English.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <button type="button" class="link" data-testid="lang"
            on:click=move |_| ctx.lang.update(|l| *l = if *l == crate::i18n::Lang::Vi { crate::i18n::Lang::En } else { crate::i18n::Lang::Vi })>
            {move || ctx.t().other_lang}
        </button>
    }
}
