//! "Đặt mật khẩu mới": after the admin reset the password, the login answer
//! says so (`Session::must_change_password`) and the app shows only this
//! screen — the server refuses everything else with that token — until the
//! person has chosen a password of their own.

use super::Ctx;
use crate::platform::http::{call, HttpError};
use leptos::prelude::*;
use sothon_domain::api::PasswordRequest;

/// The form. On success the session goes on with the same token.
#[component]
pub fn SetPassword() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let (current, new, again) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let d = move || ctx.lang.get().password();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if new.get_untracked() != again.get_untracked() {
            error.set(Some(d().passwords_differ.into()));
            return;
        }
        let token = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())).unwrap_or_default();
        let body = PasswordRequest { current: current.get_untracked(), new: new.get_untracked() };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let res = call::<_, serde::de::IgnoredAny>("POST", "/api/v1/password", Some(&body), Some(&token)).await;
            busy.set(false);
            match res {
                Ok(_) => {
                    let mut s = ctx.session.get_untracked();
                    if let Some(s) = s.as_mut() {
                        s.must_change_password = false;
                    }
                    ctx.set_session(s);
                    ctx.notice.set(Some(ctx.lang.get_untracked().password().password_changed.into()));
                    super::sync::sync_now(ctx);
                }
                Err(HttpError::Status(401, _)) => ctx.set_session(None),
                Err(HttpError::Status(_, e)) => {
                    let fields: Vec<String> = e.fields.iter().map(|f| f.message.clone()).collect();
                    error.set(Some(if fields.is_empty() { e.message } else { fields.join("; ") }));
                }
                Err(HttpError::Unreachable(_)) => error.set(Some(ctx.t().login_needs_network.into())),
            }
        });
    };
    view! {
        <main class="page login">
            <header class="brand">
                <h1>{move || d().set_password_title}</h1>
                <p>{move || d().set_password_why}</p>
            </header>
            <form on:submit=submit data-testid="set-password">
                <label for="pw-current">{move || d().current_password}</label>
                <input id="pw-current" type="password" autocomplete="current-password" required
                    prop:value=current on:input=move |e| current.set(event_target_value(&e))/>
                <label for="pw-new">{move || d().new_password}</label>
                <input id="pw-new" type="password" autocomplete="new-password" required minlength="8"
                    prop:value=new on:input=move |e| new.set(event_target_value(&e))/>
                <label for="pw-again">{move || d().repeat_password}</label>
                <input id="pw-again" type="password" autocomplete="new-password" required
                    prop:value=again on:input=move |e| again.set(event_target_value(&e))/>
                <p class="error" role="alert" data-testid="set-password-error">{move || error.get()}</p>
                <button type="submit" class="primary" disabled=move || busy.get()>{move || d().set_password}</button>
            </form>
        </main>
    }
}
