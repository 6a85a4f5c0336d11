//! Login: online, once. The token then lets the phone work offline for as
//! long as it is valid.

use super::{sync, Ctx};
use crate::platform::http::{call, HttpError};
use leptos::prelude::*;
use sothon_domain::protocol::{LoginRequest, Session};

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
        let req =
            LoginRequest { username: username.get_untracked().trim().to_string(), password: password.get_untracked() };
        leptos::task::spawn_local(async move {
            let res: Result<Session, HttpError> = call("POST", "/api/v1/login", Some(&req), None).await;
            busy.set(false);
            match res {
                Ok(s) => {
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
