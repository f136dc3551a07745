//! The workers' local run queue under stress: owners pushing (with overflow), popping and
//! stealing from each other, and a drainer taking tasks through the stealer side, for a
//! bounded time. Every task must come out exactly once.

mod common;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use common::STRESS_TIME;
use executor::__private::queue::{self, Overflow, Owner, Stealer, CAPACITY};

const OWNERS: usize = 4;
/// Bounds the memory the exactly-once check takes, whatever the machine's speed.
const MAX_TASKS_PER_OWNER: u64 = 1 << 21;

/// A task is `owner * MAX_TASKS_PER_OWNER + n`, the `n`th one `owner` made.
type Task = u64;

/// The overflow (in the runtime, the injector).
struct Injector(Mutex<VecDeque<Task>>);

impl Overflow<Task> for Injector {
    fn push_batch(&self, tasks: impl Iterator<Item = Task>) {
        self.0.lock().unwrap().extend(tasks);
    }
}

/// How many times each task was taken.
struct Seen(Vec<AtomicU8>);

impl Seen {
    fn take(&self, task: Task) {
        let before = self.0[task as usize].fetch_add(1, Ordering::Relaxed);
        assert_eq!(before, 0, "task {task} taken twice");
    }
}

struct Counts {
    overflows: AtomicU64,
    steals: AtomicU64,
    drained: AtomicU64,
}

fn xorshift(x: &mut u32) -> u32 {
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    *x
}

#[test]
fn every_task_taken_exactly_once() {
    let pairs: Vec<(Owner<Task>, Stealer<Task>)> = (0..OWNERS).map(|_| queue::new()).collect();
    let stealers: Arc<Vec<Stealer<Task>>> = Arc::new(pairs.iter().map(|p| p.1.clone()).collect());
    let injector = Arc::new(Injector(Mutex::new(VecDeque::new())));
    let seen = Arc::new(Seen(
        (0..OWNERS as u64 * MAX_TASKS_PER_OWNER)
            .map(|_| AtomicU8::new(0))
            .collect(),
    ));
    let counts = Arc::new(Counts {
        overflows: AtomicU64::new(0),
        steals: AtomicU64::new(0),
        drained: AtomicU64::new(0),
    });
    let done = Arc::new(AtomicBool::new(false));

    let owners: Vec<_> = pairs
        .into_iter()
        .enumerate()
        .map(|(index, (owner, _))| {
            let (stealers, injector, seen, counts) = (
                stealers.clone(),
                injector.clone(),
                seen.clone(),
                counts.clone(),
            );
            std::thread::spawn(move || {
                let first = index as u64 * MAX_TASKS_PER_OWNER;
                let mut made = 0;
                let mut rng = (index as u32).wrapping_mul(0x9E37_79B9) | 1;
                let deadline = Instant::now() + STRESS_TIME;
                let mut round = 0u32;
                while made < MAX_TASKS_PER_OWNER && (round % 256 != 0 || Instant::now() < deadline)
                {
                    round = round.wrapping_add(1);
                    // Phases of mostly pushing (the queue fills and overflows) and of mostly
                    // taking (it empties and its owner steals).
                    let producing = (round / 2048) % 2 == 0;
                    let r = xorshift(&mut rng) % 16;
                    if r < if producing { 12 } else { 5 } {
                        let task = first + made;
                        made += 1;
                        if r == 0 {
                            if let Err(task) = owner.try_push(task) {
                                injector.push_batch(std::iter::once(task));
                            }
                        } else {
                            let before = injector.0.lock().unwrap().len();
                            owner.push_back(task, &*injector);
                            if injector.0.lock().unwrap().len() > before + 1 {
                                counts.overflows.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    } else if r < 14 {
                        let task = owner
                            .pop()
                            .or_else(|| injector.0.lock().unwrap().pop_front());
                        if let Some(task) = task {
                            seen.take(task);
                        }
                    } else {
                        let victim = xorshift(&mut rng) as usize % OWNERS;
                        if victim != index {
                            if let Some(task) = owner.steal_from(&stealers[victim]) {
                                counts.steals.fetch_add(1, Ordering::Relaxed);
                                seen.take(task);
                            }
                        }
                    }
                }
                // The owner exits with tasks left in its queue: the others and the final
                // drain take them through the stealer side.
                drop(owner);
                made
            })
        })
        .collect();

    // The drainer: shutdown's way of taking tasks (rule 6), while the owners run.
    let drainer = {
        let (stealers, seen, counts, done) =
            (stealers.clone(), seen.clone(), counts.clone(), done.clone());
        std::thread::spawn(move || {
            let mut rng = 7u32;
            while !done.load(Ordering::Relaxed) {
                let victim = xorshift(&mut rng) as usize % OWNERS;
                if let Some(task) = stealers[victim].pop() {
                    counts.drained.fetch_add(1, Ordering::Relaxed);
                    seen.take(task);
                }
                std::thread::yield_now();
            }
        })
    };

    let made: Vec<u64> = owners.into_iter().map(|t| t.join().unwrap()).collect();
    done.store(true, Ordering::Relaxed);
    drainer.join().unwrap();

    // Shutdown's drain: every owner has exited.
    for stealer in stealers.iter() {
        assert!(stealer.len() <= CAPACITY);
        while let Some(task) = stealer.pop() {
            seen.take(task);
        }
        assert!(stealer.is_empty());
    }
    for task in injector.0.lock().unwrap().drain(..) {
        seen.take(task);
    }

    for (index, &made) in made.iter().enumerate() {
        assert!(made > 0);
        let first = index as u64 * MAX_TASKS_PER_OWNER;
        for task in first..first + MAX_TASKS_PER_OWNER {
            let times = seen.0[task as usize].load(Ordering::Relaxed);
            let expected = u8::from(task < first + made);
            assert_eq!(times, expected, "task {task} taken {times} times");
        }
    }
    eprintln!(
        "local_queue stress: {} tasks, {} overflows, {} steals, {} drained while running",
        made.iter().sum::<u64>(),
        counts.overflows.load(Ordering::Relaxed),
        counts.steals.load(Ordering::Relaxed),
        counts.drained.load(Ordering::Relaxed),
    );
}
