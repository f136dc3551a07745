//! Writing the fatal dump where it must go, in full, then leaving the process.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

use introspect::render::{Detail, TextOptions};
use introspect::Snapshot;

use crate::env::{self, Traceback};

/// A handle on stderr that takes no lock: a frozen thread may hold `std::io::stderr()`'s.
fn raw_stderr() -> Option<File> {
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .ok()
        .map(File::from)
}

/// Writes one line to stderr and aborts (I6: no recursion).
pub(crate) fn write_line_and_abort(line: &str) -> ! {
    if let Some(mut err) = raw_stderr() {
        let _ = writeln!(err, "executor: {line}");
        let _ = err.flush();
    }
    std::process::abort()
}

/// How long the dump may take to reach stderr before the process exits anyway: a pipe that
/// nobody reads must not keep a dying process alive (I7).
const STDERR_DEADLINE: Duration = Duration::from_secs(3);

/// Steps 4 and 5 of the fatal path.
pub(crate) fn write(snapshot: &Snapshot, path: Option<&Path>) -> ! {
    let traceback = env::overrides().traceback;
    let detail = match traceback {
        Traceback::None => Detail::HeaderOnly,
        Traceback::Single => Detail::FatalTaskOnly,
        Traceback::All | Traceback::Crash => Detail::AllTasks,
    };
    let mut text = introspect::render::text(snapshot, &TextOptions::new(detail));
    // The file first: it cannot block on a reader, and it is what survives when stderr is a
    // pipe nobody reads.
    let mut file_errors = String::new();
    if let Some(path) = path {
        let json = introspect::render::json(snapshot);
        let json_path = with_suffix(path, ".json");
        for (p, body) in [(path.to_path_buf(), &text), (json_path, &json)] {
            if let Err(e) = write_atomically(&p, body.as_bytes()) {
                file_errors.push_str(&format!(
                    "executor: could not write the dump to {}: {e}\n",
                    introspect::escape(&p.display().to_string(), introspect::LINE_LIMIT)
                ));
            }
        }
    }
    text.push_str(&file_errors);
    flush_stdout(STDOUT_DEADLINE);
    write_stderr_with_deadline(text.into_bytes(), STDERR_DEADLINE);
    if traceback == Traceback::Crash {
        std::process::abort();
    }
    exit_now(2)
}

/// How long the fatal path waits for what the program printed on stdout to be flushed.
const STDOUT_DEADLINE: Duration = Duration::from_millis(50);

/// Flushes what the program printed but did not flush (`print!` without a newline): `_exit`
/// would drop it. Another thread does it, and is abandoned after `deadline`: stdout's lock
/// may be held by a frozen thread, or stdout may be a pipe nobody reads. Not guaranteed,
/// then: output buffered by the program itself (a `BufWriter`) is not reached at all.
fn flush_stdout(deadline: Duration) {
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let flusher = std::thread::Builder::new()
        .name("executor-stdout-flush".to_owned())
        .spawn(move || {
            let _ = std::io::stdout().flush();
            let _ = done_tx.send(());
        });
    if flusher.is_ok() {
        let _ = done_rx.recv_timeout(deadline);
    }
}

/// Writes `bytes` to stderr from a thread of its own, waiting for it at most `deadline`: a
/// blocked write is abandoned, and `_exit` ends it with the process.
fn write_stderr_with_deadline(bytes: Vec<u8>, deadline: Duration) {
    let Some(mut err) = raw_stderr() else { return };
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let bytes = std::sync::Arc::new(bytes);
    let for_writer = bytes.clone();
    let writer = std::thread::Builder::new()
        .name("executor-dump-writer".to_owned())
        .spawn(move || {
            let _ = err.write_all(&for_writer);
            let _ = err.flush();
            let _ = done_tx.send(());
        });
    match writer {
        Ok(_) => {
            let _ = done_rx.recv_timeout(deadline);
        }
        // No thread to spare: write inline, unbounded, rather than not at all.
        Err(_) => {
            if let Some(mut err) = raw_stderr() {
                let _ = err.write_all(&bytes);
                let _ = err.flush();
            }
        }
    }
}

/// Ends the process without running anything more of the program: `exit` would run this
/// thread's thread-local destructors (a worker's queued task, user code) and `atexit` hooks
/// after the dump, and they may hang or panic. The dump is already flushed.
fn exit_now(status: i32) -> ! {
    // SAFETY: `_exit` takes an integer and never returns; it has no memory-safety
    // preconditions. Skipping destructors is the point (see above).
    unsafe { libc::_exit(status) }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Writes to a temporary name beside `path`, then renames, so a reader never sees half a dump.
/// On failure the temporary file is removed: a dump path that is a directory must not leave
/// a stray `PATH.tmpPID` behind.
fn write_atomically(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let tmp = with_suffix(path, &format!(".tmp{}", std::process::id()));
    let written = File::create(&tmp).and_then(|mut f| {
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
