//! Time as the app's users read it: Beijing time (UTC+8), whatever zone the server is in.
//! Stored times are plain seconds since the epoch on both databases.

use time::{Date, OffsetDateTime, UtcOffset};

const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Seconds since the epoch.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn beijing(ts: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(BEIJING)
}

/// 17:03:22
pub fn clock(ts: i64) -> String {
    let t = beijing(ts);
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// 2026-11-25 17:03
pub fn datetime(ts: i64) -> String {
    let t = beijing(ts);
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// Today's date in Beijing.
pub fn today() -> Date {
    beijing(now()).date()
}

/// The year whose reports are being written now: from October to September of the next
/// year, reports are about the year that is ending or has just ended.
pub fn working_year() -> i32 {
    let today = today();
    if u8::from(today.month()) >= 10 {
        today.year()
    } else {
        today.year() - 1
    }
}
