//! Wall-clock time for the header, without a date crate: the dump must not depend on a
//! time-zone database, and a fatal path should not pull in more code than it needs.

/// Formats milliseconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS.mmm UTC`.
///
/// ```
/// assert_eq!(introspect::render::format_utc(0), "1970-01-01 00:00:00.000 UTC");
/// ```
pub fn format_utc(unix_ms: u64) -> String {
    let days = unix_ms / 86_400_000;
    let ms_of_day = unix_ms % 86_400_000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}.{:03} UTC",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1_000 % 60,
        ms_of_day % 1_000
    )
}

/// Year, month (1-12) and day (1-31) of the proleptic Gregorian calendar, `days` after
/// 1970-01-01. Howard Hinnant's `civil_from_days`, restricted to non-negative days, which lets
/// it use unsigned arithmetic: eras are 400-year cycles (146 097 days), counted from March so
/// that the leap day is the last day of the year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch from 1970-01-01 to 0000-03-01. Cannot overflow: `days` is at most
    // `u64::MAX / 86_400_000`.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let march_month = (5 * day_of_year + 2) / 153; // [0, 11], 0 = March
    let day = day_of_year - (153 * march_month + 2) / 5 + 1;
    let month = if march_month < 10 {
        march_month + 3
    } else {
        march_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00.000 UTC");
    }

    #[test]
    fn known_dates() {
        // Checked with `date -u -d @SECONDS`.
        assert_eq!(format_utc(1_714_566_896_789), "2024-05-01 12:34:56.789 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00:00.000 UTC");
        assert_eq!(format_utc(951_868_799_999), "2000-02-29 23:59:59.999 UTC");
        assert_eq!(format_utc(4_107_542_400_000), "2100-03-01 00:00:00.000 UTC");
        assert_eq!(format_utc(1_704_067_199_000), "2023-12-31 23:59:59.000 UTC");
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        // Walk 1970..2430 day by day: dates must advance by exactly one calendar day.
        let mut previous = civil_from_days(0);
        for days in 1..168_000 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let month_ended = pd == days_in_month(py, pm);
            let next_month = (y, m, d) == (py, pm + 1, 1) && month_ended;
            let next_year = (y, m, d) == (py + 1, 1, 1) && (pm, pd) == (12, 31);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {:?}",
                (y, m, d)
            );
            previous = (y, m, d);
        }
    }

    fn days_in_month(year: u64, month: u64) -> u64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    #[test]
    fn far_future_does_not_panic() {
        assert_eq!(format_utc(u64::MAX), "584556019-04-03 14:25:51.615 UTC");
    }
}
