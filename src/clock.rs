//! Time as the app's users read it: Beijing time (UTC+8), whatever zone the server is in.
//! Stored times are plain seconds since the epoch on both databases.
//!
//! What "now" is comes from a [`Clock`] the store holds, never from a global: a test sets
//! the clock and moves it (a session going idle, a deadline coming near, an export job's
//! lease running out) instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, OffsetDateTime, UtcOffset};

const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// Where the app reads the time: the system's, or one a test sets. Clones share the time,
/// so moving a test clock moves it for every store and app holding it.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// `None`: the system's time. `Some`: seconds since the epoch, moved only by hand.
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's time.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock standing at `ts` (seconds since the epoch) until it is set or advanced.
    pub fn fixed(ts: i64) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicI64::new(ts))),
        }
    }

    /// A test clock standing at the system's time now.
    pub fn fixed_now() -> Clock {
        Clock::fixed(Clock::system().now())
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        match &self.fixed {
            Some(ts) => ts.load(Ordering::Relaxed),
            None => OffsetDateTime::now_utc().unix_timestamp(),
        }
    }

    /// Sets a fixed clock to `ts`. The system's clock cannot be set: it is left alone.
    pub fn set(&self, ts: i64) {
        debug_assert!(self.fixed.is_some(), "the system clock cannot be set");
        if let Some(at) = &self.fixed {
            at.store(ts, Ordering::Relaxed);
        }
    }

    /// Moves a fixed clock on by `secs` seconds (back, when negative). The system's clock
    /// cannot be moved: it is left alone.
    pub fn advance(&self, secs: i64) {
        debug_assert!(self.fixed.is_some(), "the system clock cannot be moved");
        if let Some(at) = &self.fixed {
            at.fetch_add(secs, Ordering::Relaxed);
        }
    }

    /// Today's date in Beijing.
    pub fn today(&self) -> Date {
        beijing(self.now()).date()
    }

    /// The year whose reports are being written now (see [`working_year_on`]).
    pub fn working_year(&self) -> i32 {
        working_year_on(self.today())
    }
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

/// The year whose reports are being written on `today`: from October to September of the
/// next year, reports are about the year that is ending or has just ended.
pub fn working_year_on(today: Date) -> i32 {
    if u8::from(today.month()) >= 10 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// The first second after the given day ends in Beijing: a deadline of that day is met by
/// anything before it.
pub fn end_of_day(y: i32, m: u8, d: u8) -> i64 {
    let date = time::Month::try_from(m).and_then(|month| Date::from_calendar_date(y, month, d));
    date.ok()
        .and_then(Date::next_day)
        .map_or(i64::MAX, |next| next.midnight().assume_offset(BEIJING).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_by_hand_and_for_every_clone() {
        let clock = Clock::fixed(1_700_000_000);
        let other = clock.clone();
        assert_eq!(clock.now(), 1_700_000_000);
        clock.advance(90);
        assert_eq!(other.now(), 1_700_000_090);
        other.set(0);
        assert_eq!(clock.now(), 0);
        assert_eq!(clock.today(), time::macros::date!(1970 - 01 - 01));
    }

    #[test]
    fn the_working_year_turns_in_october_in_beijing() {
        // 2026-09-30 16:00 UTC is 2026-10-01 00:00 in Beijing.
        let clock = Clock::fixed(1_790_784_000);
        assert_eq!(clock.today(), time::macros::date!(2026 - 10 - 01));
        assert_eq!(clock.working_year(), 2026);
        clock.advance(-1);
        assert_eq!(clock.working_year(), 2025);
    }

    #[test]
    fn the_system_clock_is_the_system_time() {
        let before = OffsetDateTime::now_utc().unix_timestamp();
        let now = Clock::system().now();
        assert!((before..=before + 5).contains(&now));
    }
}

