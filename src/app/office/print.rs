//! The printable periodic report to the commune leadership, in the layout
//! of Nghị định 30/2020/NĐ-CP (A4 portrait, Times New Roman, the two-column
//! header, the motto, "Số: …/BC-UBND", "Nơi nhận:", the signature block).
//! Its content is `sothon_domain::periodic::compose`; the page is
//! style/reports.css. The clerk's parts (number, place and date, tasks for
//! next period, closing, recipients, signer's name) are editable in place
//! before printing or saving as PDF; the toolbar is not printed.

use super::get;
use crate::app::Ctx;
use leptos::prelude::*;
use sothon_domain::api::{PrintData, Signer};
use sothon_domain::catalogue::current as catalogue;
use sothon_domain::format::vn_date;
use sothon_domain::periodic::compose;
use sothon_domain::Period;

/// The report of `period`; `on_back` leaves it.
#[component]
pub fn PrintReport(period: Period, on_back: impl Fn() + Copy + 'static) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let data =
        LocalResource::new(
            move || async move { get::<PrintData>(ctx, &format!("/api/v1/print?period={period}")).await },
        );
    let signer = RwSignal::new(Signer::Chairman);
    let t = move || ctx.lang.get().reports();
    view! {
        <div class="print-root">
            <div class="no-print print-toolbar row" role="toolbar" aria-label=move || t().print_open>
                <button type="button" data-testid="print-back" on:click=move |_| on_back()>{move || t().back}</button>
                <label for="signer" class="inline">{move || t().signer}</label>
                <select id="signer" data-testid="print-signer" on:change=move |e| {
                    signer.set(if event_target_value(&e) == "vice" { Signer::ViceChairman } else { Signer::Chairman })
                }>
                    <option value="chair">{move || t().signer_chair}</option>
                    <option value="vice">{move || t().signer_vice}</option>
                </select>
                <button type="button" class="primary" data-testid="print-now" on:click=move |_| {
                    let _ = window().print();
                }>{move || t().print_button}</button>
                <p class="small">{move || t().print_hint}</p>
            </div>
            {move || match data.get() {
                None => view! { <p class="no-print">"…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="warn no-print">{e}</p> }.into_any(),
                Some(Ok(d)) => view! { <Document d=d signer=signer/> }.into_any(),
            }}
        </div>
    }
}

/// The document itself.
#[component]
fn Document(d: PrintData, signer: RwSignal<Signer>) -> impl IntoView {
    let doc = compose(catalogue(), &d, vn_date(crate::platform::browser::now_ms()));
    let [issuer1, issuer2] = doc.issuer.clone();
    let any_lines = doc.sections.iter().any(|s| !s.lines.is_empty());
    view! {
        <article class="nd30" data-testid="print-doc" lang="vi">
            <table class="nd30-head" role="presentation">
                <tr>
                    <td class="issuer">
                        <p class="up">{issuer1}</p>
                        <p class="up b">{issuer2}</p>
                        <hr class="rule short"/>
                        <p class="number">"Số: "<span class="editable" contenteditable="true" data-testid="print-number">"…"</span>"/BC-UBND"</p>
                    </td>
                    <td class="nation">
                        <p class="up b">"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"</p>
                        <p class="motto"><span class="b">"Độc lập - Tự do - Hạnh phúc"</span></p>
                        <p class="place"><i class="editable" contenteditable="true" data-testid="print-date">{doc.place_date.clone()}</i></p>
                    </td>
                </tr>
            </table>
            <h1 class="doc-title">"BÁO CÁO"</h1>
            <p class="subject b" data-testid="print-subject">{doc.subject.clone()}</p>
            <hr class="rule subject-rule"/>
            <p class="body">{doc.intro.clone()}</p>
            <h2 class="sec">"I. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ"</h2>
            {(!any_lines).then(|| view! { <p class="body">"Trong kỳ chưa có thôn nào báo cáo số liệu."</p> })}
            {doc.sections.iter().filter(|s| !s.lines.is_empty()).map(|s| view! {
                <h3 class="grp">{s.heading.clone()}</h3>
                {s.lines.iter().map(|l| view! { <p class="body">"- "{l.clone()}</p> }).collect_view()}
            }).collect_view()}
            <h2 class="sec">"II. SỰ CỐ, THIÊN TAI TRONG KỲ"</h2>
            {if doc.incidents.is_empty() {
                view! { <p class="body">"Trong kỳ không có thôn nào báo cáo sự cố."</p> }.into_any()
            } else {
                doc.incidents.iter().map(|i| view! { <p class="body">"- "{i.clone()}</p> }).collect_view().into_any()
            }}
            <h2 class="sec">"III. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ, ĐỀ XUẤT CỦA CÁC THÔN"</h2>
            <h3 class="grp">"1. Khó khăn, vướng mắc"</h3>
            {if doc.difficulties.is_empty() {
                view! { <p class="body">"Các thôn không nêu khó khăn, vướng mắc."</p> }.into_any()
            } else {
                doc.difficulties.iter().map(|q| view! { <p class="body">"- "{q.village.clone()}": “"{q.text.clone()}"”"</p> }).collect_view().into_any()
            }}
            <h3 class="grp">"2. Kiến nghị, đề xuất"</h3>
            {if doc.proposals.is_empty() {
                view! { <p class="body">"Các thôn không có kiến nghị, đề xuất."</p> }.into_any()
            } else {
                doc.proposals.iter().map(|q| view! { <p class="body">"- "{q.village.clone()}": “"{q.text.clone()}"”"</p> }).collect_view().into_any()
            }}
            <h2 class="sec">"IV. NHIỆM VỤ TRỌNG TÂM KỲ TỚI"</h2>
            <div class="editable body-block" contenteditable="true" data-testid="print-tasks">
                <p class="body">"1. …"</p>
                <p class="body">"2. …"</p>
            </div>
            <p class="body editable" contenteditable="true">
                {format!("Trên đây là báo cáo kết quả thực hiện Kế hoạch hành động {} của Ủy ban nhân dân {}./.",
                    sothon_domain::periodic::period_phrase(d.period), d.commune_name.trim().replacen("Xã ", "xã ", 1))}
            </p>
            <table class="nd30-foot" role="presentation">
                <tr>
                    <td class="recipients">
                        <p class="to"><b><i>"Nơi nhận:"</i></b></p>
                        <div class="editable" contenteditable="true" data-testid="print-recipients">
                            {doc.recipients.iter().map(|r| view! { <p>{r.clone()}</p> }).collect_view()}
                        </div>
                    </td>
                    <td class="signature">
                        <p class="up b" data-testid="print-signer-lines">{move || signer.get().lines()[0]}<br/>{move || signer.get().lines()[1]}</p>
                        <p class="sign-space" aria-hidden="true"></p>
                        <p class="b editable" contenteditable="true" data-testid="print-signer-name">"Họ và tên"</p>
                    </td>
                </tr>
            </table>
        </article>
    }
}
