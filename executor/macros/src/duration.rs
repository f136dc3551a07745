//! The duration grammar of the attributes (`freeze_timeout = "100ms"`), which the runtime is
//! to accept from the environment too.
//!
//! This file uses nothing but `core`, so the runtime can compile the very same file
//! (`#[path = "../macros/src/duration.rs"] mod duration;`) instead of a second parser.
//!
//! # Grammar
//!
//! ```text
//! duration = number unit
//! number   = digits [ "." digits ]
//! digits   = digit { digit }                 ; ASCII `0` to `9`
//! unit     = "ns" | "us" | "ms" | "s" | "m"
//! ```
//!
//! Rules:
//!
//! 1. Nothing else is accepted: no sign, no exponent, no `_` between digits, no whitespace
//!    anywhere (not even around the value), one unit only (`"1s30ms"` is an error), units in
//!    lowercase ASCII (`"us"`, not `"µs"` or `"US"`). A number may start with zeros
//!    (`"007ms"`), and needs digits on both sides of its decimal point (`"0.5s"`, not
//!    `".5s"` nor `"5.s"`).
//! 2. The units are nanoseconds (`ns`), microseconds (`us`), milliseconds (`ms`), seconds
//!    (`s`) and minutes (`m`, 60 seconds).
//! 3. The value is exact, never rounded: the number times the unit must be a whole number of
//!    nanoseconds (`"0.5us"` is 500 ns, `"1.5ns"` is an error), and at most
//!    [`Duration::MAX`].
//! 4. Zero (`"0s"`) parses; each user of a duration decides whether it means anything.

use core::fmt;
use core::time::Duration;

/// The grammar in one phrase, for messages: "expected {GRAMMAR}, such as ...".
pub(crate) const GRAMMAR: &str = "a number followed by a unit (`ns`, `us`, `ms`, `s` or `m`)";

/// Each unit with its length in nanoseconds (rule 2).
const UNITS: [(&str, u64); 5] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
];

/// Units people write that the grammar spells differently, with the spelling it wants.
const MISSPELLED_UNITS: [(&str, &str); 11] = [
    ("µs", "us"),
    ("μs", "us"),
    ("nsec", "ns"),
    ("usec", "us"),
    ("msec", "ms"),
    ("sec", "s"),
    ("secs", "s"),
    ("S", "s"),
    ("MS", "ms"),
    ("min", "m"),
    ("mins", "m"),
];

/// Why a string is not a duration; its `Display` is a lowercase phrase without a final
/// period, to be embedded in a message that names the value and the [`GRAMMAR`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DurationError {
    /// `""`.
    Empty,
    /// `"100 ms"`, `" 1s"` (rule 1).
    Whitespace,
    /// `"-5ms"` (rule 1).
    Negative,
    /// `"ms"`, `".5s"`, `"+5s"`: the value does not start with a digit.
    NoNumber,
    /// `"5.s"`: a decimal point not followed by a digit.
    NoFractionDigits,
    /// `"100"`.
    NoUnit,
    /// `"100h"`, `"100sec"`: the letters after the number are no unit of rule 2.
    UnknownUnit(String),
    /// `"1s30ms"`, `"1.2.3s"`: what follows a complete number and unit, or a number and
    /// something that cannot start a unit.
    Unexpected(String),
    /// `"1.5ns"` (rule 3).
    NotWholeNanoseconds,
    /// More than [`Duration::MAX`] (rule 3).
    TooLarge,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => f.write_str("empty duration"),
            DurationError::Whitespace => f.write_str("a duration cannot contain whitespace"),
            DurationError::Negative => f.write_str("a duration cannot be negative"),
            DurationError::NoNumber => f.write_str("a duration must start with a digit"),
            DurationError::NoFractionDigits => {
                f.write_str("expected a digit after the decimal point")
            }
            DurationError::NoUnit => f.write_str("missing unit"),
            DurationError::UnknownUnit(unit) => write!(f, "unknown unit `{unit}`"),
            DurationError::Unexpected(rest) => write!(f, "unexpected `{rest}`"),
            DurationError::NotWholeNanoseconds => f.write_str("not a whole number of nanoseconds"),
            DurationError::TooLarge => f.write_str("too large for a `std::time::Duration`"),
        }
    }
}

impl DurationError {
    /// Whether the input breaks the grammar itself (rule 1), rather than asking for a value
    /// the grammar allows but a `Duration` cannot be (rule 3): only then does a message need
    /// to repeat the [`GRAMMAR`].
    pub(crate) fn is_syntax(&self) -> bool {
        !matches!(
            self,
            DurationError::NotWholeNanoseconds | DurationError::TooLarge
        )
    }

    /// A correction of `input`, the string that failed with `self`, if it has an obvious one
    /// that parses: `"100 ms"` to `"100ms"`, `"5sec"` to `"5s"`.
    pub(crate) fn suggestion(&self, input: &str) -> Option<String> {
        let fixed = match self {
            DurationError::Whitespace => input.split_whitespace().collect(),
            DurationError::UnknownUnit(unit) => {
                let number = input.strip_suffix(unit.as_str())?;
                let (_, right) = MISSPELLED_UNITS.iter().find(|(wrong, _)| wrong == unit)?;
                format!("{number}{right}")
            }
            _ => return None,
        };
        parse(&fixed).is_ok().then_some(fixed)
    }
}

/// Parses `input` by the grammar of the module docs.
///
/// # Errors
/// The first rule `input` breaks, checked from left to right.
pub(crate) fn parse(input: &str) -> Result<Duration, DurationError> {
    if input.is_empty() {
        return Err(DurationError::Empty);
    }
    if input.contains(char::is_whitespace) {
        return Err(DurationError::Whitespace);
    }
    if input.starts_with('-') {
        return Err(DurationError::Negative);
    }
    let (whole, rest) = split_digits(input);
    if whole.is_empty() {
        return Err(DurationError::NoNumber);
    }
    let (fraction, rest) = match rest.strip_prefix('.') {
        Some(after_point) => match split_digits(after_point) {
            ("", _) => return Err(DurationError::NoFractionDigits),
            (fraction, rest) => (fraction, rest),
        },
        None => ("", rest),
    };
    // The unit is everything up to the next digit or point: `"1s30ms"` has the unit `s`
    // and then `30ms`, `"1.2.3s"` no unit and then `.3s`.
    let unit_len = rest
        .find(|c: char| c.is_ascii_digit() || c == '.')
        .unwrap_or(rest.len());
    let (unit, trailing) = rest.split_at(unit_len);
    if unit.is_empty() && trailing.is_empty() {
        return Err(DurationError::NoUnit);
    }
    if unit.is_empty() {
        return Err(DurationError::Unexpected(trailing.to_owned()));
    }
    let Some(&(_, unit_nanos)) = UNITS.iter().find(|(name, _)| *name == unit) else {
        return Err(DurationError::UnknownUnit(unit.to_owned()));
    };
    if !trailing.is_empty() {
        return Err(DurationError::Unexpected(trailing.to_owned()));
    }
    let nanos = total_nanos(whole, fraction, unit_nanos)?;
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| DurationError::TooLarge)?;
    // The remainder is below 10^9, so it fits.
    let subsec = (nanos % 1_000_000_000) as u32;
    Ok(Duration::new(secs, subsec))
}

/// `s` split after its leading ASCII digits.
fn split_digits(s: &str) -> (&str, &str) {
    s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()))
}

/// `whole.fraction` times `unit_nanos`, exactly (rule 3); both strings are ASCII digits.
///
/// `Duration::MAX` is below 2^64 seconds, about 1.8 * 10^28 ns, so every valid duration fits
/// a `u128` (up to 3.4 * 10^38) with room for the intermediate products.
fn total_nanos(whole: &str, fraction: &str, unit_nanos: u64) -> Result<u128, DurationError> {
    let unit_nanos = u128::from(unit_nanos);
    let whole_nanos = digits_value(whole)
        .and_then(|w| w.checked_mul(unit_nanos))
        .ok_or(DurationError::TooLarge)?;
    // Trailing zeros of the fraction change nothing.
    let fraction = fraction.trim_end_matches('0');
    // `fraction * unit_nanos / 10^len` must be whole. With the last digit not zero,
    // `fraction` is not a multiple of both 2 and 5, so `10^len` divides the product only if
    // `2^len` or `5^len` divides `unit_nanos` (at most 6 * 10^10 = 2^11 * 3 * 5^10): `len` is
    // at most 11. Beyond 18 digits, which could overflow below, it is surely not whole.
    if fraction.len() > 18 {
        return Err(DurationError::NotWholeNanoseconds);
    }
    let scale = 10u128.pow(fraction.len() as u32);
    // At most 18 digits: below 10^18, and times `unit_nanos` below 6 * 10^28.
    let scaled = digits_value(fraction).ok_or(DurationError::TooLarge)? * unit_nanos;
    if scaled % scale != 0 {
        return Err(DurationError::NotWholeNanoseconds);
    }
    whole_nanos
        .checked_add(scaled / scale)
        .ok_or(DurationError::TooLarge)
}

/// The value of a string of ASCII digits; `None` if it does not fit a `u128`.
fn digits_value(digits: &str) -> Option<u128> {
    digits.bytes().try_fold(0u128, |value, digit| {
        value.checked_mul(10)?.checked_add(u128::from(digit - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> Duration {
        parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    fn err(input: &str) -> DurationError {
        parse(input).expect_err(input)
    }

    #[test]
    fn every_unit() {
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
        assert_eq!(ok("7us"), Duration::from_micros(7));
        assert_eq!(ok("7ms"), Duration::from_millis(7));
        assert_eq!(ok("7s"), Duration::from_secs(7));
        assert_eq!(ok("7m"), Duration::from_secs(7 * 60));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok("0.5us"), Duration::from_nanos(500));
        assert_eq!(ok("0.25m"), Duration::from_secs(15));
        assert_eq!(ok("2.000000001s"), Duration::new(2, 1));
        assert_eq!(ok("1.0ns"), Duration::from_nanos(1));
        // Trailing zeros are free, however many.
        assert_eq!(
            ok("1.500000000000000000000000000000s"),
            Duration::from_millis(1500)
        );
        assert_eq!(ok("0.00000000005m"), Duration::from_nanos(3));
        assert_eq!(err("0.00000000001m"), DurationError::NotWholeNanoseconds);
        assert_eq!(err("1.5ns"), DurationError::NotWholeNanoseconds);
        assert_eq!(err("0.0000000001s"), DurationError::NotWholeNanoseconds);
        assert_eq!(
            err("0.0000000000000000000000000001s"),
            DurationError::NotWholeNanoseconds
        );
    }

    #[test]
    fn zero_and_leading_zeros() {
        assert_eq!(ok("0s"), Duration::ZERO);
        assert_eq!(ok("0.0ms"), Duration::ZERO);
        assert_eq!(ok("007ms"), Duration::from_millis(7));
        assert_eq!(
            ok("0000000000000000000000000000000000000000001ns"),
            Duration::from_nanos(1)
        );
    }

    #[test]
    fn limits() {
        let max = Duration::MAX;
        let max_text = format!("{}.{:09}s", max.as_secs(), max.subsec_nanos());
        assert_eq!(ok(&max_text), max);
        assert_eq!(ok(&format!("{}ns", max.as_nanos())), max);
        let over = format!("{}ns", max.as_nanos() + 1);
        assert_eq!(err(&over), DurationError::TooLarge);
        assert_eq!(err(&format!("{}m", u64::MAX)), DurationError::TooLarge);
        assert_eq!(err(&format!("{}0ns", u128::MAX)), DurationError::TooLarge);
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(err(""), DurationError::Empty);
        assert_eq!(err("100 ms"), DurationError::Whitespace);
        assert_eq!(err(" 1s"), DurationError::Whitespace);
        assert_eq!(err("1s\n"), DurationError::Whitespace);
        assert_eq!(err("-5ms"), DurationError::Negative);
        assert_eq!(err("+5ms"), DurationError::NoNumber);
        assert_eq!(err("ms"), DurationError::NoNumber);
        assert_eq!(err(".5s"), DurationError::NoNumber);
        assert_eq!(err("5.s"), DurationError::NoFractionDigits);
        assert_eq!(err("5."), DurationError::NoFractionDigits);
        assert_eq!(err("100"), DurationError::NoUnit);
        assert_eq!(err("1.5"), DurationError::NoUnit);
        assert_eq!(err("1e3ms"), DurationError::UnknownUnit("e".to_owned()));
        assert_eq!(err("1_000ms"), DurationError::UnknownUnit("_".to_owned()));
        assert_eq!(err("2h"), DurationError::UnknownUnit("h".to_owned()));
        assert_eq!(err("5µs"), DurationError::UnknownUnit("µs".to_owned()));
        assert_eq!(err("1s30ms"), DurationError::Unexpected("30ms".to_owned()));
        assert_eq!(err("1.2.3s"), DurationError::Unexpected(".3s".to_owned()));
    }

    #[test]
    fn suggestions() {
        let fix = |input: &str| err(input).suggestion(input);
        assert_eq!(fix("100 ms").as_deref(), Some("100ms"));
        assert_eq!(fix(" 1.5s\t").as_deref(), Some("1.5s"));
        assert_eq!(fix("5sec").as_deref(), Some("5s"));
        assert_eq!(fix("2.5µs").as_deref(), Some("2.5us"));
        assert_eq!(fix("1 min").as_deref(), None);
        assert_eq!(fix("1 h"), None);
        assert_eq!(fix("5h"), None);
        assert_eq!(fix("-5ms"), None);
    }

    #[test]
    fn messages() {
        assert_eq!(err("5h").to_string(), "unknown unit `h`");
        assert_eq!(err("1s1s").to_string(), "unexpected `1s`");
        for input in [
            "",
            " ",
            "-1s",
            "s",
            "1.s",
            "1",
            "1h",
            "1s1",
            "1.5ns",
            "99999999999999999999999m",
        ] {
            let message = err(input).to_string();
            let first = message.chars().next().unwrap();
            assert!(
                !first.is_uppercase() && !message.ends_with('.'),
                "{message}"
            );
        }
        for (unit, _) in UNITS {
            assert!(GRAMMAR.contains(&format!("`{unit}`")), "{unit}");
        }
    }
}
