//! From a trace poll's raw stack to the await trace a dump shows: the chain of `.await`s,
//! outermost first, and the leaf future the task waits in.
//!
//! The stack of a leaf's waker clone reads, innermost first: the clone machinery (this
//! crate's trace waker, `Waker::clone`, the leaf's own bookkeeping), the leaf future's `poll`,
//! then the async fn bodies (each frame at its `.await` line) and combinators between them,
//! up to the trace poll's frame. The leaf is the first `poll`-like frame inside the innermost
//! async body; the chain is everything from that body outwards.

use introspect::{Frame, Trace, WakerCheck};

use super::Outcome;
use crate::frames::Symbolizer;

/// The frame that bounds every trace stack (see `trace_poll`).
const TRACE_POLL_FRAME: &str = "executor::trace::waker::trace_poll";

/// The await trace of one outcome.
pub(crate) fn to_trace(outcome: &Outcome, symbolizer: &mut Symbolizer) -> Trace {
    let unavailable = |reason: String| Trace::Unavailable { reason };
    match outcome {
        Outcome::Traced { ips, kept, ready } => {
            // Tasks suspended at the same place have the same stack: split it once.
            let (chain, leaf) = symbolizer.split_cached(ips, split).clone();
            let waker = if *ready {
                WakerCheck::ReadyNotWoken
            } else if *kept {
                WakerCheck::Kept
            } else {
                WakerCheck::NoWaker
            };
            Trace::Captured {
                frames: chain,
                leaf,
                waker,
            }
        }
        Outcome::NotIdle => unavailable(
            "not traced: the task was woken, or finished, after the snapshot was taken".into(),
        ),
        Outcome::Panicked(message) => unavailable(format!("trace poll panicked: {message}")),
        Outcome::TimedOut(limit) => unavailable(format!(
            "trace poll timed out after {}",
            introspect::HumanDuration(*limit)
        )),
        Outcome::Budget => unavailable("not traced: the time budget for traces was used up".into()),
        Outcome::NoThread(e) => unavailable(format!("not traced: no tracer thread ({e})")),
    }
}

/// Whether `frame` is the trace poll's own, by its qualified name or, when debug info has
/// short names only, by its file.
fn is_trace_poll(frame: &Frame) -> bool {
    frame.function.starts_with(TRACE_POLL_FRAME)
        || (frame.function.starts_with("trace_poll")
            && crate::frames::in_runtime_module(frame, "trace/waker.rs"))
}

/// Whether `frame` is one of std's forwarding impls (`Pin<P>`, `&mut F`, `Box<F>`,
/// `IntoFuture`), which only pass a poll on.
fn is_forwarding(frame: &Frame) -> bool {
    let forwarding = [
        "<core::pin::Pin<",
        "<&mut ",
        "<&",
        "<F as core::",
        "<alloc::boxed::Box<",
    ];
    forwarding.iter().any(|p| frame.function.starts_with(p))
}

/// Whether `frame` is an implementation of `Future::poll` (a hand-written future).
fn is_future_impl(frame: &Frame) -> bool {
    frame
        .function
        .contains(" as core::future::future::Future>::poll")
}

/// Splits a stack (innermost first) into the chain of awaits (outermost first) and the leaf.
///
/// The chain runs from the trace poll's frame (excluded) to the program's innermost frame:
/// an async body suspended at its `.await` line. The leaf is the future it awaits there: the
/// frame right inside it (`Recv::poll`, which calls `EventListener::poll` and more: those
/// are the leaf's business). A hand-written future of the program that is itself polled last
/// is its own leaf.
fn split(frames: &[Frame]) -> (Vec<Frame>, Option<String>) {
    let Some(users) = frames.iter().position(|f| !f.runtime) else {
        // No frame of the program's: the leaf is the frame that took the waker.
        let inner = &frames[..frames
            .iter()
            .position(is_trace_poll)
            .unwrap_or(frames.len())];
        let leaf = inner
            .iter()
            .rposition(|f| !is_forwarding(f) && !is_capture(f))
            .map(|i| short_leaf(&inner[i]));
        return (Vec::new(), leaf);
    };
    // The trace poll's frame, outside the program's: everything from it outwards is the
    // runtime's; the frames just inside it (`catch_unwind`, the harness) too, and are cut.
    let end = frames[users..]
        .iter()
        .position(is_trace_poll)
        .map_or(frames.len(), |i| i + users);
    let outermost_user = frames[..end]
        .iter()
        .rposition(|f| !f.runtime)
        .unwrap_or(users);
    let (chain_start, leaf) = if is_future_impl(&frames[users]) {
        // The program's own future is the leaf; the chain starts above it.
        (users + 1, Some(short_leaf(&frames[users])))
    } else {
        // The future the program's frame awaits is the frame right inside it, past std's
        // forwarding impls.
        let inner = &frames[..users];
        let leaf = inner
            .iter()
            .rposition(|f| !is_forwarding(f))
            .map(|i| short_leaf(&inner[i]));
        (users, leaf)
    };
    let chain = frames
        .get(chain_start..=outermost_user)
        .unwrap_or_default()
        .iter()
        .rev()
        .cloned()
        .collect();
    (chain, leaf)
}

/// Whether `frame` belongs to the trace waker's own capture (its `clone`, the walk).
fn is_capture(frame: &Frame) -> bool {
    frame.function.starts_with("executor::trace::")
        || crate::frames::in_runtime_module(frame, "trace/waker.rs")
        || frame.function.starts_with("backtrace::")
        || frame.function.starts_with("core::task::wake::")
}

/// `<X as core::future::future::Future>::poll` as a person writes it: `<X as Future>::poll`;
/// an async fn's body by the fn's name. A short name (debug info with line tables only)
/// gets the crate it comes from, when its path says.
fn short_leaf(frame: &Frame) -> String {
    let mut name = frame.function.as_str();
    while let Some(outer) = name.strip_suffix("::{{closure}}") {
        name = outer;
    }
    let name = name
        .replace(" as core::future::future::Future>", " as Future>")
        .replace(" as futures_core::stream::Stream>", " as Stream>");
    match crate_of(frame.file.as_deref()) {
        Some(krate) if !name.contains("::") => format!("{name} in {krate}"),
        _ => name,
    }
}

/// The crate a downloaded dependency's file belongs to: `futures-channel-0.3.31` from
/// `.../registry/src/index.crates.io-.../futures-channel-0.3.31/src/oneshot.rs`.
fn crate_of(file: Option<&str>) -> Option<&str> {
    let file = file?;
    let after = &file[file.find("/registry/src/")? + "/registry/src/".len()..];
    after.split('/').nth(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(function: &str, line: u32) -> Frame {
        let library = function.starts_with("event_listener") || function.contains("async_channel");
        let file = if library {
            "/root/.cargo/registry/src/x/lib.rs"
        } else {
            "src/x.rs"
        };
        Frame {
            function: function.to_owned(),
            file: Some(file.to_owned()),
            line: Some(line),
            column: Some(1),
            runtime: crate::frames::is_not_users(function, Some(file)),
        }
    }

    #[test]
    fn the_leaf_is_the_awaited_poll_and_the_chain_runs_outermost_first() {
        let stack = [
            frame("executor::trace::waker::trace_clone", 1),
            frame("core::task::wake::Waker::clone", 2),
            frame("event_listener::EventListener::poll", 3),
            frame(
                "<async_channel::Recv<T> as core::future::future::Future>::poll",
                4,
            ),
            frame(
                "<core::pin::Pin<P> as core::future::future::Future>::poll",
                5,
            ),
            frame("ledger::settle::{{closure}}", 41),
            frame("ledger::run::{{closure}}", 17),
            frame("executor::trace::waker::trace_poll", 9),
            frame("async_task::raw::RawTask::run", 10),
        ];
        let (chain, leaf) = split(&stack);
        assert_eq!(
            leaf.as_deref(),
            Some("<async_channel::Recv<T> as Future>::poll")
        );
        let names: Vec<_> = chain.iter().map(|f| f.function.as_str()).collect();
        assert_eq!(
            names,
            ["ledger::run::{{closure}}", "ledger::settle::{{closure}}"]
        );
    }

    #[test]
    fn a_hand_written_future_without_async_bodies_is_its_own_leaf() {
        let stack = [
            frame("core::task::wake::Waker::clone", 2),
            frame("<myapp::Flag as core::future::future::Future>::poll", 4),
            frame("executor::trace::waker::trace_poll", 9),
        ];
        let (chain, leaf) = split(&stack);
        assert_eq!(leaf.as_deref(), Some("<myapp::Flag as Future>::poll"));
        assert!(chain.is_empty());
    }
}
