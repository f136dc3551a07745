//! Escaping and bounding of user text: task names, fatal messages, thread names, trace lines,
//! file paths.
//!
//! A dump is read by people in a terminal and by tools line by line, so user text must never
//! add, hide, overwrite or reorder a line. The rules, each one needed for that guarantee:
//!
//! 1. Every char that moves the cursor or changes how a terminal or editor lays out text is
//!    written as an escape: `\n`, `\r`, `\t`, and `\u{..}` (lowercase hex) for the other control
//!    chars (C0, DEL and C1; ESC is C0, so no ANSI sequence survives), the bidi controls, the
//!    line and paragraph separators, and the invisible format chars (see [`is_hidden`]).
//! 2. `\` is always written `\\`, so every backslash sequence in the output is ours.
//! 3. Inside quotes, `"` is written `\"`, so the closing quote is always ours.
//! 4. Text is bounded in chars *before* escaping, at a limit that depends on what it is. The
//!    cut is marked `…(+N bytes)`, `N` counting the raw bytes left out; for quoted text the
//!    marker follows the closing quote, so it cannot be mistaken for part of the name.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Longest task, thread or signal name kept, in chars.
pub const NAME_LIMIT: usize = 256;

/// Longest fatal message kept, in chars.
pub const MESSAGE_LIMIT: usize = 4096;

/// Longest single line kept (a trace line, a backtrace line, a path, a location), in chars.
pub const LINE_LIMIT: usize = 1024;

/// Most lines kept from a multi-line text (an await trace or a backtrace).
pub const LINES_LIMIT: usize = 256;

/// Cuts `text` after `limit` chars, appending the `…(+N bytes)` marker if anything was cut.
///
/// Used where the raw text is kept (JSON): the marker is then part of the string.
pub fn bound(text: &str, limit: usize) -> Cow<'_, str> {
    let (kept, omitted) = split(text, limit);
    if omitted == 0 {
        Cow::Borrowed(text)
    } else {
        let mut out = kept.to_owned();
        push_marker(&mut out, omitted);
        Cow::Owned(out)
    }
}

/// Bounds `text` to `limit` chars and escapes it for a line of a text dump (not quoted).
pub fn escape(text: &str, limit: usize) -> String {
    let (kept, omitted) = split(text, limit);
    let mut out = String::with_capacity(kept.len());
    for c in kept.chars() {
        push_escaped(&mut out, c, false);
    }
    push_marker(&mut out, omitted);
    out
}

/// Bounds `text` to `limit` chars, escapes it and puts it in double quotes.
pub fn quote(text: &str, limit: usize) -> String {
    let (kept, omitted) = split(text, limit);
    let mut out = String::with_capacity(kept.len() + 2);
    out.push('"');
    for c in kept.chars() {
        push_escaped(&mut out, c, true);
    }
    out.push('"');
    push_marker(&mut out, omitted);
    out
}

/// `task 6 "parser"`, or `task 6` for an unnamed task: how dumps, warnings and errors name a
/// task, the name bounded and escaped.
///
/// ```
/// use introspect::{task_label, TaskId};
/// assert_eq!(task_label(TaskId(6), Some("par\nser")), r#"task 6 "par\nser""#);
/// assert_eq!(task_label(TaskId(6), None), "task 6");
/// ```
pub fn task_label(id: crate::TaskId, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("task {id} {}", quote(name, NAME_LIMIT)),
        None => format!("task {id}"),
    }
}

/// Quotes `text` in at most `width` chars (at least 3), for a table cell: when the quoted text
/// is too wide it is cut at an escape boundary and followed by `…`.
pub(crate) fn quote_cell(text: &str, width: usize) -> String {
    let full = quote(text, NAME_LIMIT);
    if full.chars().count() <= width {
        return full;
    }
    // Room for the text between the quotes, keeping one char for the `…`.
    let budget = width.saturating_sub(3);
    let mut out = String::from("\"");
    let mut used = 0;
    let mut piece = String::new();
    for c in text.chars() {
        piece.clear();
        push_escaped(&mut piece, c, true);
        let len = piece.chars().count();
        if used + len > budget {
            break;
        }
        out.push_str(&piece);
        used += len;
    }
    out.push_str("\"…");
    out
}

/// Keeps at most [`LINES_LIMIT`] items; returns them and how many were left out.
pub(crate) fn bound_lines<T>(lines: &[T]) -> (&[T], usize) {
    let kept = lines.len().min(LINES_LIMIT);
    (&lines[..kept], lines.len() - kept)
}

/// The line that stands for `omitted` lines cut by [`bound_lines`].
pub(crate) fn lines_marker(omitted: usize) -> String {
    format!("…(+{omitted} lines)")
}

/// `true` for the chars that rule 1 escapes.
pub fn is_hidden(c: char) -> bool {
    // `is_control` is exactly the Cc category: C0 (with ESC), DEL and C1 (with CSI, U+009B).
    c.is_control()
        || matches!(
            c,
            // Soft hyphen and Arabic letter mark: invisible, the latter a bidi mark.
            '\u{ad}' | '\u{61c}'
            // Mongolian vowel separator, zero-width space/joiners, LRM and RLM.
            | '\u{180e}' | '\u{200b}'..='\u{200f}'
            // Line and paragraph separators, bidi embeddings and overrides (LRE..RLO).
            | '\u{2028}'..='\u{202e}'
            // Word joiner, invisible operators, bidi isolates (LRI..PDI), deprecated formats.
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}'
            // Byte order mark / zero-width no-break space, interlinear annotations.
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
            // Tag chars: invisible, and used to smuggle text past human readers.
            | '\u{e0000}'..='\u{e007f}'
        )
}

/// Splits `text` after `limit` chars: the kept prefix and how many bytes were left out.
fn split(text: &str, limit: usize) -> (&str, usize) {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => (&text[..cut], text.len() - cut),
        None => (text, 0),
    }
}

fn push_marker(out: &mut String, omitted: usize) {
    if omitted > 0 {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "…(+{omitted} bytes)");
    }
}

fn push_escaped(out: &mut String, c: char, quoted: bool) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        '"' if quoted => out.push_str("\\\""),
        c if is_hidden(c) => {
            // Writing to a `String` cannot fail.
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(
            escape("accept-loop 42 é 日本", NAME_LIMIT),
            "accept-loop 42 é 日本"
        );
        assert_eq!(quote("conn", NAME_LIMIT), "\"conn\"");
    }

    #[test]
    fn line_breaks_and_tabs() {
        assert_eq!(escape("a\nb\rc\td", 100), "a\\nb\\rc\\td");
    }

    #[test]
    fn control_chars_c0_del_c1() {
        assert_eq!(
            escape("\0\x07\x1b[2J\x7f", 100),
            "\\u{0}\\u{7}\\u{1b}[2J\\u{7f}"
        );
        assert_eq!(escape("\u{85}\u{9b}31m", 100), "\\u{85}\\u{9b}31m");
    }

    #[test]
    fn bidi_separators_and_invisibles() {
        assert_eq!(escape("\u{202e}abc\u{202c}", 100), "\\u{202e}abc\\u{202c}");
        assert_eq!(escape("\u{2066}x\u{2069}", 100), "\\u{2066}x\\u{2069}");
        assert_eq!(escape("a\u{2028}b\u{2029}c", 100), "a\\u{2028}b\\u{2029}c");
        assert_eq!(
            escape("\u{200b}\u{feff}\u{e0041}", 100),
            "\\u{200b}\\u{feff}\\u{e0041}"
        );
    }

    #[test]
    fn backslash_always_quote_only_when_quoted() {
        assert_eq!(escape(r#"a\n"b""#, 100), r#"a\\n"b""#);
        assert_eq!(quote(r#"a\n"b""#, 100), r#""a\\n\"b\"""#);
    }

    #[test]
    fn bounds_count_chars_and_report_bytes() {
        assert_eq!(escape("abcdef", 3), "abc…(+3 bytes)");
        assert_eq!(escape("ééé", 1), "é…(+4 bytes)");
        assert_eq!(quote("abcdef", 3), "\"abc\"…(+3 bytes)");
        assert_eq!(bound("abcdef", 6), "abcdef");
        assert_eq!(bound("abcdef", 2), "ab…(+4 bytes)");
        assert_eq!(escape("", 0), "");
        assert_eq!(escape("a", 0), "…(+1 bytes)");
    }

    #[test]
    fn bound_happens_before_escaping() {
        // Escapes never get cut in half by the bound.
        assert_eq!(escape("\n\n\n", 2), "\\n\\n…(+1 bytes)");
    }

    #[test]
    fn cells_cut_at_escape_boundaries() {
        assert_eq!(quote_cell("short", 32), "\"short\"");
        assert_eq!(quote_cell("abcdefghij", 8), "\"abcde\"…");
        assert_eq!(quote_cell("abcd\nefgh", 8), "\"abcd\"…");
        assert_eq!(quote_cell("ab\ncdefgh", 8), "\"ab\\nc\"…");
        assert_eq!(quote_cell("a\u{1b}bcdefgh", 8), "\"a\"…");
        assert_eq!(quote_cell("abcdefghij", 0), "\"\"…");
        let cell = quote_cell(&"x".repeat(10_000), 32);
        assert_eq!(cell.chars().count(), 32);
    }

    #[test]
    fn line_bounds() {
        let lines: Vec<u32> = (0..300).collect();
        let (kept, omitted) = bound_lines(&lines);
        assert_eq!((kept.len(), omitted), (LINES_LIMIT, 44));
        assert_eq!(lines_marker(44), "…(+44 lines)");
    }
}
