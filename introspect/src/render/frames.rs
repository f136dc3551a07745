//! Frame lines, shared by await traces, native stacks and the fatal thread backtrace.
//!
//! 1. A frame reads `at src/ledger.rs:41:32 in ledger::settle`: the location first, because it
//!    is what a reader opens; `in ledger::settle` alone when symbolication found no file.
//! 2. A run of consecutive runtime frames (the runtime's own, std's, thread start-up) folds into
//!    one `(N runtime frames)` line, even a run of one, so the runtime is never what a reader
//!    has to scroll past. A user frame is never folded, so a user frame between two runtime
//!    runs stays visible between two fold lines. The JSON keeps every frame.
//! 3. A trailing `::{{closure}}` (how an async fn's body is named in a backtrace) is dropped
//!    from the function name: `ledger::settle::{{closure}}` reads `ledger::settle`; the
//!    location still says exactly where. The JSON keeps the name as it was captured.
//! 4. Function names and files are escaped and bounded; the list of lines is bounded at
//!    [`LINES_LIMIT`](crate::LINES_LIMIT) and ends with a `…(+N lines)` line when cut.
//! 5. In a native stack (innermost first), the run above the first user frame is what that
//!    frame called and is blocked or spinning in: its fold line names the function the user
//!    frame entered it through, `(4 runtime frames, entered through std::thread::sleep)`.

use crate::escape::{bound_lines, escape, lines_marker, LINE_LIMIT};
use crate::model::Frame;

/// A frame list after folding: the user frames, each with its index in the original list, and
/// the runs of runtime frames between them.
pub(super) enum Folded<'a> {
    /// A frame shown on its own line, and its original index.
    Shown(usize, &'a Frame),
    /// A run of this many runtime frames.
    Runtime(usize),
}

/// Folds runs of runtime frames (rule 2), keeping the order of `frames`.
pub(super) fn fold(frames: &[Frame]) -> Vec<Folded<'_>> {
    let mut out = Vec::new();
    for (index, frame) in frames.iter().enumerate() {
        match (frame.runtime, out.last_mut()) {
            (true, Some(Folded::Runtime(run))) => *run += 1,
            (true, _) => out.push(Folded::Runtime(1)),
            (false, _) => out.push(Folded::Shown(index, frame)),
        }
    }
    out
}

/// The lines of a trace or a stack (rules 1 to 4), each without indentation or newline.
pub(super) fn lines(frames: &[Frame]) -> Vec<String> {
    render(frames, false)
}

/// [`lines`] for a native stack, innermost first (rule 5).
pub(super) fn stack_lines(frames: &[Frame]) -> Vec<String> {
    render(frames, true)
}

/// Rules 1 to 4, and rule 5 for a native `stack`.
fn render(frames: &[Frame], stack: bool) -> Vec<String> {
    let folded = fold(frames);
    let (kept, omitted) = bound_lines(&folded);
    let mut out: Vec<String> = kept
        .iter()
        .map(|item| match item {
            Folded::Shown(_, frame) => match location(frame) {
                Some(location) => format!("at {location} in {}", function(&frame.function)),
                None => format!("in {}", function(&frame.function)),
            },
            Folded::Runtime(run) => runtime_run(*run),
        })
        .collect();
    // `out[0]` exists: the first entry is always kept.
    if let (true, [Folded::Runtime(run), Folded::Shown(..), ..]) = (stack, folded.as_slice()) {
        let entered = function(&frames[*run - 1].function);
        out[0] = format!("({}, entered through {entered})", runtime_frames(*run));
    }
    if omitted > 0 {
        out.push(lines_marker(omitted));
    }
    out
}

/// `(3 runtime frames)`.
pub(super) fn runtime_run(run: usize) -> String {
    format!("({})", runtime_frames(run))
}

/// `3 runtime frames`, `1 runtime frame`.
fn runtime_frames(run: usize) -> String {
    if run == 1 {
        "1 runtime frame".to_owned()
    } else {
        format!("{run} runtime frames")
    }
}

/// `file:line:column`, `file:line` or `file`, escaped; `None` without a file.
pub(super) fn location(frame: &Frame) -> Option<String> {
    let file = escape(frame.file.as_deref()?, LINE_LIMIT);
    Some(match (frame.line, frame.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        (None, _) => file,
    })
}

/// The function name as a reader wants it (rule 3), escaped; `<unknown>` when empty.
pub(super) fn function(name: &str) -> String {
    let mut name = name;
    while let Some(outer) = name.strip_suffix("::{{closure}}") {
        name = outer;
    }
    if name.is_empty() {
        "<unknown>".to_owned()
    } else {
        escape(name, LINE_LIMIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, runtime: bool) -> Frame {
        Frame {
            function: function.to_owned(),
            file: Some("src/a.rs".to_owned()),
            line: Some(3),
            column: Some(9),
            runtime,
        }
    }

    #[test]
    fn folds_runtime_runs_and_keeps_user_frames_between_them() {
        let frames = [
            frame("rt::a", true),
            frame("rt::b", true),
            frame("app::f::{{closure}}", false),
            frame("rt::c", true),
            frame("app::g", false),
            frame("rt::d", true),
            frame("rt::e", true),
            frame("rt::f", true),
        ];
        assert_eq!(
            lines(&frames),
            [
                "(2 runtime frames)",
                "at src/a.rs:3:9 in app::f",
                "(1 runtime frame)",
                "at src/a.rs:3:9 in app::g",
                "(3 runtime frames)",
            ]
        );
    }

    #[test]
    fn a_stack_names_the_call_its_first_user_frame_is_blocked_in() {
        let frames = [
            frame("__GI___clock_nanosleep", true),
            frame("std::sys::pal::unix::thread::Thread::sleep", true),
            frame("std::thread::sleep", true),
            frame("app::compress::{{closure}}", false),
            frame("rt::poll", true),
        ];
        assert_eq!(
            stack_lines(&frames),
            [
                "(3 runtime frames, entered through std::thread::sleep)",
                "at src/a.rs:3:9 in app::compress",
                "(1 runtime frame)",
            ]
        );
        // Only above a user frame: a stack of runtime frames alone says nothing more.
        assert_eq!(stack_lines(&frames[..3]), ["(3 runtime frames)"]);
        // And traces (outermost first) never do it.
        assert_eq!(lines(&frames)[0], "(3 runtime frames)");
    }

    #[test]
    fn partial_locations() {
        let mut f = frame("app::h::{{closure}}::{{closure}}", false);
        f.column = None;
        assert_eq!(lines(std::slice::from_ref(&f)), ["at src/a.rs:3 in app::h"]);
        f.line = None;
        assert_eq!(lines(std::slice::from_ref(&f)), ["at src/a.rs in app::h"]);
        f.file = None;
        f.function = String::new();
        assert_eq!(lines(std::slice::from_ref(&f)), ["in <unknown>"]);
    }

    #[test]
    fn long_lists_are_bounded_after_folding() {
        let mut frames: Vec<Frame> = (0..300)
            .map(|i| frame(&format!("app::f{i}"), false))
            .collect();
        frames.extend((0..1_000).map(|_| frame("rt", true)));
        let out = lines(&frames);
        assert_eq!(out.len(), crate::LINES_LIMIT + 1);
        assert_eq!(out.last().unwrap(), "…(+45 lines)");
    }
}
