//! Short human durations, in the style of tokio-console.
//!
//! The rule: below a minute, three significant digits in the largest unit that keeps the
//! integer part non-zero (`850ns`, `1.23µs`, `12.3ms`, `310ms`, `2.10s`, `59.9s`); from a minute
//! on, two units (`3m12s`, `1h02m`, `2d05h`). Digits are truncated, never rounded, so a value is
//! never shown in a unit it has not reached (999.9µs is `999µs`, not `1000µs`).

use std::fmt;
use std::time::Duration;

/// A [`Duration`] that displays as a short human string, e.g. `12.3ms` or `3m12s`.
///
/// ```
/// use std::time::Duration;
/// use introspect::HumanDuration;
///
/// assert_eq!(HumanDuration(Duration::from_micros(12_345)).to_string(), "12.3ms");
/// assert_eq!(HumanDuration(Duration::from_secs(192)).to_string(), "3m12s");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

const MICRO: u128 = 1_000;
const MILLI: u128 = 1_000_000;
const SECOND: u128 = 1_000_000_000;

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos();
        if nanos < MICRO {
            return write!(f, "{nanos}ns");
        }
        if nanos < MILLI {
            return significant(f, nanos, MICRO, "µs");
        }
        if nanos < SECOND {
            return significant(f, nanos, MILLI, "ms");
        }
        if nanos < 60 * SECOND {
            return significant(f, nanos, SECOND, "s");
        }
        let secs = self.0.as_secs();
        let (mins, hours, days) = (secs / 60, secs / 3600, secs / 86_400);
        if hours == 0 {
            write!(f, "{mins}m{:02}s", secs % 60)
        } else if days == 0 {
            write!(f, "{hours}h{:02}m", mins % 60)
        } else {
            write!(f, "{days}d{:02}h", hours % 24)
        }
    }
}

/// Writes `nanos` in `unit` (which it is at least 1 and less than 1000 of) with three significant
/// digits.
fn significant(f: &mut fmt::Formatter<'_>, nanos: u128, unit: u128, suffix: &str) -> fmt::Result {
    let whole = nanos / unit;
    let rest = nanos % unit;
    if whole < 10 {
        write!(f, "{whole}.{:02}{suffix}", rest / (unit / 100))
    } else if whole < 100 {
        write!(f, "{whole}.{}{suffix}", rest / (unit / 10))
    } else {
        write!(f, "{whole}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(d: Duration) -> String {
        HumanDuration(d).to_string()
    }

    #[test]
    fn nanoseconds() {
        assert_eq!(human(Duration::ZERO), "0ns");
        assert_eq!(human(Duration::from_nanos(1)), "1ns");
        assert_eq!(human(Duration::from_nanos(850)), "850ns");
        assert_eq!(human(Duration::from_nanos(999)), "999ns");
    }

    #[test]
    fn three_significant_digits() {
        assert_eq!(human(Duration::from_nanos(1_000)), "1.00µs");
        assert_eq!(human(Duration::from_nanos(1_234)), "1.23µs");
        assert_eq!(human(Duration::from_nanos(12_345)), "12.3µs");
        assert_eq!(human(Duration::from_micros(310)), "310µs");
        assert_eq!(human(Duration::from_micros(12_300)), "12.3ms");
        assert_eq!(human(Duration::from_micros(5_000)), "5.00ms");
        assert_eq!(human(Duration::from_millis(2_100)), "2.10s");
        assert_eq!(human(Duration::from_millis(59_999)), "59.9s");
    }

    #[test]
    fn truncates_instead_of_rolling_over() {
        assert_eq!(human(Duration::from_nanos(999_999)), "999µs");
        assert_eq!(human(Duration::from_nanos(9_999_999)), "9.99ms");
        assert_eq!(human(Duration::from_nanos(59_999_999_999)), "59.9s");
    }

    #[test]
    fn two_units_from_a_minute_on() {
        assert_eq!(human(Duration::from_secs(60)), "1m00s");
        assert_eq!(human(Duration::from_secs(192)), "3m12s");
        assert_eq!(human(Duration::from_secs(3_599)), "59m59s");
        assert_eq!(human(Duration::from_secs(3_720)), "1h02m");
        assert_eq!(human(Duration::from_secs(86_399)), "23h59m");
        assert_eq!(human(Duration::from_secs(2 * 86_400 + 5 * 3600)), "2d05h");
    }

    #[test]
    fn extremes_do_not_panic() {
        assert_eq!(human(Duration::MAX), "213503982334601d07h");
    }
}
