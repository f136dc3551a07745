//! Serde glue for [`Duration`] fields: a duration is a JSON integer of **nanoseconds**.
//!
//! Integers keep the full resolution of a `Duration` and compare exactly. A duration too long
//! for a `u64` of nanoseconds (over 584 years) saturates at `u64::MAX` rather than failing the
//! whole dump.

use serde::Serializer;
use std::time::Duration;

/// Serializes `duration` as whole nanoseconds.
pub(crate) fn serialize<S: Serializer>(
    duration: &Duration,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(nanos(*duration))
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The same for `Option<Duration>`: `null` or whole nanoseconds.
pub(crate) mod option {
    use serde::Serializer;
    use std::time::Duration;

    /// Serializes `duration` as `null` or whole nanoseconds.
    pub(crate) fn serialize<S: Serializer>(
        duration: &Option<Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_some(&super::nanos(*duration)),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use std::time::Duration;

    #[derive(Serialize)]
    struct Sample {
        #[serde(with = "super")]
        busy: Duration,
        #[serde(with = "super::option")]
        running_for: Option<Duration>,
    }

    fn json(busy: Duration, running_for: Option<Duration>) -> String {
        serde_json::to_string(&Sample { busy, running_for }).unwrap()
    }

    #[test]
    fn nanoseconds_as_integers() {
        assert_eq!(
            json(Duration::from_micros(1_500), Some(Duration::from_nanos(7))),
            r#"{"busy":1500000,"running_for":7}"#
        );
        assert_eq!(
            json(Duration::ZERO, None),
            r#"{"busy":0,"running_for":null}"#
        );
    }

    #[test]
    fn saturates_instead_of_failing() {
        assert_eq!(
            json(Duration::MAX, Some(Duration::MAX)),
            r#"{"busy":18446744073709551615,"running_for":18446744073709551615}"#
        );
    }
}
