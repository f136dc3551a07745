//! Native stacks of threads inside a poll: what a task stuck in a long poll is doing.
//!
//! A task inside `poll` cannot be traced from outside, but the thread running it can be asked
//! for its own stack at one instant: a signal the runtime reserves is sent to that thread, and
//! the handler walks the thread's stack into a buffer the requester prepared.
//!
//! Rules:
//! 1. One request at a time, process-wide (`REQUESTS`, try-locked with a bound).
//! 2. The requester allocates the buffer (with the target thread's id), publishes it in
//!    `REQUEST` (Release), then signals that thread (`tgkill`).
//! 3. The handler *claims* the request before touching it: a compare-and-swap of `REQUEST`
//!    from the buffer to null. Claimed, the buffer is the handler's until it sets `done`. If
//!    the request is for another thread (a stray or late signal: real-time signals queue, so
//!    one that timed out may still arrive), it hands the request back and returns. Otherwise
//!    it walks its stack with the system unwinder into the buffer's fixed slots, stores the
//!    length, then `done` (Release), and touches nothing else: no allocation, no lock of the
//!    runtime's or the program's, no thread-local.
//! 4. The requester waits for `done` up to its bound, then takes the buffer back. If `done`
//!    is not set, it withdraws the request with the same compare-and-swap: if that wins, no
//!    handler has the buffer and it is freed; if it loses, a handler claimed it and may still
//!    be writing, so the buffer is leaked (a thread that did not answer in time, rare).
//! 5. The signal is installed only if the program has no handler for it: the program's own
//!    handlers are never replaced (stacks are then reported unavailable, and why). It is
//!    installed with `SA_RESTART`, so most system calls it interrupts resume, and the running
//!    task goes on after the capture (under `NoFreeze` too). Not all: Linux never restarts
//!    `poll`, `epoll_wait`, `select`, `nanosleep` (std's `thread::sleep` retries it itself)
//!    or socket calls with a timeout (`SO_RCVTIMEO`, `set_read_timeout`): those return
//!    `EINTR` (`ErrorKind::Interrupted`) to a task blocked in them when its stack is taken.
//!
//! Not guaranteed: the system unwinder (libgcc's `_Unwind_Backtrace`) finds unwind tables
//! through `dl_iterate_phdr`, which takes the dynamic loader's lock; a thread interrupted
//! while holding it (inside `dlopen`, or while it unwinds itself) would block in the handler,
//! and the requester reports that it did not answer. Frames of code built without unwind
//! tables (`panic = "abort"` with `-C force-unwind-tables=no`) end the walk early.

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::frames::Symbolizer;

/// Frames a capture keeps at most.
const MAX_FRAMES: usize = 128;

/// How long a thread has to answer (rule 4): a few scheduler periods, so that a thread that
/// is merely waiting for a core on a loaded machine still answers.
pub(crate) const ANSWER_BOUND: Duration = Duration::from_millis(50);

/// The buffer of one request.
struct Capture {
    /// The thread asked.
    tid: libc::pid_t,
    ips: [AtomicUsize; MAX_FRAMES],
    len: AtomicUsize,
    done: AtomicBool,
}

/// The request under way, if any (rules 2-4).
static REQUEST: AtomicPtr<Capture> = AtomicPtr::new(std::ptr::null_mut());

/// Rule 1.
static REQUESTS: Mutex<()> = Mutex::new(());

/// The signal in use, or why there is none.
static SIGNAL: OnceLock<Result<libc::c_int, String>> = OnceLock::new();

/// The signal the runtime reserves: the fifth real-time signal (glibc keeps the first few
/// for itself and `SIGRTMIN()` already skips them), so it cannot be merged with another
/// pending one, and few programs use it.
pub(crate) fn signal_number() -> libc::c_int {
    libc::SIGRTMIN() + 4
}

/// A human name for the reserved signal, for messages and docs.
pub(crate) fn signal_name() -> String {
    "SIGRTMIN+4".to_owned()
}

/// Installs the handler once per process (rule 5); the error says why stacks are off.
pub(crate) fn install() -> Result<libc::c_int, String> {
    SIGNAL
        .get_or_init(|| {
            if cfg!(miri) {
                return Err("stack capture is off under Miri".to_owned());
            }
            let sig = signal_number();
            // SAFETY: `sigaction` with a null new action only reads the current one into
            // `old`, a zeroed `sigaction` we own.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: see above.
            if unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) } != 0 {
                return Err(format!("cannot query {}", signal_name()));
            }
            if old.sa_sigaction != libc::SIG_DFL {
                return Err(format!(
                    "{} has a handler of the program's; stacks are off",
                    signal_name()
                ));
            }
            // SAFETY: a zeroed `sigaction` is a valid value to fill in.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            // Not SA_ONSTACK: the unwinder needs more room than an alternate signal stack has.
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            // SAFETY: `sa_mask` is ours to initialise; `sigemptyset` cannot fail on it.
            unsafe { libc::sigemptyset(&mut action.sa_mask) };
            // SAFETY: `action` is initialised, `on_signal` has the `SA_SIGINFO` signature and
            // is async-signal-safe as far as rule 3 argues.
            if unsafe { libc::sigaction(sig, &action, std::ptr::null_mut()) } != 0 {
                return Err(format!("cannot install a handler for {}", signal_name()));
            }
            Ok(sig)
        })
        .clone()
}

/// The calling thread's kernel id, for [`capture`].
pub(crate) fn current_tid() -> libc::pid_t {
    // SAFETY: `gettid` takes nothing and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) as libc::pid_t }
}

/// Rule 3: the handler.
extern "C" fn on_signal(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let request = REQUEST.load(Ordering::Acquire);
    if request.is_null() {
        return;
    }
    // Claim before touching: AcqRel, so the claim comes after the requester's publication and
    // before this handler's writes.
    if REQUEST
        .compare_exchange(
            request,
            std::ptr::null_mut(),
            Ordering::AcqRel,
            Ordering::Relaxed,
        )
        .is_err()
    {
        return;
    }
    // SAFETY: this handler claimed the request (rule 3); the requester frees a claimed buffer
    // only after `done` is set, which only the claimant does, below, as its last access.
    let capture = unsafe { &*request };
    if capture.tid != current_tid() {
        // Not ours: hand it back for the thread it is for (best effort; rule 4 copes).
        let _ = REQUEST.compare_exchange(
            std::ptr::null_mut(),
            request,
            Ordering::AcqRel,
            Ordering::Relaxed,
        );
        return;
    }
    let mut n = 0;
    // SAFETY: `trace_unsynchronized` asks that it not race another unsynchronized walk on
    // platforms whose unwinder is not thread-safe; libgcc's (Linux) is. The closure writes
    // only into the preallocated buffer. The synchronized `trace` would take a lock the
    // interrupted thread may hold.
    unsafe {
        backtrace::trace_unsynchronized(|frame| {
            capture.ips[n].store(frame.ip() as usize, Ordering::Relaxed);
            n += 1;
            n < MAX_FRAMES
        });
    }
    capture.len.store(n, Ordering::Relaxed);
    capture.done.store(true, Ordering::Release);
}

/// The stack of thread `tid` (return addresses, innermost first, the handler's own frames
/// included), or why there is none. `who` names the thread in the reason ("worker 1").
pub(crate) fn capture(tid: libc::pid_t, who: &str, bound: Duration) -> Result<Vec<usize>, String> {
    let sig = install()?;
    let deadline = Instant::now() + bound;
    let pause = || std::thread::sleep(Duration::from_micros(100));
    let Some(_one) = crate::locks::try_lock_until(&REQUESTS, deadline, pause) else {
        return Err("another stack capture was under way".to_owned());
    };
    let capture = Box::into_raw(Box::new(Capture {
        tid,
        ips: std::array::from_fn(|_| AtomicUsize::new(0)),
        len: AtomicUsize::new(0),
        done: AtomicBool::new(false),
    }));
    REQUEST.store(capture, Ordering::Release);
    // SAFETY: `tgkill` takes integers; a thread that exited makes it fail with ESRCH.
    let sent = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, sig) } == 0;
    // SAFETY: `capture` is ours until rule 4 decides; shared reads only.
    let shared = unsafe { &*capture };
    let answered = sent && {
        while !shared.done.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_micros(50));
        }
        shared.done.load(Ordering::Acquire)
    };
    if !answered {
        // Rule 4: withdraw the request; free the buffer only if no handler claimed it.
        let unclaimed = REQUEST
            .compare_exchange(
                capture,
                std::ptr::null_mut(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if unclaimed {
            // SAFETY: no handler claimed it, and none can now (the claim would have to win the
            // compare-and-swap this one just won): the buffer is ours alone.
            drop(unsafe { Box::from_raw(capture) });
        }
        return Err(if sent {
            format!(
                "{who} did not answer in {}",
                introspect::HumanDuration(bound)
            )
        } else {
            format!("{who} could not be signalled")
        });
    }
    let len = shared.len.load(Ordering::Relaxed);
    let ips = shared.ips[..len]
        .iter()
        .map(|ip| ip.load(Ordering::Relaxed))
        .collect();
    // SAFETY: the claimant set `done` as its last access, and the claim took the request out of
    // `REQUEST`: no one else will touch the buffer.
    drop(unsafe { Box::from_raw(capture) });
    Ok(ips)
}

/// Resolves a captured stack, from the interrupted frame outwards.
///
/// The walk starts in the handler: its own frames come first, then the kernel's signal
/// trampoline (`__restore_rt`, often without a symbol), then the interrupted frame. Every
/// address of a walk is a return address, which the symbolizer steps back from to find the
/// call's line, except the interrupted frame's: the signal stopped it at an exact
/// instruction. That one is stepped forward first, so that it resolves to its own line.
pub(crate) fn resolve(mut ips: Vec<usize>, symbolizer: &mut Symbolizer) -> Vec<introspect::Frame> {
    let is_handler = |f: &introspect::Frame| {
        f.function.starts_with("executor::stack::on_signal")
            || (f.function.ends_with("on_signal")
                && crate::frames::in_runtime_module(f, "/stack.rs"))
    };
    let handler = ips
        .iter()
        .rposition(|&ip| symbolizer.frames_at(ip).iter().any(is_handler));
    let trampoline = match handler {
        Some(h) => Some(h + 1),
        None => ips.iter().position(|&ip| {
            symbolizer
                .frames_at(ip)
                .iter()
                .any(|f| f.function.contains("__restore_rt"))
        }),
    };
    let interrupted = trampoline.map_or(0, |t| t + 1);
    // Past a trampoline, the interrupted frame's address is its exact instruction, not a
    // return address: shown as is, unless that instruction has no line (compiler-made code,
    // line 0), where the one before it is the closest the debug info has.
    if let (Some(_), Some(ip)) = (trampoline, ips.get_mut(interrupted)) {
        let lined = symbolizer
            .frames_at(*ip + 1)
            .iter()
            .all(|f| f.line.is_some_and(|l| l > 0));
        if lined {
            *ip += 1;
        }
    }
    let ips = ips.get(interrupted..).unwrap_or_default();
    task_frames(symbolizer.frames_of(ips))
}

/// The frames of a stack the dump shows, from the interrupted frame to the task's poll (the
/// scheduler below it dropped).
fn task_frames(mut frames: Vec<introspect::Frame>) -> Vec<introspect::Frame> {
    // By qualified names, or by files when debug info has short names only.
    let in_module = crate::frames::in_runtime_module;
    let end = frames
        .iter()
        .position(|f| {
            f.function.starts_with("<executor::task::harness::Harness<")
                || f.function.starts_with("executor::block_on::block_on")
                || in_module(f, "task/harness.rs")
                || in_module(f, "/block_on.rs")
        })
        .unwrap_or(frames.len());
    // The runtime's frames just inside the task's poll (`catch_unwind`, wrappers) say
    // nothing: the stack ends at the outermost frame of the program's.
    let end = frames[..end]
        .iter()
        .rposition(|f| !f.runtime)
        .map_or(end, |i| i + 1);
    frames.truncate(end);
    frames
}
