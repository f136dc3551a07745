//! Loom models of the two protocols the dump depends on, and (in `queue.rs`) of the
//! workers' local run queue and (in `permits.rs`) of the permit queue under `Semaphore` and
//! `Mutex`.
//!
//! Run with `.ci/loom` (it builds this crate alone with `--cfg loom` through `cargo rustc`,
//! so dependencies keep std's primitives, and runs the `loom_` tests).
//! The models drive the real `TaskRecord`, `Registry` and run-queue code (their atomics,
//! locks and cells come from `crate::loom_sync`, which is loom's here); the freezing flag is a
//! model-local atomic with the same orderings as `freeze::is_freezing`, because a global
//! would leak between loom's iterations.

mod permits;
mod queue;

use std::panic::Location;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::registry::Registry;
use crate::task::record::TaskRecord;

fn record() -> TaskRecord {
    TaskRecord::new(None, Location::caller(), None, 1)
}

/// The task's mutable state (think: its await trace), written only inside a poll. Loom
/// reports any access that races with a write, so a dump that read it while the task was
/// being polled would fail the model (I4).
struct Task {
    record: TaskRecord,
    trace: UnsafeCell<u32>,
}

const WORKER_SEARCHING: u8 = 0;
const WORKER_STOPPED: u8 = 1;

/// A worker's pick-check-poll step (freeze rule 1), once.
fn worker_step(task: &Task, freezing: &AtomicBool, worker_state: &AtomicU8) -> bool {
    task.record.enter_poll(Some(0));
    if freezing.load(Ordering::Relaxed) {
        task.record.abandon_poll();
        worker_state.store(WORKER_STOPPED, Ordering::SeqCst);
        return false;
    }
    task.record.poll_started(Some(0), 2);
    // The poll: writes the task's mutable state.
    task.trace.with_mut(|t| {
        // SAFETY: only the poller writes `trace`, and the model's assertion is exactly that
        // no reader overlaps this write (loom checks it).
        unsafe { *t += 1 }
    });
    task.record.exit_poll(2, 3);
    true
}

/// The fatal path: set the flag, wait (bounded) for the worker under `Freeze`, then read the
/// task the way the dump does.
fn fatal_path(task: &Task, freezing: &AtomicBool, worker_state: &AtomicU8, freeze: bool) {
    freezing.store(true, Ordering::Relaxed);
    crate::barrier::heavy();
    if freeze {
        // Bounded: two tries; loom explores both a stopped and a still-running worker.
        for _ in 0..2 {
            if worker_state.load(Ordering::SeqCst) == WORKER_STOPPED {
                break;
            }
            thread::yield_now();
        }
    }
    let state = task.record.state();
    if !state.is_running() {
        // I4: a task reported not running may have its mutable state read.
        task.trace.with(|t| {
            // SAFETY: the handshake (freeze rules 1-2) says no poll of this task overlaps
            // this read; loom fails the model if one can.
            let _ = unsafe { *t };
        });
        // I1: and it must never start running afterwards (checked after the join).
    }
}

fn freeze_model(freeze: bool) {
    loom::model(move || {
        let task = Arc::new(Task {
            record: record(),
            trace: UnsafeCell::new(0),
        });
        let freezing = Arc::new(AtomicBool::new(false));
        let worker_state = Arc::new(AtomicU8::new(WORKER_SEARCHING));

        let worker = {
            let (task, freezing, worker_state) =
                (task.clone(), freezing.clone(), worker_state.clone());
            thread::spawn(move || {
                // Two picks of the same task: the second comes after a wake.
                let first = worker_step(&task, &freezing, &worker_state);
                let second = first && worker_step(&task, &freezing, &worker_state);
                (first, second)
            })
        };
        fatal_path(&task, &freezing, &worker_state, freeze);
        let seen_state = task.record.state();
        let (first, second) = worker.join().unwrap();
        // The worker stopped exactly when it saw the flag, and after that it polled nothing.
        let stopped = worker_state.load(Ordering::SeqCst) == WORKER_STOPPED;
        assert_eq!(stopped, !(first && second));
        // A poll that started after the fatal path saw the task not running is impossible:
        // every poll shows up as a count in `trace`, and no further poll happens once the
        // worker stopped.
        let polls = task.trace.with(|t| {
            // SAFETY: the worker thread has been joined; nobody else touches `trace`.
            unsafe { *t }
        });
        assert_eq!(polls, u32::from(first) + u32::from(second));
        let _ = seen_state;
    });
}

#[test]
fn loom_freeze_handshake_under_freeze() {
    freeze_model(true);
}

#[test]
fn loom_freeze_handshake_under_no_freeze() {
    freeze_model(false);
}

/// I5: a chunked scan lists a task alive across it exactly once, and a task removed before it
/// never, while another thread registers and unregisters (with one cell per chunk, every cell
/// is a separate lock hold here).
#[test]
fn loom_registry_snapshot_is_exact() {
    loom::model(|| {
        let registry = Arc::new(Registry::new(1));
        let gone = registry.insert(0, record());
        // SAFETY: nothing holds the record; it is removed once.
        unsafe { registry.remove(gone.0) };
        let stable = registry.insert(0, record());
        // SAFETY: the registry is alive and `stable` is removed only at the end.
        let stable_id = unsafe { stable.1.get() }.id;
        let churn = {
            let registry = registry.clone();
            thread::spawn(move || {
                let (slot, r) = registry.insert(0, record());
                // SAFETY: removed below, after its last use.
                let id = unsafe { r.get() }.id;
                // SAFETY: the reference above is not used any more.
                unsafe { registry.remove(slot) };
                id
            })
        };
        let mut listed = Vec::new();
        registry.for_each(|r| listed.push(r.id));
        let churn_id = churn.join().unwrap();
        assert_eq!(listed.iter().filter(|id| **id == stable_id).count(), 1);
        assert!(listed.iter().filter(|id| **id == churn_id).count() <= 1);
        assert_eq!(
            listed.len(),
            listed
                .iter()
                .filter(|id| **id == stable_id || **id == churn_id)
                .count()
        );
        let mut after = Vec::new();
        let unread =
            registry.for_each_bounded(std::time::Duration::from_secs(1), |r| after.push(r.id));
        assert_eq!(after, vec![stable_id]);
        assert_eq!(unread.shards, 0);
        // SAFETY: last use of the record was above.
        unsafe { registry.remove(stable.0) };
    });
}

/// Registry rule 5: a fatal path that sets the flag gets every shard lock while a live reader
/// keeps scanning, because the reader checks the flag between chunks and stops.
#[test]
fn loom_fatal_scan_takes_over_from_a_live_reader() {
    loom::model(|| {
        let registry = Arc::new(Registry::new(1));
        let a = registry.insert(0, record());
        let b = registry.insert(0, record());
        let freezing = Arc::new(AtomicBool::new(false));
        let reader = {
            let (registry, freezing) = (registry.clone(), freezing.clone());
            thread::spawn(move || {
                // The live scan of `Registry::for_each`, with the model's flag for
                // `freeze::hold` (which parks for good; here the reader just stops).
                let mut chunks = 0;
                registry.for_each_until(|| freezing.load(Ordering::SeqCst), |_| chunks += 1);
                chunks
            })
        };
        freezing.store(true, Ordering::SeqCst);
        let mut seen = 0;
        let unread = registry.for_each_bounded(std::time::Duration::from_secs(3600), |_| seen += 1);
        assert_eq!(unread.shards, 0);
        assert_eq!(seen, 2);
        reader.join().unwrap();
        // SAFETY: nothing uses the records any more.
        unsafe {
            registry.remove(a.0);
            registry.remove(b.0);
        }
    });
}
