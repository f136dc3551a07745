//! Synchronization primitives side by side on one runtime (executor's): `executor::sync` and
//! `executor::time` against `tokio::sync` / `tokio::time` and async-lock / async-channel /
//! async-io, each behind a small trait so every workload is written once.
//!
//! What is compared is the primitive, not the runtime: every variant runs on the same
//! [`ExecutorRt`](crate::ExecutorRt) with the same tasks and yields. The executor variants
//! pay for the introspection layer (holder records, wait records, the resource registry).

use crate::shim::{Rt, TaskHandle};
use crate::yield_now;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// Lock/unlock cycles per iteration (mutex and semaphore groups).
pub const LOCK_OPS: usize = 10_000;
/// Tasks sharing the lock in the contended variants (they split [`LOCK_OPS`]).
pub const CONTENDERS: usize = 8;
/// Messages per iteration of the mpsc group, split over [`PRODUCERS`].
pub const MESSAGES: usize = 10_000;
/// Producer tasks in the mpsc group.
pub const PRODUCERS: usize = 4;
/// Capacity of the bounded mpsc channels.
pub const MPSC_CAPACITY: usize = 128;
/// Request/reply round trips per iteration of the oneshot group.
pub const ROUND_TRIPS: usize = 1_000;
/// Sleeps armed and cancelled per iteration of the `sleep` group's `arm` variant.
pub const SLEEPS_ARMED: usize = 10_000;
/// Tasks and sleeps each in the `sleep` group's `fire` variant.
pub const SLEEPERS: usize = 8;
/// Sleeps per sleeper in the `fire` variant.
pub const SLEEPS_FIRED: usize = 20;
/// How long each fired sleep is.
pub const SLEEP_FOR: Duration = Duration::from_micros(100);

/// An async mutex around a counter.
pub trait BenchMutex: Send + Sync + 'static {
    /// The criterion function id.
    const NAME: &'static str;
    /// A new mutex.
    fn new() -> Self;
    /// Locks, adds one, yields while holding the lock if `hold`, unlocks.
    fn bump(&self, hold: bool) -> impl Future<Output = ()> + Send + '_;
}

impl BenchMutex for executor::sync::Mutex<u64> {
    const NAME: &'static str = "executor";
    fn new() -> Self {
        executor::sync::Mutex::new(0)
    }
    async fn bump(&self, hold: bool) {
        let mut g = self.lock().await;
        *g += 1;
        if hold {
            yield_now().await;
        }
    }
}

impl BenchMutex for tokio::sync::Mutex<u64> {
    const NAME: &'static str = "tokio";
    fn new() -> Self {
        tokio::sync::Mutex::new(0)
    }
    async fn bump(&self, hold: bool) {
        let mut g = self.lock().await;
        *g += 1;
        if hold {
            yield_now().await;
        }
    }
}

impl BenchMutex for async_lock::Mutex<u64> {
    const NAME: &'static str = "async-lock";
    fn new() -> Self {
        async_lock::Mutex::new(0)
    }
    async fn bump(&self, hold: bool) {
        let mut g = self.lock().await;
        *g += 1;
        if hold {
            yield_now().await;
        }
    }
}

/// A counting semaphore.
pub trait BenchSemaphore: Send + Sync + 'static {
    /// The criterion function id.
    const NAME: &'static str;
    /// A semaphore with `permits` permits.
    fn new(permits: usize) -> Self;
    /// Takes a permit, yields while holding it if `hold`, gives it back.
    fn cycle(&self, hold: bool) -> impl Future<Output = ()> + Send + '_;
}

impl BenchSemaphore for executor::sync::Semaphore {
    const NAME: &'static str = "executor";
    fn new(permits: usize) -> Self {
        executor::sync::Semaphore::new(permits)
    }
    async fn cycle(&self, hold: bool) {
        let _p = self.acquire().await.unwrap();
        if hold {
            yield_now().await;
        }
    }
}

impl BenchSemaphore for tokio::sync::Semaphore {
    const NAME: &'static str = "tokio";
    fn new(permits: usize) -> Self {
        tokio::sync::Semaphore::new(permits)
    }
    async fn cycle(&self, hold: bool) {
        let _p = self.acquire().await.unwrap();
        if hold {
            yield_now().await;
        }
    }
}

impl BenchSemaphore for async_lock::Semaphore {
    const NAME: &'static str = "async-lock";
    fn new(permits: usize) -> Self {
        async_lock::Semaphore::new(permits)
    }
    async fn cycle(&self, hold: bool) {
        let _p = self.acquire().await;
        if hold {
            yield_now().await;
        }
    }
}

/// A bounded multi-producer channel of `u64`.
pub trait BenchMpsc: 'static {
    /// The criterion function id.
    const NAME: &'static str;
    /// The sending half.
    type Tx: Clone + Send + Sync + 'static;
    /// The receiving half.
    type Rx: Send + 'static;
    /// A channel with room for `capacity` values.
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// Sends, waiting while full.
    fn send(tx: &Self::Tx, value: u64) -> impl Future<Output = ()> + Send + '_;
    /// Receives; `None` once closed and empty.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;
}

/// `executor::sync::mpsc`.
#[derive(Debug)]
pub struct ExecutorMpsc;
/// `tokio::sync::mpsc`.
#[derive(Debug)]
pub struct TokioMpsc;
/// `async-channel`.
#[derive(Debug)]
pub struct AsyncChannelMpsc;

impl BenchMpsc for ExecutorMpsc {
    const NAME: &'static str = "executor";
    type Tx = executor::sync::mpsc::Sender<u64>;
    type Rx = executor::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        executor::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

impl BenchMpsc for TokioMpsc {
    const NAME: &'static str = "tokio";
    type Tx = tokio::sync::mpsc::Sender<u64>;
    type Rx = tokio::sync::mpsc::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        tokio::sync::mpsc::channel(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await
    }
}

impl BenchMpsc for AsyncChannelMpsc {
    const NAME: &'static str = "async-channel";
    type Tx = async_channel::Sender<u64>;
    type Rx = async_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        async_channel::bounded(capacity)
    }
    async fn send(tx: &Self::Tx, value: u64) {
        tx.send(value).await.unwrap();
    }
    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }
}

/// A oneshot channel of `u64`.
pub trait BenchOneshot: 'static {
    /// The criterion function id.
    const NAME: &'static str;
    /// The sending half.
    type Tx: Send + 'static;
    /// The receiving half, a future of the value.
    type Rx: Future + Send + Unpin + 'static;
    /// A new channel.
    fn channel() -> (Self::Tx, Self::Rx);
    /// Sends.
    fn send(tx: Self::Tx, value: u64);
}

/// `executor::sync::oneshot`.
#[derive(Debug)]
pub struct ExecutorOneshot;
/// `tokio::sync::oneshot`.
#[derive(Debug)]
pub struct TokioOneshot;
/// `async-channel` with capacity 1, async-lock having no oneshot.
#[derive(Debug)]
pub struct AsyncChannelOneshot;

impl BenchOneshot for ExecutorOneshot {
    const NAME: &'static str = "executor";
    type Tx = executor::sync::oneshot::Sender<u64>;
    type Rx = executor::sync::oneshot::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        executor::sync::oneshot::channel()
    }
    fn send(tx: Self::Tx, value: u64) {
        let _ = tx.send(value);
    }
}

impl BenchOneshot for TokioOneshot {
    const NAME: &'static str = "tokio";
    type Tx = tokio::sync::oneshot::Sender<u64>;
    type Rx = tokio::sync::oneshot::Receiver<u64>;
    fn channel() -> (Self::Tx, Self::Rx) {
        tokio::sync::oneshot::channel()
    }
    fn send(tx: Self::Tx, value: u64) {
        let _ = tx.send(value);
    }
}

/// A boxed `recv` of an async-channel receiver, so it is `Unpin` like the others.
pub type AsyncChannelRecv = std::pin::Pin<Box<dyn Future<Output = Option<u64>> + Send>>;

impl BenchOneshot for AsyncChannelOneshot {
    const NAME: &'static str = "async-channel";
    type Tx = async_channel::Sender<u64>;
    type Rx = AsyncChannelRecv;
    fn channel() -> (Self::Tx, Self::Rx) {
        let (tx, rx) = async_channel::bounded(1);
        (tx, Box::pin(async move { rx.recv().await.ok() }))
    }
    fn send(tx: Self::Tx, value: u64) {
        let _ = tx.try_send(value);
    }
}

/// A sleep.
pub trait BenchSleep: 'static {
    /// The criterion function id.
    const NAME: &'static str;
    /// A sleep of `duration`, not yet polled.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + Unpin + 'static;
}

/// `executor::time::sleep`.
#[derive(Debug)]
pub struct ExecutorSleep;
/// `tokio::time::sleep`, on a one-worker tokio runtime's timer driver.
#[derive(Debug)]
pub struct TokioSleep;
/// `async_io::Timer`, which `executor::time` wraps.
#[derive(Debug)]
pub struct AsyncIoSleep;

impl BenchSleep for ExecutorSleep {
    const NAME: &'static str = "executor";
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + Unpin + 'static {
        executor::time::sleep(duration)
    }
}

/// The tokio runtime whose timer driver tokio's sleeps use (its handle is entered only to
/// create them; they are polled on executor's workers).
fn tokio_timer() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_time()
            .build()
            .expect("tokio timer runtime")
    })
}

impl BenchSleep for TokioSleep {
    const NAME: &'static str = "tokio";
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + Unpin + 'static {
        let _enter = tokio_timer().enter();
        Box::pin(tokio::time::sleep(duration))
    }
}

impl BenchSleep for AsyncIoSleep {
    const NAME: &'static str = "async-io";
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send + Unpin + 'static {
        let mut timer = async_io::Timer::after(duration);
        std::future::poll_fn(move |cx| std::pin::Pin::new(&mut timer).poll(cx).map(|_| ()))
    }
}

/// `mutex` (uncontended): one task, [`LOCK_OPS`] lock/unlock cycles. `mutex` (contended):
/// [`CONTENDERS`] tasks share them, each yielding while it holds the lock.
pub fn mutex<R: Rt, M: BenchMutex>(rt: &R, contended: bool) {
    let m = Arc::new(M::new());
    crate::workloads::root(rt, async move {
        let tasks = if contended { CONTENDERS } else { 1 };
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let m = m.clone();
                R::spawn_inside(async move {
                    for _ in 0..LOCK_OPS / tasks {
                        m.bump(contended).await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}

/// `semaphore`: like [`mutex`], with a one-permit (contended: two-permit) semaphore.
pub fn semaphore<R: Rt, S: BenchSemaphore>(rt: &R, contended: bool) {
    let s = Arc::new(S::new(if contended { 2 } else { 1 }));
    crate::workloads::root(rt, async move {
        let tasks = if contended { CONTENDERS } else { 1 };
        let handles: Vec<_> = (0..tasks)
            .map(|_| {
                let s = s.clone();
                R::spawn_inside(async move {
                    for _ in 0..LOCK_OPS / tasks {
                        s.cycle(contended).await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}

/// `mpsc`: [`PRODUCERS`] tasks send [`MESSAGES`] in total through one bounded channel to the
/// root task.
pub fn mpsc<R: Rt, C: BenchMpsc>(rt: &R) {
    crate::workloads::root(rt, async move {
        let (tx, mut rx) = C::channel(MPSC_CAPACITY);
        for p in 0..PRODUCERS {
            let tx = tx.clone();
            R::spawn_inside(async move {
                for i in 0..MESSAGES / PRODUCERS {
                    C::send(&tx, (p * MESSAGES + i) as u64).await;
                }
            })
            .detach();
        }
        drop(tx);
        let mut n = 0;
        while C::recv(&mut rx).await.is_some() {
            n += 1;
        }
        assert_eq!(n, MESSAGES);
    });
}

/// `oneshot`: a client asks an echo task [`ROUND_TRIPS`] times; each request carries a new
/// oneshot sender for the reply (the carrier, an async-channel, is the same for all).
pub fn oneshot<R: Rt, O: BenchOneshot>(rt: &R) {
    crate::workloads::root(rt, async move {
        let (requests, inbox) = async_channel::unbounded::<(u64, O::Tx)>();
        let echo = R::spawn_inside(async move {
            while let Ok((value, reply)) = inbox.recv().await {
                O::send(reply, value);
            }
        });
        for i in 0..ROUND_TRIPS as u64 {
            let (tx, rx) = O::channel();
            requests.send((i, tx)).await.unwrap();
            rx.await;
        }
        drop(requests);
        echo.await;
    });
}

/// `sleep` (`arm`): [`SLEEPS_ARMED`] sleeps of an hour, each polled once (which registers it
/// with its timer) and dropped (which cancels it).
pub fn sleep_arm<R: Rt, S: BenchSleep>(rt: &R) {
    crate::workloads::root(rt, async move {
        for _ in 0..SLEEPS_ARMED {
            let mut sleep = S::sleep(Duration::from_secs(3_600));
            let mut once = true;
            std::future::poll_fn(|cx| {
                let _ = std::pin::Pin::new(&mut sleep).poll(cx);
                if std::mem::take(&mut once) {
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                } else {
                    std::task::Poll::Ready(())
                }
            })
            .await;
        }
    });
}

/// `sleep` (`fire`): [`SLEEPERS`] tasks each sleep [`SLEEP_FOR`] [`SLEEPS_FIRED`] times.
pub fn sleep_fire<R: Rt, S: BenchSleep>(rt: &R) {
    crate::workloads::root(rt, async move {
        let handles: Vec<_> = (0..SLEEPERS)
            .map(|_| {
                R::spawn_inside(async move {
                    for _ in 0..SLEEPS_FIRED {
                        S::sleep(SLEEP_FOR).await;
                    }
                })
            })
            .collect();
        for h in handles {
            h.await;
        }
    });
}
