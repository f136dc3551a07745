//! Multi-producer, single-consumer channels, like `tokio::sync::mpsc`, on `concurrent-queue`
//! with the runtime's permit queue for room: [`channel`] (bounded: `send` waits while it is
//! full, senders served first come, first served) and [`unbounded_channel`].
//!
//! Dumps show each channel with its queue length, capacity and senders (`mpsc #3 (2 queued,
//! capacity 16, 1 sender) created at src/main.rs:9:18`), and a task waiting in `recv` or
//! `send` says so in its title: `task 4 [idle, 1.20s, mpsc #3 recv]`.
//!
//! ```
//! use executor::sync::mpsc;
//!
//! # let rt = executor::Runtime::builder().worker_threads(2).build().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx) = mpsc::channel(16);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     executor::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(i) = rx.recv().await {
//!     got.push(i);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

mod bounded;
pub mod error;
mod recv;
mod state;
mod unbounded;

use std::panic::Location;
use std::sync::Arc;

use concurrent_queue::ConcurrentQueue;

pub use bounded::{Receiver, Send, Sender};
pub use error::{SendError, TryRecvError, TrySendError};
pub use recv::Recv;
pub use unbounded::{UnboundedReceiver, UnboundedSender};

use recv::RecvHalf;
use state::ChanState;

/// A bounded channel with room for `buffer` values. Dumps show the caller's location as
/// where it was created.
///
/// # Panics
/// When `buffer` is 0 or more than [`Semaphore::MAX_PERMITS`](super::Semaphore::MAX_PERMITS).
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    assert!(
        buffer <= super::Semaphore::MAX_PERMITS,
        "mpsc bounded channel requires buffer <= {}",
        super::Semaphore::MAX_PERMITS
    );
    let state = ChanState::new(Some(buffer), Location::caller());
    let queue = Arc::new(ConcurrentQueue::bounded(buffer));
    let tx = Sender {
        queue: queue.clone(),
        state: state.clone(),
    };
    let rx = Receiver {
        half: RecvHalf { queue, state },
    };
    (tx, rx)
}

/// An unbounded channel: sending never waits. Dumps show the caller's location as where it
/// was created.
#[track_caller]
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let state = ChanState::new(None, Location::caller());
    let queue = Arc::new(ConcurrentQueue::unbounded());
    let tx = UnboundedSender {
        queue: queue.clone(),
        state: state.clone(),
    };
    let rx = UnboundedReceiver {
        half: RecvHalf { queue, state },
    };
    (tx, rx)
}
