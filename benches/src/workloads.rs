//! Every workload, written once and generic over [`Rt`], so the three runtimes run the same
//! code. Sizes are parameters (the tests run them small); the suite's sizes are the constants.
//!
//! "Inside" work starts from a root task spawned from outside (see [`root`]), so child spawns
//! happen on a worker, as they would in a server.

use crate::shim::{Rt, TaskHandle};
use crate::yield_now;
use futures::channel::oneshot;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// `spawn_many_local`: empty tasks spawned by one root task.
pub const SPAWN_MANY_LOCAL: usize = 10_000;
/// `spawn_many_remote`: empty tasks spawned from plain threads, in total.
pub const SPAWN_MANY_REMOTE: usize = 12_800;
/// `spawn_many_remote`: the numbers of spawning threads.
pub const REMOTE_THREADS: [usize; 3] = [1, 2, 4];
/// `yield_many`: tasks.
pub const YIELD_TASKS: usize = 200;
/// `yield_many`: yields per task.
pub const YIELDS_PER_TASK: usize = 1_000;
/// `ping_pong`: pairs of tasks.
pub const PING_PONG_PAIRS: usize = 1_000;
/// `chained_spawn`: chain length.
pub const CHAIN_DEPTH: usize = 1_000;
/// `channels_ring`: tasks (and `bounded(1)` channels) in the ring.
pub const RING_TASKS: usize = 300;
/// `channels_ring`: laps the token makes.
pub const RING_LAPS: usize = 300;
/// `spawn_one_latency` (busy): how long each background poll keeps its worker busy.
pub const BUSY_STALL: Duration = Duration::from_micros(10);
/// `spawn_complete`: tasks spawned and awaited one after the other.
pub const SPAWN_COMPLETE: usize = 1_000;

/// Spawns `future` from outside and blocks until it completes: the root of "inside" work.
pub fn root<R, F>(rt: &R, future: F) -> F::Output
where
    R: Rt,
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(future))
}

/// Workload 1: A root task spawns `tasks` empty tasks, then awaits every handle.
pub fn spawn_many_local<R: Rt>(rt: &R, tasks: usize) {
    root(rt, async move {
        let mut handles = Vec::with_capacity(tasks);
        for _ in 0..tasks {
            handles.push(R::spawn_inside(async {}));
        }
        for handle in handles {
            handle.await;
        }
    });
}

/// Workload 2: `threads` plain threads spawn `total` empty tasks between them from outside, each then
/// awaits its own handles. Returns the time from the threads' release to the last join, so
/// creating the threads is not measured.
pub fn spawn_many_remote<R: Rt>(rt: &R, threads: usize, total: usize) -> Duration {
    let start_line = Barrier::new(threads + 1);
    thread::scope(|scope| {
        for index in 0..threads {
            let share = total / threads + usize::from(index < total % threads);
            let start_line = &start_line;
            scope.spawn(move || {
                let mut handles = Vec::with_capacity(share);
                start_line.wait();
                for _ in 0..share {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async move {
                    for handle in handles {
                        handle.await;
                    }
                });
            });
        }
        start_line.wait();
        Instant::now()
    })
    .elapsed()
}

/// Workload 3: `tasks` tasks, each yielding `yields` times through the shared [`yield_now`].
pub fn yield_many<R: Rt>(rt: &R, tasks: usize, yields: usize) {
    root(rt, async move {
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                R::spawn_inside(async move {
                    for _ in 0..yields {
                        yield_now().await;
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    });
}

/// Workload 4: `pairs` ping tasks, each spawning a pong task and exchanging one message each way over
/// two oneshots.
pub fn ping_pong<R: Rt>(rt: &R, pairs: usize) {
    root(rt, async move {
        let handles: Vec<_> = (0..pairs)
            .map(|_| {
                R::spawn_inside(async {
                    let (ping_tx, ping_rx) = oneshot::channel::<()>();
                    let (pong_tx, pong_rx) = oneshot::channel::<()>();
                    R::spawn_inside(async move {
                        ping_rx.await.expect("ping sender dropped");
                        pong_tx.send(()).expect("pong receiver dropped");
                    })
                    .detach();
                    ping_tx.send(()).expect("ping receiver dropped");
                    pong_rx.await.expect("pong sender dropped");
                })
            })
            .collect();
        for handle in handles {
            handle.await;
        }
    });
}

/// Workload 5: Each task spawns the next, `depth` deep; the last one signals the root.
pub fn chained_spawn<R: Rt>(rt: &R, depth: usize) {
    /// Spawns the next link, or signals the end of the chain.
    fn link<R: Rt>(done: oneshot::Sender<()>, remaining: usize) {
        if remaining == 0 {
            done.send(()).expect("chain root went away");
        } else {
            R::spawn_inside(async move { link::<R>(done, remaining - 1) }).detach();
        }
    }

    root(rt, async move {
        let (done, finished) = oneshot::channel();
        link::<R>(done, depth);
        finished.await.expect("chain broke");
    });
}

/// Workload 6: `tasks` tasks in a ring of `bounded(1)` channels; one token goes round `laps` times
/// (`tasks * laps` messages). The task holding the last hop closes its sender, and the closing
/// goes round the ring so every task ends.
pub fn channels_ring<R: Rt>(rt: &R, tasks: usize, laps: usize) {
    assert!(tasks > 0, "a ring needs a task");
    root(rt, async move {
        let (mut senders, receivers): (Vec<_>, Vec<_>) = (0..tasks)
            .map(|_| async_channel::bounded::<usize>(1))
            .unzip();
        let inject = senders[0].clone();
        // Task i receives on channel i and sends on channel i + 1 (mod tasks).
        senders.rotate_left(1);
        let handles: Vec<_> = receivers
            .into_iter()
            .zip(senders)
            .map(|(input, output)| {
                R::spawn_inside(async move {
                    while let Ok(hops_left) = input.recv().await {
                        if hops_left == 0 || output.send(hops_left - 1).await.is_err() {
                            break;
                        }
                    }
                })
            })
            .collect();
        inject.send(tasks * laps).await.expect("ring closed early");
        drop(inject);
        for handle in handles {
            handle.await;
        }
    });
}

/// Workload 7: Spawns one empty task from outside and awaits it.
pub fn spawn_one<R: Rt>(rt: &R) {
    rt.block_on(rt.spawn(async {}));
}

/// Workload 9: A root task spawns `tasks` empty tasks one at a time, awaiting each before the next:
/// the whole spawn-to-complete path per task, without batching.
pub fn spawn_complete<R: Rt>(rt: &R, tasks: usize) {
    root(rt, async move {
        for _ in 0..tasks {
            R::spawn_inside(async {}).await;
        }
    });
}

/// Keeps the CPU busy for `stall` without sleeping (a poll that does real work).
pub fn busy_stall(stall: Duration) {
    let start = Instant::now();
    while start.elapsed() < stall {
        black_box(());
        std::hint::spin_loop();
    }
}

/// Background load for the busy half of `spawn_one_latency`: tasks that each loop on a busy
/// stall followed by the shared yield until stopped.
#[derive(Debug)]
pub struct BusyLoad<R: Rt> {
    /// Set to stop every looping task.
    stop: Arc<AtomicBool>,
    /// The looping tasks.
    handles: Vec<R::Join<()>>,
}

impl<R: Rt> BusyLoad<R> {
    /// Starts `tasks` looping tasks, each stalling `stall` per poll.
    pub fn start(rt: &R, tasks: usize, stall: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..tasks)
            .map(|_| {
                let stop = Arc::clone(&stop);
                rt.spawn(async move {
                    // Relaxed: the flag carries no data, and a late stop only costs a lap.
                    while !stop.load(Ordering::Relaxed) {
                        busy_stall(stall);
                        yield_now().await;
                    }
                })
            })
            .collect();
        BusyLoad { stop, handles }
    }

    /// Stops the looping tasks and waits for them to end.
    pub fn stop(self, rt: &R) {
        self.stop.store(true, Ordering::Relaxed);
        rt.block_on(async move {
            for handle in self.handles {
                handle.await;
            }
        });
    }
}
