//! Turning code addresses into the frames a dump shows: resolved once per address, named
//! without hashes, paths written like `#[track_caller]` locations, and each marked as the
//! user's or the runtime's (the renderer folds runs of runtime frames, never a user frame).
//!
//! Used for the fatal thread's backtrace, await traces and the native stacks of running
//! workers. Resolution reads debug info and is slow, so it happens after the snapshot, and
//! a [`Symbolizer`] caches it per address: a dump of 100,000 tasks suspended at the same
//! few places resolves those few places once.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use introspect::{Frame, Reason, Snapshot, SourceLocation, Stack, Trace};

/// Function-name prefixes of frames that are not the user's: std and the runtime, the
/// unwinding and backtrace machinery, thread start-up.
const RUNTIME_PREFIXES: &[&str] = &[
    "std::",
    "core::",
    "alloc::",
    "<std::",
    "<core::",
    "<alloc::",
    "executor::",
    "<executor::",
    "async_task::",
    "<async_task::",
    "backtrace::",
    "<backtrace::",
    // The C library's internals (`__GI___nanosleep`, `__libc_start_main`, `__restore_rt`)
    // and the compiler's (`__rust_begin_short_backtrace`).
    "__",
    "rust_begin_unwind",
    // The blanket futures impls of std (`<&mut F as Future>::poll`, `<Pin<P> as ..>`).
    "<&mut F as core::",
    "<F as core::",
    "<&F as core::",
    "<fn(",
];

/// Whole names of thread and process start-up frames.
const RUNTIME_NAMES: &[&str] = &[
    "main",
    "start_thread",
    "clone",
    "clone3",
    "__clone",
    "_start",
    "<unknown>",
];

/// Frames above the point of interest in a backtrace captured by the runtime itself: the
/// capture, the panic machinery (the hook included), the fatal path.
const LEADING: &[&str] = &[
    "backtrace::",
    "<backtrace::",
    "executor::fatal::",
    "executor::frames::",
    "std::panicking::",
    "core::panicking::",
    "std::panic::",
    "core::panic::",
    "__rustc::",
    "rust_begin_unwind",
    "std::sys::backtrace::__rust_end_short_backtrace",
    "<alloc::boxed::Box<dyn for<'a, 'b> core::ops::function::Fn<(&'a std::panic::PanicHookInfo",
];

/// Where the sources of code that is not the program's own live: std's (as debug info names
/// them), and dependencies cargo downloaded.
const LIBRARY_PATHS: &[&str] = &[
    "/rustc/",
    "/sysdeps/",
    "/rustlib/src/rust/library/",
    "/.cargo/registry/",
    "/.cargo/git/",
];

/// Files of std's and the backtrace crate's that sit above a captured backtrace's point of
/// interest (the capture, the panic machinery).
const LEADING_FILES: &[&str] = &[
    "/library/std/src/panicking.rs",
    "/library/core/src/panicking.rs",
    "/library/std/src/panic.rs",
    "/library/std/src/sys/backtrace.rs",
    "/backtrace-0.",
];

/// Whether a frame is not the program's own: std, the runtime, a downloaded dependency, or
/// thread start-up. The dump folds runs of them; the program's frames are always shown.
///
/// Names decide when debug info has them qualified (`std::thread::sleep`); files decide
/// when it has short names only (`debug = "line-tables-only"` names inlined frames `sleep`).
pub(crate) fn is_not_users(function: &str, file: Option<&str>) -> bool {
    is_runtime(function)
        || file.is_some_and(|f| LIBRARY_PATHS.iter().any(|p| f.contains(p)) || is_runtime_source(f))
}

/// This crate's source directory, as its own `file!()` spells it (`executor/src/` built in
/// its workspace, an absolute path under the registry built as a dependency), and the same
/// with a leading `/`, to match the absolute paths of debug info.
fn runtime_sources() -> &'static (String, String) {
    static DIRS: OnceLock<(String, String)> = OnceLock::new();
    DIRS.get_or_init(|| {
        let dir = Path::new(file!())
            .parent()
            .map_or_else(String::new, |d| format!("{}/", d.display()));
        let slashed = if dir.starts_with('/') {
            dir.clone()
        } else {
            format!("/{dir}")
        };
        (dir, slashed)
    })
}

/// Whether `file` is one of this crate's sources.
pub(crate) fn is_runtime_source(file: &str) -> bool {
    let (dir, slashed) = runtime_sources();
    !dir.is_empty() && (file.starts_with(dir.as_str()) || file.contains(slashed.as_str()))
}

/// Whether `frame` is in this crate's source file `module` (`"task/harness.rs"`), whatever
/// the debug info calls its function.
pub(crate) fn in_runtime_module(frame: &Frame, module: &str) -> bool {
    frame
        .file
        .as_deref()
        .is_some_and(|f| f.ends_with(module) && is_runtime_source(f))
}

/// Whether `frame` is capture or panic machinery (see [`backtrace_frames`]).
fn is_leading(frame: &Frame) -> bool {
    LEADING.iter().any(|p| frame.function.starts_with(p))
        || frame.file.as_deref().is_some_and(|f| {
            LEADING_FILES.iter().any(|l| f.contains(l))
                || (is_runtime_source(f) && (f.contains("src/fatal/") || f.ends_with("frames.rs")))
        })
}

/// Whether a frame of `function` belongs to std, the runtime or thread start-up.
pub(crate) fn is_runtime(function: &str) -> bool {
    RUNTIME_PREFIXES.iter().any(|p| function.starts_with(p)) || RUNTIME_NAMES.contains(&function)
}

/// Resolves addresses to frames, each distinct address once.
#[derive(Debug, Default)]
pub(crate) struct Symbolizer {
    cache: HashMap<usize, Vec<Frame>>,
    /// Whole stacks already resolved and split into what a dump shows (await traces: the
    /// chain and the leaf): 100,000 tasks waiting at one place cost one resolution.
    stacks: HashMap<Vec<usize>, (Vec<Frame>, Option<String>)>,
}

impl Symbolizer {
    pub(crate) fn new() -> Symbolizer {
        Symbolizer::default()
    }

    /// The frames (several when calls were inlined, innermost first) at return address `ip`:
    /// the address after a call instruction, as a stack walk finds it.
    pub(crate) fn frames_at(&mut self, ip: usize) -> &[Frame] {
        self.cache.entry(ip).or_insert_with(|| {
            let mut frames = Vec::new();
            // The call instruction, not the one after it, is the line the user wrote.
            let addr = ip.saturating_sub(1) as *mut std::ffi::c_void;
            backtrace::resolve(addr, |symbol| {
                let function = symbol
                    .name()
                    .map_or_else(|| "<unknown>".to_owned(), |n| format!("{n:#}"));
                // Absolute, as debug info has it: `relativize` rewrites the whole dump's
                // paths at the end.
                let file = symbol.filename().map(|f| f.display().to_string());
                frames.push(Frame {
                    runtime: is_not_users(&function, file.as_deref()),
                    function,
                    file,
                    // Line 0 is DWARF's "no line" (compiler-made code).
                    line: symbol.lineno().filter(|&l| l > 0),
                    column: symbol.colno(),
                });
            });
            if frames.is_empty() {
                frames.push(Frame {
                    function: format!("{ip:#x}"),
                    file: None,
                    line: None,
                    column: None,
                    runtime: true,
                });
            }
            frames
        })
    }

    /// `split` of the frames of the stack `ips`, computed once per distinct stack.
    pub(crate) fn split_cached(
        &mut self,
        ips: &[usize],
        split: impl FnOnce(&[Frame]) -> (Vec<Frame>, Option<String>),
    ) -> &(Vec<Frame>, Option<String>) {
        if !self.stacks.contains_key(ips) {
            let frames = self.frames_of(ips);
            let value = split(&frames);
            self.stacks.insert(ips.to_vec(), value);
        }
        &self.stacks[ips]
    }

    /// The frames of a stack walk (return addresses, innermost first).
    pub(crate) fn frames_of(&mut self, ips: &[usize]) -> Vec<Frame> {
        let mut out = Vec::new();
        for &ip in ips {
            out.extend_from_slice(self.frames_at(ip));
        }
        out
    }
}

/// A backtrace the runtime captured at a fatal error or panic, innermost first, from the
/// user's frame that raised it down (the capture and panic machinery above it dropped).
pub(crate) fn backtrace_frames(
    bt: &backtrace::Backtrace,
    symbolizer: &mut Symbolizer,
) -> Vec<Frame> {
    let ips: Vec<usize> = bt.frames().iter().map(|f| f.ip() as usize).collect();
    let frames = symbolizer.frames_of(&ips);
    // After the last machinery frame above the first runtime frame that runs user code: a
    // panic's frames interleave (hook, handler, begin_unwind, panic_fmt) before the user's
    // frame that panicked.
    let first_user = frames.iter().position(|f| !f.runtime).unwrap_or(0);
    let scan_end = frames[first_user..]
        .iter()
        .position(|f| f.runtime && !is_leading(f))
        .map_or(frames.len(), |i| i + first_user);
    let start = frames[..scan_end]
        .iter()
        .rposition(is_leading)
        .map_or(0, |i| i + 1);
    frames[start..].to_vec()
}

/// Writes the files of a snapshot's frames the way `#[track_caller]` locations are written
/// (relative to where the compiler ran, usually the workspace root), so that one dump never
/// names one file two ways: debug info has absolute paths. The root is learned from frames
/// whose absolute path ends with a file the snapshot already names relatively (a spawn site,
/// the fatal call site, a panic location); without such a match, paths under the working
/// directory are made relative to it.
pub(crate) fn relativize(snapshot: &mut Snapshot) {
    let mut known: Vec<&SourceLocation> = Vec::new();
    if let Reason::Fatal {
        location: Some(loc),
        ..
    } = &snapshot.reason
    {
        known.push(loc);
    }
    for task in &snapshot.tasks {
        known.extend(task.spawned_at.iter());
        known.extend(task.panic.as_ref().and_then(|p| p.location.as_ref()));
    }
    let known: HashSet<String> = known
        .into_iter()
        .filter(|loc| !Path::new(loc.file.as_ref()).is_absolute())
        .map(|loc| loc.file.to_string())
        .collect();
    let mut roots: Vec<String> = Vec::new();
    for_each_frame(snapshot, |frame| learn_root(frame, &known, &mut roots));
    roots.extend(cwd_root());
    for_each_frame(snapshot, |frame| strip_root(frame, &roots));
}

/// [`relativize`] for a lone list of frames, with the relative files known to the caller.
pub(crate) fn relativize_frames(frames: &mut [Frame], known: &[String]) {
    let known: HashSet<String> = known.iter().cloned().collect();
    let mut roots = Vec::new();
    frames
        .iter()
        .for_each(|frame| learn_root(frame, &known, &mut roots));
    roots.extend(cwd_root());
    frames
        .iter_mut()
        .for_each(|frame| strip_root(frame, &roots));
}

/// The working directory as a root to strip.
fn cwd_root() -> Option<String> {
    std::env::current_dir()
        .ok()
        .map(|d| format!("{}/", d.display()))
}

/// Learns the root of `frame`'s absolute file if it ends with a known relative one.
fn learn_root(frame: &Frame, known: &HashSet<String>, roots: &mut Vec<String>) {
    let Some(file) = &frame.file else { return };
    if roots.iter().any(|r| file.starts_with(r.as_str())) {
        return;
    }
    for k in known {
        if let Some(root) = file.strip_suffix(k.as_str()) {
            if root.ends_with('/') && roots.len() < 8 {
                roots.push(root.to_owned());
                return;
            }
        }
    }
}

fn strip_root(frame: &mut Frame, roots: &[String]) {
    if let Some(file) = &mut frame.file {
        if let Some(rest) = roots.iter().find_map(|r| file.strip_prefix(r.as_str())) {
            *file = rest.to_owned();
        }
    }
}

/// Calls `f` on every frame of the snapshot: backtrace, await traces, native stacks.
fn for_each_frame(snapshot: &mut Snapshot, mut f: impl FnMut(&mut Frame)) {
    snapshot.backtrace.iter_mut().flatten().for_each(&mut f);
    for task in &mut snapshot.tasks {
        if let Some(Trace::Captured { frames, .. }) = &mut task.trace {
            frames.iter_mut().for_each(&mut f);
        }
        if let Some(Stack::Captured { frames }) = &mut task.stack {
            frames.iter_mut().for_each(&mut f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_and_runtime_frames_are_runtime_and_user_frames_are_not() {
        for name in [
            "std::rt::lang_start",
            "<core::pin::Pin<P> as core::future::future::Future>::poll",
            "executor::scheduler::worker::Local::run_task",
            "async_task::raw::RawTask<F,T,S,M>::run",
            "<&mut F as core::future::future::Future>::poll",
            "__libc_start_main",
            "<unknown>",
        ] {
            assert!(is_runtime(name), "{name}");
        }
        for name in [
            "ledger::settle::{{closure}}",
            "<myapp::Conn as core::future::future::Future>::poll",
            "<futures_channel::oneshot::Receiver<T> as core::future::future::Future>::poll",
            "mainframe::run",
        ] {
            assert!(!is_runtime(name), "{name}");
        }
    }
}
