//! Texts of the field-by-field review: the officer's review screen and the
//! audit trail (office bundle), the returned report on the phone, and the
//! "how fresh is this" line of the office's kept answers.

use super::Lang;

/// Texts of the review, the audit trail and the returned report.
pub struct ReviewTxt {
    // The phone.
    /// Before the officer's comment on one field.
    pub officer_says: &'static str,
    /// Heading of the list of fields the officer flagged.
    pub flagged_fields: &'static str,
    pub reason: &'static str,
    // The review screen.
    pub review_title: &'static str,
    pub open_review: &'static str,
    pub this_period: &'static str,
    pub last_period: &'static str,
    pub field: &'static str,
    pub large_change: &'static str,
    pub new_value: &'static str,
    pub no_previous: &'static str,
    pub comment_on_field: &'static str,
    pub return_reason: &'static str,
    pub return_reason_hint: &'static str,
    pub approve: &'static str,
    pub send_back: &'static str,
    pub approved_done: &'static str,
    pub returned_done: &'static str,
    pub resubmitted: &'static str,
    pub changed_since_return: &'static str,
    pub nothing_changed: &'static str,
    pub last_return: &'static str,
    pub by: &'static str,
    pub history: &'static str,
    pub no_history: &'static str,
    pub entered_by: &'static str,
    pub locked: &'static str,
    pub not_reviewable: &'static str,
    pub revision: &'static str,
    pub villages: &'static str,
    pub difficulties: &'static str,
    pub proposals: &'static str,
    /// The heading over the two free-text fields.
    pub texts: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    // The audit trail.
    pub audit_title: &'static str,
    pub audit_record: &'static str,
    pub kind: &'static str,
    pub village: &'static str,
    pub all: &'static str,
    pub older: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub no_audit: &'static str,
    // Kept answers and offline decisions.
    pub figures_at: &'static str,
    pub date_word: &'static str,
    pub no_network: &'static str,
    pub needs_network: &'static str,
    pub nothing_changed_yet: &'static str,
    /// What an offline decision could not do ("Cần có mạng để …").
    pub save_decision: &'static str,
    /// The office's navigation: the audit trail.
    pub nav_audit: &'static str,
}

pub static VI: ReviewTxt = ReviewTxt {
    officer_says: "Ý kiến của xã",
    flagged_fields: "Các mục xã đề nghị sửa",
    reason: "Lý do trả lại",
    review_title: "Xem xét báo cáo",
    open_review: "Xem từng mục",
    this_period: "Kỳ này",
    last_period: "Kỳ trước",
    field: "Mục",
    large_change: "thay đổi lớn",
    new_value: "mới có",
    no_previous: "Kỳ trước thôn chưa có báo cáo.",
    comment_on_field: "Ý kiến cho mục này (không bắt buộc)",
    return_reason: "Lý do trả lại (bắt buộc khi trả lại)",
    return_reason_hint: "Ghi rõ để thôn biết cần sửa gì",
    approve: "Duyệt",
    send_back: "Trả lại để thôn sửa",
    approved_done: "Đã duyệt báo cáo",
    returned_done: "Đã trả lại báo cáo để thôn sửa",
    resubmitted: "Thôn đã gửi lại sau khi bị trả lại",
    changed_since_return: "Những gì thay đổi so với bản bị trả lại",
    nothing_changed: "Thôn gửi lại mà không sửa mục nào.",
    last_return: "Lần trả lại gần nhất",
    by: "bởi",
    history: "Lịch sử xem xét",
    no_history: "Chưa có quyết định nào.",
    entered_by: "Xã nhập hộ",
    locked: "Báo cáo đã duyệt và được khóa.",
    not_reviewable: "Báo cáo đang có xung đột: cần xử lý xung đột trước khi duyệt.",
    revision: "phiên bản",
    villages: "Các thôn",
    difficulties: "Khó khăn, vướng mắc",
    proposals: "Kiến nghị, đề xuất",
    texts: "Khó khăn và kiến nghị của thôn",
    before: "Trước",
    after: "Sau",
    audit_title: "Nhật ký quyết định",
    audit_record: "Nhật ký của báo cáo này",
    kind: "Loại việc",
    village: "Thôn",
    all: "Tất cả",
    older: "Xem cũ hơn",
    when: "Lúc",
    who: "Người làm",
    what: "Nội dung",
    no_audit: "Chưa có quyết định nào.",
    figures_at: "Số liệu lúc",
    date_word: "ngày",
    no_network: "chưa có mạng",
    needs_network: "Cần có mạng để",
    nothing_changed_yet: "chưa có gì thay đổi.",
    save_decision: "lưu quyết định này",
    nav_audit: "Nhật ký",
};

pub static EN: ReviewTxt = ReviewTxt {
    officer_says: "The commune says",
    flagged_fields: "Fields the commune asks to correct",
    reason: "Reason for the return",
    review_title: "Review report",
    open_review: "Review field by field",
    this_period: "This period",
    last_period: "Last period",
    field: "Field",
    large_change: "large change",
    new_value: "new",
    no_previous: "The village has no report for the period before.",
    comment_on_field: "Comment on this field (optional)",
    return_reason: "Reason for returning (required to return)",
    return_reason_hint: "Say what the village should correct",
    approve: "Approve",
    send_back: "Return for correction",
    approved_done: "Report approved",
    returned_done: "Report returned to the village for correction",
    resubmitted: "Sent again by the village after a return",
    changed_since_return: "What changed since the returned version",
    nothing_changed: "Sent again without any field changed.",
    last_return: "Last return",
    by: "by",
    history: "Review history",
    no_history: "No decision yet.",
    entered_by: "Entered by the commune",
    locked: "Approved and locked.",
    not_reviewable: "The report has a conflict: resolve it before deciding.",
    revision: "revision",
    villages: "Villages",
    difficulties: "Difficulties",
    proposals: "Proposals",
    texts: "The village's difficulties and proposals",
    before: "Before",
    after: "After",
    audit_title: "Decision log",
    audit_record: "This report's log",
    kind: "Kind",
    village: "Village",
    all: "All",
    older: "Older",
    when: "When",
    who: "Who",
    what: "What",
    no_audit: "No decision yet.",
    figures_at: "Figures as of",
    date_word: "on",
    no_network: "no connection",
    needs_network: "A connection is needed to",
    nothing_changed_yet: "nothing has changed.",
    save_decision: "save this decision",
    nav_audit: "Log",
};

impl Lang {
    /// The review's texts in this language.
    pub fn rv(self) -> &'static ReviewTxt {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// An audit action as the office reads it.
pub fn action_label(lang: Lang, a: sothon_domain::api::AuditAction) -> &'static str {
    use sothon_domain::api::AuditAction as A;
    match (lang, a) {
        (Lang::Vi, A::Approve) => "Duyệt báo cáo",
        (Lang::Vi, A::Return) => "Trả lại báo cáo",
        (Lang::Vi, A::ResolveConflict) => "Xử lý xung đột",
        (Lang::Vi, A::IncidentStep) => "Xử lý sự cố",
        (Lang::Vi, A::DueDate) => "Hạn nộp",
        (Lang::Vi, A::Account) => "Tài khoản",
        (Lang::Vi, A::Village) => "Thôn",
        (Lang::Vi, A::Target) => "Chỉ tiêu kế hoạch",
        (Lang::En, A::Approve) => "Report approved",
        (Lang::En, A::Return) => "Report returned",
        (Lang::En, A::ResolveConflict) => "Conflict resolved",
        (Lang::En, A::IncidentStep) => "Incident step",
        (Lang::En, A::DueDate) => "Due date",
        (Lang::En, A::Account) => "Account",
        (Lang::En, A::Village) => "Village",
        (Lang::En, A::Target) => "Plan target",
    }
}

/// A review decision as the office reads it.
pub fn decision_label(lang: Lang, d: sothon_domain::api::Decision) -> &'static str {
    action_label(
        lang,
        match d {
            sothon_domain::api::Decision::Approve => sothon_domain::api::AuditAction::Approve,
            sothon_domain::api::Decision::Return => sothon_domain::api::AuditAction::Return,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::api::AuditAction;

    #[test]
    fn every_action_has_a_vietnamese_and_an_english_label() {
        for a in AuditAction::ALL {
            let (vi, en) = (action_label(Lang::Vi, a), action_label(Lang::En, a));
            assert!(!vi.is_empty() && !en.is_empty() && vi != en, "{a:?}");
            assert!(!vi.contains('_'), "{vi}");
        }
    }
}
