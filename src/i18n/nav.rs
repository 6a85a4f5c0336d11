//! Texts of the routes themselves: a hand-over between the village's and
//! the office's pages, an unknown address, the office's navigation.

use super::Lang;

/// Texts shared by every route.
pub struct NavTxt {
    /// A village head opened an office address.
    pub office_only: &'static str,
    pub open_village: &'static str,
    /// An officer met the village page where the office's is meant.
    pub office_elsewhere: &'static str,
    pub open_office: &'static str,
    pub not_found: &'static str,
    /// The office's navigation bar.
    pub office_nav: &'static str,
    pub office_home: &'static str,
    pub conflicts: &'static str,
    pub back_office: &'static str,
}

pub static VI: NavTxt = NavTxt {
    office_only: "Trang này dành cho cán bộ văn phòng xã. Tài khoản của bạn dùng trang của thôn.",
    open_village: "Về trang của thôn",
    office_elsewhere: "Trang của văn phòng xã chưa mở được trên máy này (cần có mạng lần đầu).",
    open_office: "Mở trang văn phòng xã",
    not_found: "Không có trang này.",
    office_nav: "Các trang của văn phòng xã",
    office_home: "Tình hình báo cáo",
    conflicts: "Xung đột",
    back_office: "Về trang văn phòng xã",
};

pub static EN: NavTxt = NavTxt {
    office_only: "This page is for the commune office. Your account uses the village's page.",
    open_village: "Go to the village's page",
    office_elsewhere: "The commune office's page has not been opened on this device yet (it needs a connection once).",
    open_office: "Open the commune office's page",
    not_found: "There is no such page.",
    office_nav: "Commune office pages",
    office_home: "Who has reported",
    conflicts: "Conflicts",
    back_office: "Back to the office",
};

impl Lang {
    /// The routes' texts in this language.
    pub fn nav(self) -> &'static NavTxt {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}
