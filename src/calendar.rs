//! Calendar days: how timestamps become days, and windows of days or months.
//!
//! Recency counts calendar days, not 24-hour spans. Naive timestamps are
//! wall-clock times, so their day is `floor(ticks / ticks_per_day)`. For
//! tz-aware data the bindings pass the local calendar day of every row
//! alongside the instants, computed in the row's zone, so a daylight-saving
//! day is still one day.

use chrono::{Months, NaiveDate};

use crate::error::{Error, Result};

/// The time column of a transaction table.
#[derive(Debug, Clone, Copy)]
pub enum Time<'a> {
    /// Naive wall-clock timestamps, `ticks_per_day` ticks to a day
    /// (86_400 for seconds, 86_400e9 for nanoseconds, 1 for days).
    Naive { ts: &'a [i64], ticks_per_day: i64 },
    /// Instants (`ts`) with the local calendar day of each (`days`, days
    /// since 1970-01-01 in the zone the data is judged in).
    Zoned { ts: &'a [i64], days: &'a [i32] },
}

/// The missing-timestamp sentinel of NumPy and Arrow (NaT).
pub(crate) const NAT: i64 = i64::MIN;

impl Time<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Time::Naive { ts, .. } | Time::Zoned { ts, .. } => ts.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The timestamp of row `i`.
    #[inline]
    pub(crate) fn ts(&self, i: usize) -> i64 {
        match self {
            Time::Naive { ts, .. } | Time::Zoned { ts, .. } => ts[i],
        }
    }

    /// The position of row `i` on the axis rows are compared on: ticks for
    /// naive data, local days for zoned data. Order-preserving with days.
    #[inline]
    pub(crate) fn pos(&self, i: usize) -> i64 {
        match self {
            Time::Naive { ts, .. } => ts[i],
            Time::Zoned { days, .. } => i64::from(days[i]),
        }
    }

    /// The calendar day of a position.
    #[inline]
    pub(crate) fn day_of(&self, pos: i64) -> i64 {
        match self {
            Time::Naive { ticks_per_day, .. } => pos.div_euclid(*ticks_per_day),
            Time::Zoned { .. } => pos,
        }
    }

    /// The first position of a calendar day, saturating at the ends of i64.
    pub(crate) fn start_of(&self, day: i64) -> i64 {
        match self {
            Time::Naive { ticks_per_day, .. } => day.saturating_mul(*ticks_per_day),
            Time::Zoned { .. } => day,
        }
    }

    /// The last position of a calendar day, saturating at the ends of i64.
    pub(crate) fn end_of(&self, day: i64) -> i64 {
        match self {
            Time::Naive { ticks_per_day, .. } => day
                .saturating_add(1)
                .saturating_mul(*ticks_per_day)
                .saturating_sub(1),
            Time::Zoned { .. } => day,
        }
    }

    /// Checks the time column against its companion columns.
    pub(crate) fn validate(&self) -> Result<()> {
        match self {
            Time::Naive { ticks_per_day, .. } if *ticks_per_day <= 0 => Err(Error::option(
                "date unit",
                format!("ticks per day must be positive, got {ticks_per_day}"),
            )),
            Time::Zoned { ts, days } if ts.len() != days.len() => Err(Error::Length {
                first: "date".into(),
                first_len: ts.len(),
                other: "local days".into(),
                other_len: days.len(),
            }),
            _ => Ok(()),
        }
    }
}

/// A look-back window ending at the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last `n` calendar days, the as-of day included.
    Days(i64),
    /// The last `n` calendar months: from the same day `n` months earlier
    /// (clamped to the month's end), exclusive, to the as-of day.
    Months(i64),
}

impl Window {
    /// The day before the first day of the window: rows on days strictly
    /// after it are inside.
    pub(crate) fn start_day(&self, as_of_day: i64) -> Result<i64> {
        match *self {
            Window::Days(n) if n >= 1 => Ok(as_of_day.saturating_sub(n)),
            Window::Months(n) if n >= 1 => {
                let months = u32::try_from(n)
                    .map_err(|_| Error::option("window", format!("{n} months is too long")))?;
                let date = date_of_day(as_of_day)?;
                let start = date
                    .checked_sub_months(Months::new(months))
                    .ok_or_else(|| Error::option("window", format!("{n} months is too long")))?;
                Ok(day_of_date(start))
            }
            Window::Days(n) | Window::Months(n) => Err(Error::option(
                "window",
                format!("must be at least 1, got {n}"),
            )),
        }
    }
}

const EPOCH_DAYS_FROM_CE: i64 = 719_163;

/// The calendar date of a day number (days since 1970-01-01).
pub(crate) fn date_of_day(day: i64) -> Result<NaiveDate> {
    i32::try_from(day.saturating_add(EPOCH_DAYS_FROM_CE))
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .ok_or_else(|| Error::option("date", format!("day {day} is outside the calendar")))
}

/// The day number (days since 1970-01-01) of a date.
pub(crate) fn day_of_date(date: NaiveDate) -> i64 {
    i64::from(chrono::Datelike::num_days_from_ce(&date)) - EPOCH_DAYS_FROM_CE
}

/// A day number written as an ISO date, for messages.
pub(crate) fn format_day(day: i64) -> String {
    date_of_day(day)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("day {day}"))
}

/// Days since 1970-01-01 of 0001-01-01 and 9999-12-31: dates are of
/// years 1 to 9999, the range of Python's `datetime`, so that no day
/// arithmetic can overflow. The one home of that rule.
pub(crate) const FIRST_DAY: i64 = -719_162;
pub(crate) const LAST_DAY: i64 = 2_932_896;

/// Whether a day number is a date of years 1 to 9999.
#[inline]
pub(crate) fn in_years(day: i64) -> bool {
    (FIRST_DAY..=LAST_DAY).contains(&day)
}

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    /// Weeks from Monday to Sunday (pandas' "W", that is "W-SUN").
    Week,
    /// Calendar months.
    Month,
    Hour,
}

impl std::str::FromStr for Unit {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "D" => Ok(Unit::Day),
            "W" => Ok(Unit::Week),
            "M" => Ok(Unit::Month),
            "h" | "H" => Ok(Unit::Hour),
            _ => Err(Error::option(
                "time_unit",
                format!("{s:?}; expected 'D' (days), 'W' (weeks), 'M' (months) or 'h' (hours)"),
            )),
        }
    }
}

impl Unit {
    /// The ordinal of the period holding a naive timestamp of
    /// `ticks_per_day` ticks a day. Consecutive periods have consecutive
    /// ordinals; only differences matter.
    #[inline(always)]
    pub fn period(self, ts: i64, ticks_per_day: i64) -> i64 {
        let day = day_of(ts, ticks_per_day);
        match self {
            Unit::Day => day,
            // 1970-01-01 was a Thursday: day -3 is the Monday of week 0.
            Unit::Week => (day + 3).div_euclid(7),
            Unit::Month => month_of_day(day),
            Unit::Hour if ticks_per_day % 24 == 0 => ts.div_euclid(ticks_per_day / 24),
            Unit::Hour => day * 24,
        }
    }
}

/// The day of a timestamp. The usual units get a constant divisor, which
/// the compiler turns into a multiplication: a division is slow.
#[inline]
fn day_of(ts: i64, ticks_per_day: i64) -> i64 {
    const NS: i64 = 86_400_000_000_000;
    const US: i64 = 86_400_000_000;
    const MS: i64 = 86_400_000;
    const S: i64 = 86_400;
    match ticks_per_day {
        NS => ts.div_euclid(NS),
        US => ts.div_euclid(US),
        MS => ts.div_euclid(MS),
        S => ts.div_euclid(S),
        1 => ts,
        _ => ts.div_euclid(ticks_per_day),
    }
}

/// Months since January 1970 of a day number (days since 1970-01-01), by
/// the civil-from-days algorithm (H. Hinnant): integer arithmetic only.
#[inline]
pub(crate) fn month_of_day(day: i64) -> i64 {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let (month, march_based_year) = if mp < 10 { (mp + 3, 0) } else { (mp - 9, 1) };
    let year = yoe + era * 400 + march_based_year;
    (year - 1970) * 12 + month - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        day_of_date(s.parse().unwrap())
    }

    #[test]
    fn epoch_and_negative_days() {
        assert_eq!(day("1970-01-01"), 0);
        assert_eq!(day("1969-12-31"), -1);
        assert_eq!(format_day(day("2024-02-29")), "2024-02-29");
    }

    #[test]
    fn naive_days_floor_toward_minus_infinity() {
        let ts = [-1, 0, 86_399, 86_400];
        let t = Time::Naive {
            ts: &ts,
            ticks_per_day: 86_400,
        };
        let days: Vec<i64> = (0..4).map(|i| t.day_of(t.pos(i))).collect();
        assert_eq!(days, [-1, 0, 0, 1]);
        assert_eq!(t.start_of(1), 86_400);
        assert_eq!(t.end_of(0), 86_399);
        assert_eq!(t.end_of(i64::MAX), i64::MAX - 1);
    }

    #[test]
    fn windows() {
        let as_of = day("2024-05-31");
        assert_eq!(Window::Days(1).start_day(as_of).unwrap(), as_of - 1);
        assert_eq!(
            Window::Months(3).start_day(as_of).unwrap(),
            day("2024-02-29")
        );
        assert_eq!(
            Window::Months(12).start_day(as_of).unwrap(),
            day("2023-05-31")
        );
        assert!(Window::Days(0).start_day(as_of).is_err());
        assert!(Window::Months(-2).start_day(as_of).is_err());
    }
}
