//! UI texts: Vietnamese first, English second. One struct, so a missing
//! translation is a compile error, not a blank button.

use sothon_sync::LocalState;

/// The UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "en" {
            Lang::En
        } else {
            Lang::Vi
        }
    }
    pub fn t(self) -> &'static Txt {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// Every text the UI shows.
pub struct Txt {
    pub app: &'static str,
    pub tagline: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub login: &'static str,
    pub login_needs_network: &'static str,
    pub login_again: &'static str,
    pub logout: &'static str,
    pub logout_blocked: &'static str,
    pub other_lang: &'static str,
    pub current_report: &'static str,
    pub due: &'static str,
    pub open_report: &'static str,
    pub other_period: &'static str,
    pub send_now: &'static str,
    pub unsent: &'static str,
    pub records: &'static str,
    pub no_records: &'static str,
    pub receipt: &'static str,
    pub online: &'static str,
    pub offline: &'static str,
    pub syncing: &'static str,
    pub last_sync: &'static str,
    pub retry_in: &'static str,
    pub back: &'static str,
    pub submit: &'static str,
    pub saved_on_phone: &'static str,
    pub draft_saved: &'static str,
    pub fix_errors: &'static str,
    pub not_a_number: &'static str,
    pub difficulties: &'static str,
    pub proposals: &'static str,
    pub computed: &'static str,
    pub target: &'static str,
    pub yes: &'static str,
    pub storage_used: &'static str,
    pub persisted: &'static str,
    pub not_persisted: &'static str,
    pub backup: &'static str,
    pub import_backup: &'static str,
    pub old_unsent: &'static str,
    pub store_failed: &'static str,
    pub comment: &'static str,
    pub report_of: &'static str,
    pub sample: &'static str,
}

pub static VI: Txt = Txt {
    app: "Sổ Thôn",
    tagline: "Báo cáo của thôn — dùng được cả khi không có mạng",
    username: "Tên đăng nhập",
    password: "Mật khẩu",
    login: "Đăng nhập",
    login_needs_network: "Cần có mạng để đăng nhập lần đầu. Hãy thử lại khi có sóng.",
    login_again: "Phiên đăng nhập đã hết hạn. Đăng nhập lại để gửi — dữ liệu trên máy vẫn còn nguyên.",
    logout: "Đăng xuất",
    logout_blocked: "Còn bản ghi chưa gửi. Hãy gửi, hoặc tải tệp sao lưu, trước khi đăng xuất.",
    other_lang: "English",
    current_report: "Báo cáo kỳ này",
    due: "Hạn nộp",
    open_report: "Mở báo cáo",
    other_period: "Kỳ khác",
    send_now: "Gửi ngay",
    unsent: "chưa gửi",
    records: "Bản ghi trên máy",
    no_records: "Chưa có bản ghi nào.",
    receipt: "Mã biên nhận",
    online: "Đã kết nối máy chủ",
    offline: "Chưa có mạng — dữ liệu được lưu trên máy",
    syncing: "Đang gửi…",
    last_sync: "Lần gửi cuối",
    retry_in: "Thử lại sau",
    back: "Quay lại",
    submit: "Lưu và gửi",
    saved_on_phone: "Đã lưu trên máy",
    draft_saved: "Bản nháp đã lưu trên máy",
    fix_errors: "Còn mục cần sửa (xem chữ đỏ)",
    not_a_number: "Phải là một số",
    difficulties: "Khó khăn, vướng mắc",
    proposals: "Kiến nghị, đề xuất",
    computed: "tự tính",
    target: "Mục tiêu",
    yes: "Có",
    storage_used: "Bộ nhớ đã dùng",
    persisted: "Trình duyệt đã cam kết giữ dữ liệu",
    not_persisted: "Trình duyệt có thể xóa dữ liệu khi máy đầy bộ nhớ — hãy gửi sớm hoặc tải tệp sao lưu",
    backup: "Tải tệp sao lưu",
    import_backup: "Nhập tệp sao lưu",
    old_unsent: "Có bản ghi chưa gửi đã lâu (trên 3 ngày). Hãy tìm chỗ có sóng và bấm Gửi ngay.",
    store_failed: "Không lưu được vào máy",
    comment: "Ý kiến của xã",
    report_of: "Báo cáo",
    sample: "dữ liệu mẫu",
};

pub static EN: Txt = Txt {
    app: "Sổ Thôn",
    tagline: "Village reports — works without a connection",
    username: "Username",
    password: "Password",
    login: "Log in",
    login_needs_network: "The first login needs a connection. Try again where there is signal.",
    login_again: "Your session expired. Log in again to send — everything on this phone is kept.",
    logout: "Log out",
    logout_blocked: "Some records are not sent yet. Send them, or save a backup file, before logging out.",
    other_lang: "Tiếng Việt",
    current_report: "This period's report",
    due: "Due",
    open_report: "Open report",
    other_period: "Another period",
    send_now: "Send now",
    unsent: "not sent",
    records: "Records on this phone",
    no_records: "No records yet.",
    receipt: "Receipt",
    online: "Connected to the server",
    offline: "No connection — data is kept on this phone",
    syncing: "Sending…",
    last_sync: "Last sent",
    retry_in: "Retrying in",
    back: "Back",
    submit: "Save and send",
    saved_on_phone: "Saved on this phone",
    draft_saved: "Draft saved on this phone",
    fix_errors: "Some fields need fixing (see red text)",
    not_a_number: "Must be a number",
    difficulties: "Difficulties",
    proposals: "Proposals",
    computed: "computed",
    target: "Target",
    yes: "Yes",
    storage_used: "Storage used",
    persisted: "The browser promised to keep this data",
    not_persisted: "The browser may clear data when the phone is full — send soon or save a backup file",
    backup: "Save backup file",
    import_backup: "Import backup file",
    old_unsent: "Some records have been unsent for over 3 days. Find signal and press Send now.",
    store_failed: "Could not save on this phone",
    comment: "Commune's comment",
    report_of: "Report",
    sample: "sample data",
};

/// The label of a record state.
pub fn state_label(lang: Lang, s: LocalState) -> &'static str {
    match (lang, s) {
        (Lang::Vi, LocalState::Draft) => "Bản nháp",
        (Lang::Vi, LocalState::Queued) => "Đã lưu trên máy",
        (Lang::Vi, LocalState::Received) => "Xã đã nhận",
        (Lang::Vi, LocalState::Conflict) => "Có xung đột",
        (Lang::Vi, LocalState::Returned) => "Xã trả lại để sửa",
        (Lang::Vi, LocalState::Approved) => "Đã duyệt",
        (Lang::En, LocalState::Draft) => "Draft",
        (Lang::En, LocalState::Queued) => "Saved on this phone",
        (Lang::En, LocalState::Received) => "Received",
        (Lang::En, LocalState::Conflict) => "Conflict",
        (Lang::En, LocalState::Returned) => "Returned for correction",
        (Lang::En, LocalState::Approved) => "Approved",
    }
}
