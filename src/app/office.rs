//! The commune office's screens (officer and admin), online: who has
//! reported for a period, review (approve / return with a comment),
//! conflicts to resolve with both versions side by side, the commune's
//! aggregate figures, and — for the admin — villages and accounts.
//!
//! The office works at a desk with a connection, so these screens read the
//! server directly instead of going through the phone's outbox.

use super::home::Notice;
use super::login::LangSwitch;
use super::Ctx;
use crate::i18n::Lang;
use crate::platform::http::{call, HttpError};
use leptos::prelude::*;
use serde_json::{json, Value};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::format::{date_vi, datetime_vi, number_vi, parse_date_iso, vn_date};
use sothon_domain::protocol::Role;
use sothon_domain::{Period, PeriodKind};

fn token(ctx: Ctx) -> String {
    ctx.session.with_untracked(|s| s.as_ref().map(|s| s.token.clone())).unwrap_or_default()
}

/// Calls the API with the session's token; errors become a Vietnamese message.
async fn api(ctx: Ctx, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
    match call::<Value, Value>(method, path, body.as_ref(), Some(&token(ctx))).await {
        Ok(v) => Ok(v),
        Err(HttpError::Status(401, _)) => {
            ctx.set_session(None);
            Err(ctx.t().login_again.into())
        }
        Err(HttpError::Status(_, e)) => {
            let fields: Vec<String> = e.fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            Err(if fields.is_empty() { e.message } else { format!("{} ({})", e.message, fields.join("; ")) })
        }
        Err(HttpError::Unreachable(_)) => Err(ctx.t().offline.into()),
    }
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn n(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

/// "state" → its Vietnamese label.
fn state_vi(state: &str) -> &'static str {
    match state {
        "received" => "Xã đã nhận",
        "returned" => "Đã trả lại",
        "approved" => "Đã duyệt",
        "conflict" => "Có xung đột",
        _ => "Chưa báo cáo",
    }
}

/// The office home.
#[component]
pub fn Office() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let role = ctx.session.with_untracked(|s| s.as_ref().map(|s| s.user.role)).unwrap_or(Role::Officer);
    let period = RwSignal::new(Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms())));
    let refresh = RwSignal::new(0u32);
    let overview = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move { api(ctx, "GET", &format!("/api/v1/overview?period={p}"), None).await }
    });
    let conflicts = LocalResource::new(move || {
        refresh.track();
        async move { api(ctx, "GET", "/api/v1/conflicts", None).await }
    });
    let figures = LocalResource::new(move || {
        refresh.track();
        let p = period.get();
        async move { api(ctx, "GET", &format!("/api/v1/aggregate?period={p}"), None).await }
    });
    let done = move |r: Result<Value, String>, ok: &str| {
        match r {
            Ok(_) => ctx.notice.set(Some(ok.to_string())),
            Err(e) => ctx.notice.set(Some(e)),
        }
        refresh.update(|x| *x += 1);
    };

    let periods = move || {
        let now = Period::containing(PeriodKind::Month, vn_date(crate::platform::browser::now_ms()));
        let mut v = vec![now];
        let mut p = now;
        for _ in 0..5 {
            p = p.prev();
            v.push(p);
        }
        for k in [PeriodKind::Quarter, PeriodKind::Half, PeriodKind::Year] {
            let c = Period::containing(k, now.start());
            v.push(c);
            v.push(c.prev());
        }
        v
    };

    view! {
        <main class="page office">
            <header class="bar">
                <div>
                    <h1>{move || ctx.t().app} " · " {move || if ctx.lang.get() == Lang::Vi { "Văn phòng xã" } else { "Commune office" }}</h1>
                    <p class="sub">{move || ctx.session.get().map(|s| format!("{} · {}", s.user.name, s.user.role.label_vi()))}</p>
                </div>
                <LangSwitch/>
            </header>
            <Notice/>
            <section class="card">
                <label for="office-period">{move || if ctx.lang.get() == Lang::Vi { "Kỳ báo cáo" } else { "Period" }}</label>
                <select id="office-period" data-testid="office-period"
                    on:change=move |e| if let Ok(p) = Period::parse(&event_target_value(&e)) { period.set(p) }>
                    {move || periods().into_iter().map(|p| view! {
                        <option value=p.to_string() selected=move || period.get() == p>{p.label_vi()}</option>
                    }).collect_view()}
                </select>
            </section>
            <DueEditor period=period on_done=done/>
            <section class="card" aria-labelledby="ov-title">
                <h2 id="ov-title">{move || if ctx.lang.get() == Lang::Vi { "Tình hình báo cáo" } else { "Who has reported" }}</h2>
                {move || match overview.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(ov)) => {
                        let sm = ov.get("summary").cloned().unwrap_or_default();
                        view! {
                            <p data-testid="office-summary">
                                {format!("Đã báo cáo {}/{} · chưa báo cáo {} · đã duyệt {} · trả lại {} · xung đột {} · hạn {}",
                                    n(&sm, "reported"), n(&sm, "villages"), n(&sm, "missing"), n(&sm, "approved"), n(&sm, "returned"), n(&sm, "conflict"), parse_date_iso(&s(&ov, "due")).map(date_vi).unwrap_or_default())}
                            </p>
                            <ul class="records" data-testid="office-villages">
                                {ov.get("villages").and_then(Value::as_array).cloned().unwrap_or_default().into_iter().map(|v| view! { <VillageRow v=v on_done=done/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </section>
            <section class="card" aria-labelledby="cf-title">
                <h2 id="cf-title">{move || if ctx.lang.get() == Lang::Vi { "Xung đột cần xử lý" } else { "Conflicts to resolve" }}</h2>
                {move || match conflicts.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(list)) => {
                        let list = list.as_array().cloned().unwrap_or_default();
                        if list.is_empty() {
                            return view! { <p class="muted" data-testid="no-conflicts">{"Không có xung đột."}</p> }.into_any();
                        }
                        list.into_iter().map(|c| view! { <ConflictCard c=c on_done=done/> }).collect_view().into_any()
                    }
                }}
            </section>
            <section class="card" aria-labelledby="fig-title">
                <h2 id="fig-title">{move || if ctx.lang.get() == Lang::Vi { "Số liệu tổng hợp toàn xã" } else { "Commune figures" }}</h2>
                {move || match figures.get() {
                    None => view! { <p>"…"</p> }.into_any(),
                    Some(Err(e)) => view! { <p class="warn">{e}</p> }.into_any(),
                    Some(Ok(f)) => view! { <Figures f=f/> }.into_any(),
                }}
            </section>
            {(role == Role::Admin).then(|| view! { <Admin/> })}
            <button data-testid="logout" on:click=move |_| {
                let t = token(ctx);
                leptos::task::spawn_local(async move {
                    let _ = call::<(), Value>("POST", "/api/v1/logout", None, Some(&t)).await;
                });
                ctx.set_session(None);
            }>{move || ctx.t().logout}</button>
        </main>
    }
}

/// Sets the period's due date; phones get it with their next sync.
#[component]
fn DueEditor(
    period: RwSignal<Period>,
    on_done: impl Fn(Result<Value, String>, &str) + Copy + 'static,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let due = RwSignal::new(String::new());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = json!({ "period": period.get_untracked().to_string(), "due": due.get_untracked() });
        leptos::task::spawn_local(async move {
            let r = api(ctx, "POST", "/api/v1/due", Some(body)).await;
            on_done(r, "Đã đặt hạn nộp — các thôn nhận được ở lần đồng bộ tới");
        });
    };
    view! {
        <form class="card row" on:submit=save data-testid="set-due">
            <label for="due-date">"Đặt hạn nộp cho kỳ này"</label>
            <input id="due-date" type="date" required prop:value=due on:input=move |e| due.set(event_target_value(&e))/>
            <button type="submit">"Lưu hạn nộp"</button>
        </form>
    }
}

/// One village's line: report state, receipt, clock skew, incidents; review.
#[component]
fn VillageRow(v: Value, on_done: impl Fn(Result<Value, String>, &str) + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let report = v.get("report").cloned().filter(|r| !r.is_null());
    let comment = RwSignal::new(String::new());
    let state = report.as_ref().map(|r| s(r, "state")).unwrap_or_default();
    let review = move |decision: &'static str, record: String, rev: i64| {
        let body = json!({ "decision": decision, "comment": comment.get_untracked(), "rev": rev });
        leptos::task::spawn_local(async move {
            let r = api(ctx, "POST", &format!("/api/v1/records/{record}/review"), Some(body)).await;
            on_done(
                r,
                if decision == "approve" {
                    "Đã duyệt báo cáo"
                } else {
                    "Đã trả lại báo cáo để thôn sửa"
                },
            );
        });
    };
    let skew = report.as_ref().map(|r| n(r, "skew_ms")).unwrap_or(0);
    view! {
        <li data-testid="office-village" data-village=s(&v, "village") data-state=state.clone()>
            <p class="title"><b>{s(&v, "name")}</b> " — " <span class=format!("badge {}", match state.as_str() { "received" => "received", "approved" => "approved", "returned" | "conflict" => "attention", _ => "draft" })>{state_vi(&state)}</span></p>
            {report.clone().map(|r| view! {
                <p class="small">
                    {format!("Mã biên nhận {} · nhận lúc {}", s(&r, "receipt"), datetime_vi(n(&r, "received_at")))}
                    {(skew.abs() > 5 * 60 * 1000).then(|| format!(" · đồng hồ điện thoại lệch {} giờ", number_vi(skew as f64 / 3_600_000.0, 1)))}
                </p>
            })}
            <p class="small">{format!("Sự cố: {} · Hoạt động: {} · Xung đột: {}", n(&v, "incidents"), n(&v, "activities"), n(&v, "conflicts"))}</p>
            {report.filter(|r| s(r, "state") == "received").map(|r| {
                let (rec, rev) = (s(&r, "record"), n(&r, "rev"));
                let rec2 = rec.clone();
                view! {
                    <div class="row">
                        <input aria-label="Ý kiến khi trả lại" placeholder="Ý kiến (bắt buộc khi trả lại)" data-testid="review-comment"
                            prop:value=comment on:input=move |e| comment.set(event_target_value(&e))/>
                        <button class="primary" data-testid="approve" on:click=move |_| review("approve", rec.clone(), rev)>"Duyệt"</button>
                        <button data-testid="return" on:click=move |_| review("return", rec2.clone(), rev)>"Trả lại"</button>
                    </div>
                }
            })}
        </li>
    }
}

/// What differs between two versions of a report, field by field.
fn diff(a: &Value, b: &Value) -> Vec<(String, String, String)> {
    let cat = catalogue();
    let empty = serde_json::Map::new();
    let va = a.get("values").and_then(Value::as_object).unwrap_or(&empty);
    let vb = b.get("values").and_then(Value::as_object).unwrap_or(&empty);
    let mut keys: Vec<&String> = va.keys().chain(vb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out: Vec<(String, String, String)> = keys
        .into_iter()
        .filter(|k| va.get(*k) != vb.get(*k))
        .map(|k| {
            let label = cat.indicator(k).map(|i| i.vi.clone()).unwrap_or_else(|| k.clone());
            let show = |v: Option<&Value>| match v {
                Some(Value::Number(x)) => number_vi(x.as_f64().unwrap_or(f64::NAN), 2),
                Some(Value::Bool(b)) => if *b { "Có" } else { "Không" }.into(),
                Some(Value::String(t)) => t.clone(),
                _ => "—".into(),
            };
            (label, show(va.get(k)), show(vb.get(k)))
        })
        .collect();
    for f in ["difficulties", "proposals", "description", "participants", "helped"] {
        if a.get(f) != b.get(f) {
            out.push((f.to_string(), s(a, f), s(b, f)));
        }
    }
    out
}

/// A conflict: the current version and the incoming one, side by side.
#[component]
fn ConflictCard(c: Value, on_done: impl Fn(Result<Value, String>, &str) + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let cur = c.get("current").cloned().unwrap_or_default();
    let inc = c.get("incoming").cloned().unwrap_or_default();
    let rows = diff(&cur.get("body").cloned().unwrap_or_default(), &inc.get("body").cloned().unwrap_or_default());
    let mutation = s(&c, "mutation");
    let rev = n(&cur, "rev");
    let resolve = move |keep: &'static str, m: String| {
        leptos::task::spawn_local(async move {
            let r =
                api(ctx, "POST", &format!("/api/v1/conflicts/{m}/resolve"), Some(json!({ "keep": keep, "rev": rev })))
                    .await;
            on_done(r, "Đã xử lý xung đột");
        });
    };
    let m2 = mutation.clone();
    view! {
        <div class="conflict" data-testid="conflict">
            <p><b>{s(&c, "village")}</b> " · " {s(&c, "period")} " · " {format!("bản mới của {} lúc {}", s(&inc, "name"), datetime_vi(n(&inc, "received_at")))}</p>
            <table class="diff">
                <thead><tr><th scope="col">"Mục"</th><th scope="col">"Bản hiện tại"</th><th scope="col">"Bản mới"</th></tr></thead>
                <tbody>{rows.into_iter().map(|(k, a, b)| view! { <tr><th scope="row">{k}</th><td>{a}</td><td>{b}</td></tr> }).collect_view()}</tbody>
            </table>
            <div class="row">
                <button data-testid="keep-current" on:click=move |_| resolve("current", mutation.clone())>"Giữ bản hiện tại"</button>
                <button class="primary" data-testid="keep-incoming" on:click=move |_| resolve("incoming", m2.clone())>"Lấy bản mới"</button>
            </div>
        </div>
    }
}

/// The commune's figures for the period, with the plan's targets.
#[component]
fn Figures(f: Value) -> impl IntoView {
    let cat = catalogue();
    let aggs = f.get("aggregates").and_then(Value::as_array).cloned().unwrap_or_default();
    let targets = f.get("targets").and_then(Value::as_array).cloned().unwrap_or_default();
    let number = |fig: &Value| -> Option<f64> {
        fig.get("number")
            .and_then(Value::as_f64)
            .or_else(|| fig.get("ratio").and_then(|r| r.get("value")).and_then(Value::as_f64))
    };
    let rows: Vec<_> = aggs
        .into_iter()
        .filter_map(|a| {
            let key = s(&a, "key");
            let ind = cat.indicator(&key)?;
            let fig = a.get("figure")?;
            let shown = if let Some(x) = number(fig) {
                format!("{} {}", number_vi(x, 2), ind.unit)
            } else if let Some(b) = fig.get("flag").and_then(Value::as_bool) {
                if b { "Có" } else { "Không" }.to_string()
            } else {
                return None;
            };
            let met = targets.iter().find(|t| s(t, "key") == key).and_then(|t| t.get("met")).and_then(Value::as_bool);
            Some((ind.vi.clone(), shown, format!("{}/{}", n(&a, "villages_reporting"), n(&a, "villages_total")), met))
        })
        .collect();
    view! {
        <p class="small">{format!("{} · {} thôn đã báo cáo", s(&f, "label"), f.get("villages_reported").and_then(Value::as_array).map(Vec::len).unwrap_or(0))}</p>
        <table class="figures" data-testid="figures">
            <thead><tr><th scope="col">"Chỉ tiêu"</th><th scope="col">"Toàn xã"</th><th scope="col">"Số thôn"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|(label, value, villages, met)| view! {
                    <tr class:unmet=met == Some(false)>
                        <th scope="row">{label}</th>
                        <td>{value} {met.map(|m| if m { " ✓" } else { " ✗ chưa đạt mục tiêu" })}</td>
                        <td>{villages}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Villages and accounts (commune admin).
#[component]
fn Admin() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let refresh = RwSignal::new(0u32);
    let users = LocalResource::new(move || {
        refresh.track();
        async move { api(ctx, "GET", "/api/v1/users", None).await }
    });
    let villages = LocalResource::new(move || {
        refresh.track();
        async move { api(ctx, "GET", "/api/v1/villages", None).await }
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
        let body = json!({ "id": vid.get_untracked().trim(), "name": vname.get_untracked().trim() });
        leptos::task::spawn_local(async move {
            match api(ctx, "POST", "/api/v1/villages", Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some("Đã thêm thôn".into()));
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
        let body = json!({
            "username": uname.get_untracked().trim(), "password": upass.get_untracked(),
            "name": ufull.get_untracked().trim(), "role": urole.get_untracked(),
            "village": if village.is_empty() { Value::Null } else { Value::String(village) },
        });
        leptos::task::spawn_local(async move {
            match api(ctx, "POST", "/api/v1/users", Some(body)).await {
                Ok(_) => {
                    ctx.notice.set(Some("Đã tạo tài khoản".into()));
                    uname.set(String::new());
                    upass.set(String::new());
                    ufull.set(String::new());
                }
                Err(e) => ctx.notice.set(Some(e)),
            }
            refresh.update(|x| *x += 1);
        });
    };
    let village_list =
        move || villages.get().and_then(Result::ok).and_then(|v| v.as_array().cloned()).unwrap_or_default();
    view! {
        <section class="card" aria-labelledby="adm-v">
            <h2 id="adm-v">"Thôn"</h2>
            <ul data-testid="admin-villages">{move || village_list().into_iter().map(|v| view! { <li>{s(&v, "id")} " — " {s(&v, "name")}</li> }).collect_view()}</ul>
            <form on:submit=add_village data-testid="add-village">
                <label for="v-id">"Mã thôn"</label>
                <input id="v-id" prop:value=vid on:input=move |e| vid.set(event_target_value(&e))/>
                <label for="v-name">"Tên thôn"</label>
                <input id="v-name" prop:value=vname on:input=move |e| vname.set(event_target_value(&e))/>
                <button type="submit" class="primary">"Thêm thôn"</button>
            </form>
        </section>
        <section class="card" aria-labelledby="adm-u">
            <h2 id="adm-u">"Tài khoản"</h2>
            <ul data-testid="admin-users">
                {move || users.get().and_then(Result::ok).and_then(|v| v.as_array().cloned()).unwrap_or_default().into_iter().map(|u| view! {
                    <li>{s(&u, "username")} " — " {s(&u, "name")} " (" {s(&u, "role")} {let v = s(&u, "village"); (!v.is_empty()).then(|| format!(", {v}"))} ")"</li>
                }).collect_view()}
            </ul>
            <form on:submit=add_user data-testid="add-user">
                <label for="u-name">"Tên đăng nhập"</label>
                <input id="u-name" autocomplete="off" prop:value=uname on:input=move |e| uname.set(event_target_value(&e))/>
                <label for="u-pass">"Mật khẩu (ít nhất 8 ký tự)"</label>
                <input id="u-pass" type="password" autocomplete="new-password" prop:value=upass on:input=move |e| upass.set(event_target_value(&e))/>
                <label for="u-full">"Họ và tên"</label>
                <input id="u-full" prop:value=ufull on:input=move |e| ufull.set(event_target_value(&e))/>
                <label for="u-role">"Vai trò"</label>
                <select id="u-role" on:change=move |e| urole.set(event_target_value(&e))>
                    <option value="village_head">"Trưởng thôn"</option>
                    <option value="digital_team">"Tổ công nghệ số cộng đồng"</option>
                    <option value="officer">"Cán bộ văn phòng xã"</option>
                    <option value="admin">"Quản trị xã"</option>
                </select>
                <label for="u-village">"Thôn (với trưởng thôn, tổ CNS)"</label>
                <select id="u-village" on:change=move |e| uvillage.set(event_target_value(&e))>
                    <option value="">"—"</option>
                    {move || village_list().into_iter().map(|v| view! { <option value=s(&v, "id")>{s(&v, "name")}</option> }).collect_view()}
                </select>
                <button type="submit" class="primary">"Tạo tài khoản"</button>
            </form>
        </section>
    }
}
