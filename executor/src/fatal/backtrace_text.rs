//! The fatal thread's backtrace as the dump shows it: the user's frames, not the machinery.

use std::fmt::Write;

/// Frames above the user's code: the panic machinery (the hook included), backtrace
/// capture, the fatal path.
const LEADING: &[&str] = &[
    "backtrace::",
    "executor::fatal::",
    "std::panicking::",
    "core::panicking::",
    "std::panic::",
    "core::panic::",
    "__rustc::",
    "rust_begin_unwind",
    "std::sys::backtrace::__rust_end_short_backtrace",
    "<alloc::boxed::Box<dyn for<'a, 'b> core::ops::function::Fn<(&'a std::panic::PanicHookInfo",
];

/// The first frame of the runtime below the user's poll (or of a thread's start-up below
/// its closure): everything from here down is the same in every dump.
const RUNTIME: &[&str] = &[
    "<executor::task::harness::Harness<F> as core::future::future::Future>::poll",
    "executor::block_on::block_on",
    "std::sys::backtrace::__rust_begin_short_backtrace",
];

/// Formats `bt` (resolving it) without the leading machinery frames and with the runtime's
/// frames below the task's poll folded into one line.
pub(crate) fn format(mut bt: backtrace::Backtrace) -> String {
    bt.resolve();
    // Paths relative to the working directory, as the compiler prints them.
    let cwd = std::env::current_dir().ok();
    let mut frames: Vec<(String, Option<String>)> = Vec::new();
    for frame in bt.frames() {
        for symbol in frame.symbols() {
            let name = symbol
                .name()
                .map_or_else(|| "<unknown>".to_owned(), |n| format!("{n:#}"));
            let at = symbol.filename().map(|f| {
                let f = cwd
                    .as_deref()
                    .and_then(|cwd| f.strip_prefix(cwd).ok())
                    .unwrap_or(f);
                format!(
                    "{}:{}:{}",
                    f.display(),
                    symbol.lineno().unwrap_or(0),
                    symbol.colno().unwrap_or(0)
                )
            });
            frames.push((name, at));
        }
    }
    let is = |prefixes: &[&str], name: &str| prefixes.iter().any(|p| name.starts_with(p));
    let end = frames
        .iter()
        .position(|(name, _)| is(RUNTIME, name))
        .unwrap_or(frames.len());
    // After the last machinery frame above the runtime's: a panic's frames interleave
    // (hook, handler, begin_unwind, panic_fmt) before the user's frame that panicked.
    let start = frames[..end]
        .iter()
        .rposition(|(name, _)| is(LEADING, name))
        .map_or(0, |i| i + 1);
    let mut out = String::new();
    for (i, (name, at)) in frames[start..end].iter().enumerate() {
        let _ = writeln!(out, "{i:>3}: {name}");
        if let Some(at) = at {
            let _ = writeln!(out, "         at {at}");
        }
    }
    if end < frames.len() {
        let _ = writeln!(
            out,
            "     ({} runtime or thread start-up frames omitted)",
            frames.len() - end
        );
    }
    out
}
