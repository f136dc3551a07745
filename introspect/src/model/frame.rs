//! Where code is: source locations, frames, and the two kinds of frame lists a task can have
//! (its await trace when suspended, the native stack of its thread when running).

use std::borrow::Cow;

/// One shape for every source location (spawn sites, panic locations, fatal call sites,
/// resource creation sites), so every renderer prints them the same way: `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceLocation {
    /// Source file, as the compiler names it (unescaped). Borrowed when it comes from a
    /// `#[track_caller]` location, which lives for the whole program: a snapshot of 100,000
    /// tasks then copies no file name.
    pub file: Cow<'static, str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// The v1 name of [`SourceLocation`], kept so code written against v1 still compiles.
pub type SpawnSite = SourceLocation;

/// One frame of a backtrace, an await trace or a native stack.
///
/// Symbolication can fail piecemeal (a function without debug info has a name but no file), so
/// each part of the location is optional on its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Demangled, without the hash suffix: `ledger::settle::{{closure}}` (unescaped).
    pub function: String,
    /// Source file, if symbolication found one.
    pub file: Option<String>,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// A frame of the runtime, of std or of thread start-up: the text dump folds runs of them
    /// into one line, because a reader looks for their own code, never for these.
    pub runtime: bool,
}

/// The await trace of a task that is not being polled: which `.await`s it is suspended in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Trace {
    /// The runtime polled the task with a tracing context and collected its frames.
    Captured {
        /// The chain of `.await`s, **outermost first** (the task's top-level async fn first),
        /// the order in which a reader follows the code down to where it waits.
        frames: Vec<Frame>,
        /// The leaf future it waits in, e.g.
        /// `<futures_channel::oneshot::Receiver<u64> as Future>::poll` (unescaped).
        leaf: Option<String>,
        /// Whether anything can wake the task again.
        waker: WakerCheck,
    },
    /// The runtime tried and could not; the reason says why, so that a missing trace is never
    /// mistaken for an empty one: `trace poll timed out after 20ms`, `trace budget used up`.
    Unavailable {
        /// Why there is no trace (unescaped).
        reason: String,
    },
}

/// What the trace poll learnt about the task's waker: the cheapest lost-wakeup detector there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WakerCheck {
    /// A leaf kept the waker: something can wake the task.
    Kept,
    /// The poll kept no waker: nothing can ever wake this task (a lost wakeup).
    NoWaker,
    /// The leaf was ready although nobody woke the task: a wake was lost on the way.
    ReadyNotWoken,
}

/// The native stack of the thread polling a running task: what it is doing right now.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stack {
    /// The thread answered.
    Captured {
        /// **Innermost first**, like every backtrace, so the top line is where it spins.
        frames: Vec<Frame>,
    },
    /// The thread did not answer or capture is off: `worker 1 did not answer in 20ms`.
    Unavailable {
        /// Why there is no stack (unescaped).
        reason: String,
    },
}
