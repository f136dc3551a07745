//! Tracer threads and the coordinator that watches them (rules 1, 2, 5 and 6 of
//! `trace/mod.rs`).
//!
//! The coordinator (the thread that wants the traces: the fatal thread, or a live snapshot's
//! caller) hands the whole list to a tracer thread, which takes tasks one by one. The
//! coordinator never blocks on it: it looks every few hundred microseconds, and a tracer stuck
//! in one trace poll past the per-task limit (a leaf blocked on a lock a frozen thread holds)
//! is abandoned, its task reported, and a fresh tracer goes on with the rest.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{waker, Limits, Outcome, Target, ACTIVE, TRACER};
use crate::clock;
use crate::locks::lock;

/// What all tracers of one call share.
struct Job {
    /// Each target until a tracer takes it.
    targets: Vec<Mutex<Option<Target>>>,
    /// The next target to take.
    next: AtomicUsize,
    results: Vec<OnceLock<Outcome>>,
    /// Results set.
    done: AtomicUsize,
}

impl Job {
    fn finish(&self, index: usize, outcome: Outcome) {
        if self.results[index].set(outcome).is_ok() {
            // Release pairs with the coordinator's Acquire: a counted result is readable.
            self.done.fetch_add(1, Ordering::Release);
        }
    }
}

/// One tracer thread, as the coordinator sees it.
struct Tracer {
    /// The target being traced, or `IDLE`.
    current: AtomicUsize,
    /// `clock` ticks when it started on `current`.
    started: AtomicU64,
    /// Set by the coordinator: take no further target.
    abandoned: AtomicBool,
}

const IDLE: usize = usize::MAX;

/// Trace-polls each target, within `limits`; one outcome per target, in order.
pub(crate) fn trace_all(targets: Vec<Target>, limits: Limits) -> Vec<Outcome> {
    let n = targets.len();
    let job = Arc::new(Job {
        targets: targets.into_iter().map(|t| Mutex::new(Some(t))).collect(),
        next: AtomicUsize::new(0),
        results: (0..n).map(|_| OnceLock::new()).collect(),
        done: AtomicUsize::new(0),
    });
    if n > 0 {
        coordinate(&job, limits);
        // Tracers abandoned mid-poll keep their targets; the rest are let go now.
        for target in &job.targets {
            drop(lock(target).take());
        }
    }
    // Abandoned tracers may still hold the job: take what is set, by index.
    job.results
        .iter()
        .map(|r| match r.get() {
            Some(o) => o.clone(),
            None => Outcome::Budget,
        })
        .collect()
}

fn coordinate(job: &Arc<Job>, limits: Limits) {
    let n = job.targets.len();
    let start = Instant::now();
    let per_task_ticks = clock::ticks_from_micros(limits.per_task.as_micros() as u64);
    let mut tracer = match start_tracer(job) {
        Ok(t) => t,
        Err(e) => {
            for i in 0..n {
                job.finish(i, Outcome::NoThread(e.clone()));
            }
            return;
        }
    };
    while job.done.load(Ordering::Acquire) < n {
        if start.elapsed() > limits.budget {
            tracer.abandoned.store(true, Ordering::Release);
            // Takes every target not yet taken: the tracer, abandoned, takes no more.
            for i in 0..n {
                job.finish(i, Outcome::Budget);
            }
            return;
        }
        // Read current, then its start, then current again: a tracer that moved on in
        // between is not timed out on its new task's behalf.
        let current = tracer.current.load(Ordering::Acquire);
        let started = tracer.started.load(Ordering::Acquire);
        if current != IDLE
            && tracer.current.load(Ordering::Acquire) == current
            && clock::now().saturating_sub(started) > per_task_ticks
        {
            tracer.abandoned.store(true, Ordering::Release);
            job.finish(current, Outcome::TimedOut(limits.per_task));
            tracer = match start_tracer(job) {
                Ok(t) => t,
                Err(e) => {
                    for i in 0..n {
                        job.finish(i, Outcome::NoThread(e.clone()));
                    }
                    return;
                }
            };
            continue;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn start_tracer(job: &Arc<Job>) -> Result<Arc<Tracer>, String> {
    let tracer = Arc::new(Tracer {
        current: AtomicUsize::new(IDLE),
        started: AtomicU64::new(0),
        abandoned: AtomicBool::new(false),
    });
    let (job, me) = (job.clone(), tracer.clone());
    // Counted from before the thread starts until it ends, not while the coordinator waits:
    // an abandoned tracer may still be inside a trace poll long after (`in_trace_poll`).
    // Relaxed: the thread's start orders this before its own checks.
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    std::thread::Builder::new()
        .name("executor-tracer".to_owned())
        .spawn(move || {
            /// Uncounts the thread however it ends, a panic included.
            struct Counted;
            impl Drop for Counted {
                fn drop(&mut self) {
                    ACTIVE.fetch_sub(1, Ordering::Relaxed);
                }
            }
            let _counted = Counted;
            tracer_main(&job, &me);
        })
        .map_err(|e| {
            ACTIVE.fetch_sub(1, Ordering::Relaxed);
            e.to_string()
        })?;
    Ok(tracer)
}

fn tracer_main(job: &Job, me: &Tracer) {
    loop {
        if me.abandoned.load(Ordering::Acquire) {
            return;
        }
        let i = job.next.fetch_add(1, Ordering::Relaxed);
        if i >= job.targets.len() {
            return;
        }
        // Release: the coordinator that reads `current` sees this start time.
        me.started.store(clock::now(), Ordering::Release);
        me.current.store(i, Ordering::Release);
        // Taken out of the job: an abandoned tracer keeps only the target it is stuck on.
        let Some(target) = lock(&job.targets[i]).take() else {
            continue;
        };
        let outcome = trace_one(&target);
        drop(target);
        me.current.store(IDLE, Ordering::Release);
        job.finish(i, outcome);
    }
}

/// Rules 2, 3 and 5 for one task.
fn trace_one(target: &Target) -> Outcome {
    let target = match target {
        Target::Task(waker) => waker,
        Target::Thread(thread) => return thread.trace(),
    };
    TRACER.with(|t| {
        t.stash_open.set(true);
        target.wake_by_ref();
        // Closed at once: the stash is for this task's `Runnable` only. A wake during the
        // trace poll (of this task, which async-task reschedules on this thread after `run`,
        // or of any other) then takes the ordinary path and is queued (rule 5), even if the
        // poll never returns.
        t.stash_open.set(false);
        let first = t.stash.borrow_mut().pop();
        let Some(runnable) = first else {
            return Outcome::NotIdle;
        };
        t.polling.set(true);
        runnable.run();
        t.polling.set(false);
        // No result: the harness did not run the future (the task was aborted, or closed).
        waker::take_result().unwrap_or(Outcome::NotIdle)
    })
}
