//! The JSON dump: the snapshot as data, for tools. The schema (v2) is documented in the crate
//! docs; the document types in [`document`], [`task`] and [`resource`] spell it out field by
//! field, in schema order, with units in the names (`busy_ns`).
//!
//! The JSON keeps every task, resource, deadlock and frame: grouping, folding and
//! `EXECUTOR_TRACEBACK` only shape the text dump. Strings are raw (not escaped the way the text
//! dump escapes them) but bounded like the text dump bounds them, so both carry the same
//! information.

mod document;
mod resource;
mod task;

use crate::escape::is_hidden;
use crate::model::Snapshot;
use document::Document;
use serde_json::Value;
use std::fmt::Write as _;
use std::time::Duration;

/// The version of the JSON schema; bumped on any change a reader could notice.
pub const SCHEMA_VERSION: u32 = 2;

/// The snapshot as a JSON value (see the crate docs for the schema).
pub fn to_json_value(snapshot: &Snapshot) -> Value {
    serde_json::to_value(Document::new(snapshot)).unwrap_or_else(|err| failed(&err))
}

/// The snapshot as pretty-printed JSON, without a final newline.
///
/// Besides what JSON requires, the chars that the text dump escapes (DEL, C1 controls, bidi
/// controls, line separators, invisible chars) are written as `\u` escapes: the same strings
/// to a parser, but a person who `cat`s the file sees exactly what is there.
pub fn json(snapshot: &Snapshot) -> String {
    let text = serde_json::to_string_pretty(&Document::new(snapshot))
        .unwrap_or_else(|err| failed(&err).to_string());
    escape_hidden(&text)
}

/// What is written if serialization fails. It cannot with these types (no maps, no fallible
/// `Serialize`), but a dump path must not panic, so the failure is reported as data.
fn failed(err: &serde_json::Error) -> Value {
    serde_json::json!({ "schema_version": SCHEMA_VERSION, "error": err.to_string() })
}

/// A duration as whole nanoseconds: integers keep a `Duration`'s full resolution and compare
/// exactly. Over 584 years saturates at `u64::MAX` rather than failing the whole dump.
fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// Writes the hidden chars that JSON allows raw as `\u` escapes (UTF-16 units, as JSON wants).
/// C0 controls never reach here raw inside strings (serde_json escapes them), and the only raw
/// control outside strings is the pretty printer's `\n`, which is kept.
fn escape_hidden(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_hidden(c) && u32::from(c) >= 0x7f {
            let mut units = [0; 2];
            for unit in c.encode_utf16(&mut units) {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape_hidden, nanos};
    use std::time::Duration;

    #[test]
    fn hidden_chars_become_json_escapes() {
        assert_eq!(
            escape_hidden("\"a\u{202e}b\u{7f}\u{9b}\""),
            r#""a\u202eb\u007f\u009b""#
        );
        assert_eq!(escape_hidden("\"\u{e0041}\""), r#""\udb40\udc41""#);
        assert_eq!(escape_hidden("{\n  \"é\"\n}"), "{\n  \"é\"\n}");
    }

    #[test]
    fn durations_are_saturating_nanoseconds() {
        assert_eq!(nanos(Duration::from_micros(1_500)), 1_500_000);
        assert_eq!(nanos(Duration::ZERO), 0);
        assert_eq!(nanos(Duration::MAX), u64::MAX);
    }
}
