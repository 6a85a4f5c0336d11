//! Texts of the commune office's desk (completeness grid and reminders, the
//! incidents desk, accounts) and of the "set a new password" screen, which
//! both bundles show. Vietnamese first; one struct, so a missing English
//! text does not compile.

use super::Lang;
use sothon_domain::completeness::CellState;
use sothon_domain::handling::Step;
use sothon_domain::protocol::Role;

/// Every text of the desk's screens.
pub struct DeskTxt {
    pub nav_home: &'static str,
    pub nav_grid: &'static str,
    pub nav_incidents: &'static str,
    pub nav_accounts: &'static str,
    pub desk_nav: &'static str,
    pub grid_title: &'static str,
    pub kind_label: &'static str,
    pub kind_month: &'static str,
    pub kind_quarter: &'static str,
    pub kind_half: &'static str,
    pub kind_year: &'static str,
    pub village: &'static str,
    pub reporting_rate: &'static str,
    pub on_time_rate: &'static str,
    pub open_period: &'static str,
    pub due: &'static str,
    pub late_mark: &'static str,
    pub sample_data: &'static str,
    pub grid_caption: &'static str,
    pub remind_title: &'static str,
    pub remind_nobody: &'static str,
    pub remind_text_label: &'static str,
    pub share: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub shared: &'static str,
    pub share_failed: &'static str,
    pub sms: &'static str,
    pub incidents_title: &'static str,
    pub urgent_title: &'static str,
    pub urgent_none: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub no_incidents: &'static str,
    pub no_steps: &'static str,
    pub steps_title: &'static str,
    pub note_label: &'static str,
    pub note_placeholder: &'static str,
    pub step_done: &'static str,
    pub all_done: &'static str,
    pub people: &'static str,
    pub households: &'static str,
    pub happened: &'static str,
    pub received: &'static str,
    pub place: &'static str,
    pub followups: &'static str,
    pub open_incident: &'static str,
    pub back_to_list: &'static str,
    pub accounts_title: &'static str,
    pub villages_title: &'static str,
    pub village_id: &'static str,
    pub village_name: &'static str,
    pub add_village: &'static str,
    pub username: &'static str,
    pub full_name: &'static str,
    pub role: &'static str,
    pub village_for_role: &'static str,
    pub phone: &'static str,
    pub password_new_account: &'static str,
    pub create_account: &'static str,
    pub edit: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub disable: &'static str,
    pub enable: &'static str,
    pub disabled: &'static str,
    pub must_change: &'static str,
    pub reset_password: &'static str,
    pub temp_password: &'static str,
    pub saved: &'static str,
    pub account_disabled: &'static str,
    pub account_enabled: &'static str,
    pub password_was_reset: &'static str,
}

pub static VI: DeskTxt = DeskTxt {
    nav_home: "Văn phòng",
    nav_grid: "Tình hình nộp báo cáo",
    nav_incidents: "Sự cố",
    nav_accounts: "Thôn và tài khoản",
    desk_nav: "Màn hình của văn phòng",
    grid_title: "Tình hình nộp báo cáo theo kỳ",
    kind_label: "Loại kỳ",
    kind_month: "12 tháng gần nhất",
    kind_quarter: "Các quý",
    kind_half: "6 tháng",
    kind_year: "Năm",
    village: "Thôn",
    reporting_rate: "Tỉ lệ nộp",
    on_time_rate: "Tỉ lệ đúng hạn",
    open_period: "chưa đến hạn, còn thay đổi",
    due: "Hạn",
    late_mark: "nộp muộn",
    sample_data: "Dữ liệu mẫu — không phải số liệu thật",
    grid_caption: "Mỗi ô ghi tình trạng báo cáo của thôn trong kỳ. Tỉ lệ nộp = số báo cáo đã nhận ÷ số thôn; tỉ lệ đúng hạn = số báo cáo nhận trước hạn ÷ số thôn.",
    remind_title: "Nhắc các thôn còn nợ báo cáo",
    remind_nobody: "Không thôn nào còn nợ báo cáo kỳ này.",
    remind_text_label: "Nội dung nhắc (có thể sửa trước khi gửi)",
    share: "Chia sẻ (Zalo…)",
    copy: "Sao chép",
    copied: "Đã sao chép nội dung nhắc",
    shared: "Đã mở chia sẻ",
    share_failed: "Trình duyệt không cho chia sẻ hay sao chép — hãy chọn và sao chép nội dung",
    sms: "Gửi tin nhắn SMS",
    incidents_title: "Sự cố các thôn báo",
    urgent_title: "Sự cố nghiêm trọng đang mở",
    urgent_none: "Không có sự cố nghiêm trọng nào đang mở.",
    open: "Đang mở",
    closed: "Đã xử lý xong",
    no_incidents: "Chưa có sự cố nào.",
    no_steps: "Xã chưa tiếp nhận.",
    steps_title: "Các bước xử lý",
    note_label: "Ghi chú gửi thôn (bắt buộc)",
    note_placeholder: "Xã đã làm gì, thôn cần làm gì",
    step_done: "Đã ghi bước xử lý — thôn nhận được ở lần đồng bộ tới",
    all_done: "Sự cố đã xử lý xong.",
    people: "Số người bị ảnh hưởng",
    households: "Số hộ bị ảnh hưởng",
    happened: "Xảy ra lúc",
    received: "Xã nhận lúc",
    place: "Vị trí",
    followups: "Thôn báo thêm",
    open_incident: "Xem và xử lý",
    back_to_list: "← Danh sách sự cố",
    accounts_title: "Tài khoản",
    villages_title: "Thôn",
    village_id: "Mã thôn",
    village_name: "Tên thôn",
    add_village: "Thêm thôn",
    username: "Tên đăng nhập",
    full_name: "Họ và tên",
    role: "Vai trò",
    village_for_role: "Thôn (với trưởng thôn, tổ CNS)",
    phone: "Số điện thoại (để nhắn nhắc báo cáo)",
    password_new_account: "Mật khẩu (ít nhất 8 ký tự)",
    create_account: "Tạo tài khoản",
    edit: "Sửa",
    save: "Lưu",
    cancel: "Thôi",
    disable: "Khóa tài khoản",
    enable: "Mở khóa",
    disabled: "Đang khóa",
    must_change: "Phải đổi mật khẩu khi đăng nhập",
    reset_password: "Đặt lại mật khẩu",
    temp_password: "Mật khẩu tạm (báo cho người dùng)",
    saved: "Đã lưu",
    account_disabled: "Đã khóa tài khoản: không đăng nhập được nữa",
    account_enabled: "Đã mở khóa tài khoản",
    password_was_reset: "Đã đặt mật khẩu tạm — người dùng phải đặt mật khẩu mới khi đăng nhập",
};

pub static EN: DeskTxt = DeskTxt {
    nav_home: "Office",
    nav_grid: "Who has reported",
    nav_incidents: "Incidents",
    nav_accounts: "Villages and accounts",
    desk_nav: "Office screens",
    grid_title: "Reports by period",
    kind_label: "Periods",
    kind_month: "Last 12 months",
    kind_quarter: "Quarters",
    kind_half: "Half-years",
    kind_year: "Years",
    village: "Village",
    reporting_rate: "Reporting rate",
    on_time_rate: "On-time rate",
    open_period: "not yet due, still moving",
    due: "Due",
    late_mark: "late",
    sample_data: "Sample data — not real figures",
    grid_caption: "Each cell says where the village's report for the period stands. Reporting rate = reports received ÷ villages; on-time rate = reports received by the due date ÷ villages.",
    remind_title: "Remind the villages still owing",
    remind_nobody: "No village owes this period's report.",
    remind_text_label: "Reminder text (edit before sending if you like)",
    share: "Share (Zalo…)",
    copy: "Copy",
    copied: "Reminder copied",
    shared: "Share sheet opened",
    share_failed: "The browser allows neither sharing nor copying — select the text and copy it",
    sms: "Send as SMS",
    incidents_title: "Incidents reported by the villages",
    urgent_title: "Open severe incidents",
    urgent_none: "No open severe incident.",
    open: "Open",
    closed: "Handled",
    no_incidents: "No incident yet.",
    no_steps: "Not yet acknowledged by the commune.",
    steps_title: "Handling",
    note_label: "Note for the village (required)",
    note_placeholder: "What the commune did, what the village should do",
    step_done: "Step recorded — the village gets it with its next sync",
    all_done: "The incident is handled.",
    people: "People affected",
    households: "Households affected",
    happened: "Happened",
    received: "Received",
    place: "Location",
    followups: "Village follow-ups",
    open_incident: "Open and handle",
    back_to_list: "← Incidents",
    accounts_title: "Accounts",
    villages_title: "Villages",
    village_id: "Village id",
    village_name: "Village name",
    add_village: "Add village",
    username: "Username",
    full_name: "Full name",
    role: "Role",
    village_for_role: "Village (village heads, digital team)",
    phone: "Phone number (for reminders)",
    password_new_account: "Password (at least 8 characters)",
    create_account: "Create account",
    edit: "Edit",
    save: "Save",
    cancel: "Cancel",
    disable: "Disable account",
    enable: "Re-enable",
    disabled: "Disabled",
    must_change: "Must set a new password at login",
    reset_password: "Reset password",
    temp_password: "Temporary password (tell the person)",
    saved: "Saved",
    account_disabled: "Account disabled: it can no longer log in",
    account_enabled: "Account re-enabled",
    password_was_reset: "Temporary password set — the person must choose a new one at login",
};

/// The "set a new password" screen's texts: apart from the desk's, so
/// the village bundle carries only these.
pub struct PasswordTxt {
    pub set_password_title: &'static str,
    pub set_password_why: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub repeat_password: &'static str,
    pub passwords_differ: &'static str,
    pub set_password: &'static str,
    pub password_changed: &'static str,
}

pub static PASSWORD_VI: PasswordTxt = PasswordTxt {
    set_password_title: "Đặt mật khẩu mới",
    set_password_why: "Quản trị xã vừa đặt lại mật khẩu của bạn. Hãy đặt mật khẩu mới của riêng bạn để tiếp tục.",
    current_password: "Mật khẩu hiện tại (mật khẩu tạm)",
    new_password: "Mật khẩu mới (ít nhất 8 ký tự)",
    repeat_password: "Nhập lại mật khẩu mới",
    passwords_differ: "Hai lần nhập mật khẩu mới không giống nhau",
    set_password: "Lưu mật khẩu mới",
    password_changed: "Đã đổi mật khẩu",
};

pub static PASSWORD_EN: PasswordTxt = PasswordTxt {
    set_password_title: "Set a new password",
    set_password_why: "The commune admin has reset your password. Choose a new password of your own to go on.",
    current_password: "Current password (the temporary one)",
    new_password: "New password (at least 8 characters)",
    repeat_password: "New password again",
    passwords_differ: "The two new passwords differ",
    set_password: "Save the new password",
    password_changed: "Password changed",
};

impl Lang {
    /// The desk's texts in this language.
    pub fn desk(self) -> &'static DeskTxt {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }

    /// The "set a new password" screen's texts in this language.
    pub fn password(self) -> &'static PasswordTxt {
        match self {
            Lang::Vi => &PASSWORD_VI,
            Lang::En => &PASSWORD_EN,
        }
    }
}

/// A grid cell's text (never colour alone).
pub fn cell_label(lang: Lang, s: CellState) -> &'static str {
    match (lang, s) {
        (Lang::Vi, CellState::NotDue) => "Chưa đến hạn",
        (Lang::Vi, CellState::OnTime) => "Đúng hạn",
        (Lang::Vi, CellState::Late) => "Nộp muộn",
        (Lang::Vi, CellState::Missing) => "Chưa nộp",
        (Lang::Vi, CellState::Returned) => "Trả lại",
        (Lang::Vi, CellState::Resubmitted) => "Đã nộp lại",
        (Lang::Vi, CellState::Approved) => "Đã duyệt",
        (Lang::Vi, CellState::Conflict) => "Xung đột",
        (Lang::En, CellState::NotDue) => "Not yet due",
        (Lang::En, CellState::OnTime) => "On time",
        (Lang::En, CellState::Late) => "Late",
        (Lang::En, CellState::Missing) => "Missing",
        (Lang::En, CellState::Returned) => "Returned",
        (Lang::En, CellState::Resubmitted) => "Resubmitted",
        (Lang::En, CellState::Approved) => "Approved",
        (Lang::En, CellState::Conflict) => "Conflict",
    }
}

/// A handling step's label.
pub fn step_label(lang: Lang, s: Step) -> &'static str {
    match lang {
        Lang::Vi => s.label_vi(),
        Lang::En => s.label_en(),
    }
}

/// The button that takes step `s`.
pub fn step_action(lang: Lang, s: Step) -> &'static str {
    match (lang, s) {
        (Lang::Vi, Step::Acknowledged) => "Tiếp nhận",
        (Lang::Vi, Step::Handling) => "Bắt đầu xử lý",
        (Lang::Vi, Step::Handled) => "Báo đã xử lý xong",
        (Lang::En, Step::Acknowledged) => "Acknowledge",
        (Lang::En, Step::Handling) => "Start handling",
        (Lang::En, Step::Handled) => "Mark handled",
    }
}

/// A role as people call it (never `village_head`).
pub fn role_label(lang: Lang, r: Role) -> &'static str {
    match (lang, r) {
        (Lang::Vi, r) => r.label_vi(),
        (Lang::En, Role::VillageHead) => "Village head",
        (Lang::En, Role::DigitalTeam) => "Community digital technology team",
        (Lang::En, Role::Officer) => "Commune office officer",
        (Lang::En, Role::Admin) => "Commune admin",
        (Lang::En, Role::Province) => "Province officer",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_state_and_step_has_a_text_in_both_languages() {
        for lang in [Lang::Vi, Lang::En] {
            for s in CellState::ALL {
                assert!(!cell_label(lang, s).is_empty());
            }
            for s in Step::ALL {
                assert!(!step_label(lang, s).is_empty() && !step_action(lang, s).is_empty());
            }
            for r in [Role::VillageHead, Role::DigitalTeam, Role::Officer, Role::Admin, Role::Province] {
                assert!(!role_label(lang, r).contains('_'));
            }
        }
        assert_eq!(cell_label(Lang::Vi, CellState::NotDue), "Chưa đến hạn");
    }
}
