//! Masking the numbers out of names and wait texts, so that `conn-41` and `conn-42`, or
//! `sleep (1.2s left)` and `sleep (840ms left)`, are recognised as the same kind of task.
//!
//! `#` stands for "some number" in both: a name's digit runs become `#` (`conn-42` ->
//! `conn-#`), and in a wait text every number, with its duration unit if it has one, becomes
//! `#` (`sleep (1.2s left)` -> `sleep (# left)`, `3m12s` -> `#`). An id already written `#4`
//! becomes `#`, not `##`: `mutex #4 lock` -> `mutex # lock`.

/// A task name with its digit runs replaced by `#`.
pub(super) fn name_pattern(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_digits = false;
    for c in name.chars() {
        if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
    out
}

/// Duration units, longest first so that `ms` wins over `m`.
const UNITS: [&str; 9] = ["ns", "µs", "μs", "us", "ms", "s", "m", "h", "d"];

/// A wait text with its numbers and durations replaced by `#`.
pub(super) fn wait_pattern(what: &str) -> String {
    let mut out = String::with_capacity(what.len());
    let mut rest = what;
    while let Some(c) = rest.chars().next() {
        if !c.is_ascii_digit() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        rest = skip_quantity(rest);
        if !out.ends_with('#') {
            out.push('#');
        }
    }
    out
}

/// Skips a number (`12`, `1.25`, `10,000`) and, if it is a duration, its unit and the parts
/// that follow it (`3m12s`).
fn skip_quantity(mut text: &str) -> &str {
    loop {
        text = skip_number(text);
        let Some(after_unit) = UNITS.iter().find_map(|unit| text.strip_prefix(unit)) else {
            return text;
        };
        // A unit is only a unit when a word does not go on: `5s left`, not `5 sheep`/`5sheep`.
        match after_unit.chars().next() {
            Some(c) if c.is_alphabetic() => return text,
            Some(c) if c.is_ascii_digit() => text = after_unit,
            _ => return after_unit,
        }
    }
}

/// Skips digits, and `.` or `,` between digits.
fn skip_number(text: &str) -> &str {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let digit_follows = bytes.get(end + 1).is_some_and(u8::is_ascii_digit);
        match bytes[end] {
            b'0'..=b'9' => end += 1,
            b'.' | b',' if end > 0 && digit_follows => end += 1,
            _ => break,
        }
    }
    &text[end..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(name_pattern("conn-42"), "conn-#");
        assert_eq!(name_pattern("conn-42/7"), "conn-#/#");
        assert_eq!(name_pattern("worker"), "worker");
        assert_eq!(name_pattern("v1.25"), "v#.#");
        assert_eq!(name_pattern(""), "");
        assert_eq!(name_pattern("٣"), "٣", "only ASCII digits are digits here");
    }

    #[test]
    fn waits() {
        assert_eq!(wait_pattern("mutex #4 lock"), "mutex # lock");
        assert_eq!(wait_pattern("sleep (1.2s left)"), "sleep (# left)");
        assert_eq!(wait_pattern("sleep (840ms left)"), "sleep (# left)");
        assert_eq!(wait_pattern("sleep (3m12s left)"), "sleep (# left)");
        assert_eq!(wait_pattern("sleep (12.3µs left)"), "sleep (# left)");
        assert_eq!(
            wait_pattern("semaphore #2 acquire (0 of 8 permits)"),
            "semaphore # acquire (# of # permits)"
        );
        assert_eq!(wait_pattern("join task 9"), "join task #");
        assert_eq!(
            wait_pattern("mpsc #3 recv (10,000 queued)"),
            "mpsc # recv (# queued)"
        );
        assert_eq!(wait_pattern("5 sheep, 5sheep."), "# sheep, #sheep.");
        assert_eq!(wait_pattern("end 7."), "end #.");
        assert_eq!(wait_pattern("#"), "#");
    }
}
