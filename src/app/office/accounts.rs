//! The commune admin's villages and accounts: add a village, create an
//! account, and for each account edit (name, role, village, phone), disable
//! or re-enable it, or reset its password to a temporary one the person
//! replaces at next login. Roles are shown in words, never `village_head`.

use super::api;
use super::get;
use crate::app::Ctx;
use crate::i18n::desk::role_label;
use leptos::prelude::*;
use sothon_domain::api::{Account, EditUserRequest, NewUserRequest, NewVillageRequest, ResetPasswordRequest};
use sothon_domain::protocol::{Role, Village};

const ROLES: [(Role, &str); 4] = [
    (Role::VillageHead, "village_head"),
    (Role::DigitalTeam, "digital_team"),
    (Role::Officer, "officer"),
    (Role::Admin, "admin"),
];

fn role_value(r: Role) -> &'static str {
    ROLES.iter().find(|(x, _)| *x == r).map(|(_, v)| *v).unwrap_or("officer")
}

/// Villages and accounts (commune admin).
#[component]
pub fn AccountsScreen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refresh = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        refresh.track();
        async move { get::<Vec<Account>>(ctx, "/api/v1/users").await }
    });
    let villages = LocalResource::new(move || {
        refresh.track();
        async move { get::<Vec<Village>>(ctx, "/api/v1/villages").await }
    });
    let (vid, vname) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (uname, upass, ufull, urole, uvillage) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("village_head".to_string()),
        RwSignal::new(String::new()),
    );
    let add_village = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body =
            NewVillageRequest { id: vid.get_untracked().trim().into(), name: vname.get_untracked().trim().into() };
        leptos::task::spawn_local(async move {
            match api::<_, Village>(ctx, "POST", "/api/v1/villages", Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some(ctx.lang.get_untracked().desk().saved.into()));
                    vid.set(String::new());
                    vname.set(String::new());
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            refresh.update(|x| *x += 1);
        });
    };
    let add_user = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let village = uvillage.get_untracked();
        let body = NewUserRequest {
            username: uname.get_untracked().trim().into(),
            password: upass.get_untracked(),
            name: ufull.get_untracked().trim().into(),
            role: urole.get_untracked(),
            village: (!village.is_empty()).then_some(village),
        };
        leptos::task::spawn_local(async move {
            match api::<_, Account>(ctx, "POST", "/api/v1/users", Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some(ctx.lang.get_untracked().desk().saved.into()));
                    uname.set(String::new());
                    upass.set(String::new());
                    ufull.set(String::new());
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            refresh.update(|x| *x += 1);
        });
    };
    let village_list = move || villages.get().and_then(Result::ok).unwrap_or_default();
    let d = move || ctx.lang.get().desk();
    view! {
        <section class="card desk-screen" aria-labelledby="adm-v">
            <h2 id="adm-v">{move || d().villages_title}</h2>
            <ul data-testid="admin-villages">{move || village_list().into_iter().map(|v| view! { <li>{v.id} " — " {v.name}</li> }).collect_view()}</ul>
            <form on:submit=add_village data-testid="add-village">
                <label for="v-id">{move || d().village_id}</label>
                <input id="v-id" prop:value=vid on:input=move |e| vid.set(event_target_value(&e))/>
                <label for="v-name">{move || d().village_name}</label>
                <input id="v-name" prop:value=vname on:input=move |e| vname.set(event_target_value(&e))/>
                <button type="submit" class="primary">{move || d().add_village}</button>
            </form>
        </section>
        <section class="card" aria-labelledby="adm-u">
            <h2 id="adm-u">{move || d().accounts_title}</h2>
            <ul class="records" data-testid="admin-users">
                {move || users.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|u| view! {
                    <AccountRow u=u villages=Signal::derive(village_list) on_done=move || refresh.update(|x| *x += 1)/>
                }).collect_view()}
            </ul>
            <form on:submit=add_user data-testid="add-user">
                <label for="u-name">{move || d().username}</label>
                <input id="u-name" autocomplete="off" prop:value=uname on:input=move |e| uname.set(event_target_value(&e))/>
                <label for="u-pass">{move || d().password_new_account}</label>
                <input id="u-pass" type="password" autocomplete="new-password" prop:value=upass on:input=move |e| upass.set(event_target_value(&e))/>
                <label for="u-full">{move || d().full_name}</label>
                <input id="u-full" prop:value=ufull on:input=move |e| ufull.set(event_target_value(&e))/>
                <label for="u-role">{move || d().role}</label>
                <select id="u-role" on:change=move |e| urole.set(event_target_value(&e))>
                    {ROLES.into_iter().map(|(r, v)| view! { <option value=v>{move || role_label(ctx.lang.get(), r)}</option> }).collect_view()}
                </select>
                <label for="u-village">{move || d().village_for_role}</label>
                <select id="u-village" on:change=move |e| uvillage.set(event_target_value(&e))>
                    <option value="">"—"</option>
                    {move || village_list().into_iter().map(|v| view! { <option value=v.id>{v.name}</option> }).collect_view()}
                </select>
                <button type="submit" class="primary">{move || d().create_account}</button>
            </form>
        </section>
    }
}

/// One account: what it is, and the admin's actions on it.
#[component]
fn AccountRow(
    u: Account,
    villages: Signal<Vec<Village>>,
    on_done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let d = move || ctx.lang.get().desk();
    let editing = RwSignal::new(false);
    let resetting = RwSignal::new(false);
    let name = RwSignal::new(u.name.clone());
    let role = RwSignal::new(role_value(u.role).to_string());
    let village = RwSignal::new(u.village.clone().unwrap_or_default());
    let phone = RwSignal::new(u.phone.clone());
    let temp = RwSignal::new(String::new());
    // A Copy handle: every closure below is called again on each render.
    let uname = StoredValue::new(u.username.clone());
    let call = move |path: String, body: Option<ResetPasswordRequest>, ok: &'static str| {
        leptos::task::spawn_local(async move {
            match api::<_, Account>(ctx, "POST", &path, body).await {
                Ok(_) => {
                    ctx.notice.set(Some(ok.into()));
                    editing.set(false);
                    resetting.set(false);
                    temp.set(String::new());
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            on_done();
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = village.get_untracked();
        let body = EditUserRequest {
            name: name.get_untracked().trim().into(),
            role: role.get_untracked(),
            village: (!v.is_empty()).then_some(v),
            phone: phone.get_untracked(),
        };
        let path = format!("/api/v1/users/{}", uname.get_value());
        leptos::task::spawn_local(async move {
            match api::<_, Account>(ctx, "PUT", &path, Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some(ctx.lang.get_untracked().desk().saved.into()));
                    editing.set(false);
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            on_done();
        });
    };
    let reset = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = Some(ResetPasswordRequest { password: temp.get_untracked() });
        call(
            format!("/api/v1/users/{}/reset-password", uname.get_value()),
            body,
            ctx.lang.get_untracked().desk().password_was_reset,
        );
    };
    let disabled = u.disabled;
    let toggle = move |_| {
        let t = ctx.lang.get_untracked().desk();
        let (action, ok) = if disabled { ("enable", t.account_enabled) } else { ("disable", t.account_disabled) };
        call(format!("/api/v1/users/{}/{action}", uname.get_value()), None, ok);
    };
    let id = move |what: &str| format!("{what}-{}", uname.get_value());
    view! {
        <li data-testid="account" data-username=u.username.clone() data-disabled=disabled.to_string()>
            <p class="title">
                <b>{u.username.clone()}</b> " — " {u.name.clone()} " · " {move || role_label(ctx.lang.get(), u.role)}
                {u.village.clone().map(|v| format!(" · {v}"))}
                {(!u.phone.is_empty()).then(|| format!(" · {}", u.phone))}
            </p>
            {disabled.then(|| view! { <span class="badge attention" data-testid="account-disabled">{move || d().disabled}</span> })}
            {u.must_change_password.then(|| view! { <span class="badge queued">{move || d().must_change}</span> })}
            <div class="row">
                <button data-testid="account-edit" on:click=move |_| editing.update(|e| *e = !*e)>{move || d().edit}</button>
                <button data-testid="account-toggle" on:click=toggle>{move || if disabled { d().enable } else { d().disable }}</button>
                <button data-testid="account-reset" on:click=move |_| resetting.update(|e| *e = !*e)>{move || d().reset_password}</button>
            </div>
            <Show when=move || editing.get()>
                <form on:submit=save data-testid="account-edit-form">
                    <label for=id("e-name")>{move || d().full_name}</label>
                    <input id=id("e-name") prop:value=name on:input=move |e| name.set(event_target_value(&e))/>
                    <label for=id("e-role")>{move || d().role}</label>
                    <select id=id("e-role") on:change=move |e| role.set(event_target_value(&e))>
                        {ROLES.into_iter().map(|(r, v)| view! {
                            <option value=v selected=move || role.get() == v>{move || role_label(ctx.lang.get(), r)}</option>
                        }).collect_view()}
                    </select>
                    <label for=id("e-village")>{move || d().village_for_role}</label>
                    <select id=id("e-village") on:change=move |e| village.set(event_target_value(&e))>
                        <option value="">"—"</option>
                        {move || villages.get().into_iter().map(|v| {
                            let vid = v.id.clone();
                            view! { <option value=v.id selected=move || village.get() == vid>{v.name}</option> }
                        }).collect_view()}
                    </select>
                    <label for=id("e-phone")>{move || d().phone}</label>
                    <input id=id("e-phone") type="tel" autocomplete="off" prop:value=phone on:input=move |e| phone.set(event_target_value(&e))/>
                    <div class="row">
                        <button type="submit" class="primary" data-testid="account-save">{move || d().save}</button>
                        <button type="button" on:click=move |_| editing.set(false)>{move || d().cancel}</button>
                    </div>
                </form>
            </Show>
            <Show when=move || resetting.get()>
                <form on:submit=reset data-testid="account-reset-form">
                    <label for=id("r-pass")>{move || d().temp_password}</label>
                    <input id=id("r-pass") data-testid="account-temp-password" autocomplete="off" prop:value=temp
                        on:input=move |e| temp.set(event_target_value(&e))/>
                    <button type="submit" class="primary" data-testid="account-reset-save">{move || d().reset_password}</button>
                </form>
            </Show>
        </li>
    }
}
