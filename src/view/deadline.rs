//! The legal publication deadline of a report, and how far it is from a given day.

use crate::report::Kind;
use crate::report::status::Status;
use crate::report::workflow;

/// The legal publication deadline and how far it is.
pub struct Deadline {
    pub date: String,
    /// “还有 67 天” / “今天截止” / “已逾期 3 天” / “已发布”.
    pub left: String,
    pub overdue: bool,
}

impl Deadline {
    /// `today` in Beijing, by the store's clock.
    pub fn of(year: i32, kind: Kind, status: Option<Status>, today: time::Date) -> Deadline {
        let (y, m, d) = workflow::deadline(year, kind);
        let date = format!("{y}年{m}月{d}日");
        if status == Some(Status::Published) {
            return Deadline {
                date,
                left: "已发布".into(),
                overdue: false,
            };
        }
        let days = days_until(y, m, d, today);
        let (left, overdue) = match days {
            0 => ("今天截止".to_string(), false),
            d if d > 0 => (format!("还有 {d} 天"), false),
            d => (format!("已逾期 {} 天", -d), true),
        };
        Deadline { date, left, overdue }
    }
}

/// Days from `today` to the date; negative when past.
fn days_until(y: i32, m: u8, d: u8, today: time::Date) -> i64 {
    let date = time::Month::try_from(m).and_then(|month| time::Date::from_calendar_date(y, month, d));
    date.map_or(0, |date| (date - today).whole_days())
}
