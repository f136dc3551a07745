//! Loom models of the permit queue under `Semaphore` and `Mutex` (`sync/permits.rs`).
//!
//! Each model races a release with an acquire or a cancellation and checks that no permit
//! and no wake-up is lost: a waiter that went to sleep is woken and then gets its permit,
//! and a permit handed to a waiter that is dropped goes to the next one.

use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::sync::permits::{Acquired, Permits, Waiter};

/// A waker that records that it was woken.
struct Flag(Arc<AtomicBool>);

impl Wake for Flag {
    fn wake(self: StdArc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn flag_waker() -> (Waker, Arc<AtomicBool>) {
    let woken = Arc::new(AtomicBool::new(false));
    (Waker::from(StdArc::new(Flag(woken.clone()))), woken)
}

/// A release racing an acquire that finds the permit taken (rules 2 and 4): the acquire
/// either takes the released permit at once or queues and is woken with it granted.
#[test]
fn loom_permits_release_reaches_an_acquire_in_progress() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(1));
        permits.try_acquire(1).unwrap();
        let acquirer = {
            let permits = permits.clone();
            thread::spawn(move || {
                let (waker, woken) = flag_waker();
                let mut waiter = Waiter::new(1);
                let first = permits.poll_acquire(&mut Context::from_waker(&waker), &mut waiter);
                (first, waiter, waker, woken)
            })
        };
        permits.release(1);
        let (first, mut waiter, waker, woken) = acquirer.join().unwrap();
        if first.is_pending() {
            assert!(
                woken.load(Ordering::SeqCst),
                "the queued acquire was not woken"
            );
            let again = permits.poll_acquire(&mut Context::from_waker(&waker), &mut waiter);
            assert_eq!(again, Poll::Ready(Acquired::Permits));
        } else {
            assert_eq!(first, Poll::Ready(Acquired::Permits));
        }
        assert_eq!(permits.available(), 0);
    });
}

/// A release racing the cancellation of the first of two queued waiters (rule 5): whether
/// the permit was granted to the cancelled one or not, the second one gets it.
#[test]
fn loom_permits_cancelled_waiter_passes_its_permit_on() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(1));
        permits.try_acquire(1).unwrap();
        let (waker, _) = flag_waker();
        let (second_waker, second_woken) = flag_waker();
        let mut first = Waiter::new(1);
        let mut second = Waiter::new(1);
        let mut cx = Context::from_waker(&waker);
        assert!(permits.poll_acquire(&mut cx, &mut first).is_pending());
        let mut second_cx = Context::from_waker(&second_waker);
        assert!(permits
            .poll_acquire(&mut second_cx, &mut second)
            .is_pending());
        let releaser = {
            let permits = permits.clone();
            thread::spawn(move || permits.release(1))
        };
        permits.cancel(&mut first);
        releaser.join().unwrap();
        assert!(
            second_woken.load(Ordering::SeqCst),
            "the second waiter was not woken"
        );
        let got = permits.poll_acquire(&mut second_cx, &mut second);
        assert_eq!(got, Poll::Ready(Acquired::Permits));
        assert_eq!(permits.available(), 0);
    });
}

/// Closing racing a release and a queued waiter (rule 6): the waiter ends, granted or
/// closed, and is never left asleep.
#[test]
fn loom_permits_close_wakes_a_queued_waiter() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(1));
        permits.try_acquire(1).unwrap();
        let (waker, woken) = flag_waker();
        let mut waiter = Waiter::new(1);
        let mut cx = Context::from_waker(&waker);
        assert!(permits.poll_acquire(&mut cx, &mut waiter).is_pending());
        let closer = {
            let permits = permits.clone();
            thread::spawn(move || permits.close())
        };
        permits.release(1);
        closer.join().unwrap();
        assert!(woken.load(Ordering::SeqCst), "the waiter was not woken");
        assert!(permits.poll_acquire(&mut cx, &mut waiter).is_ready());
    });
}

/// A queued waiter polling (without the lock when it finds itself served, rule 3) while a
/// release serves it: it either sees the grant or was woken for it, and in the end has the
/// permit exactly once.
#[test]
fn loom_permits_queued_poll_races_its_grant() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(1));
        permits.try_acquire(1).unwrap();
        let (waker, woken) = flag_waker();
        let mut waiter = Waiter::new(1);
        let mut cx = Context::from_waker(&waker);
        assert!(permits.poll_acquire(&mut cx, &mut waiter).is_pending());
        let releaser = {
            let permits = permits.clone();
            thread::spawn(move || permits.release(1))
        };
        let during = permits.poll_acquire(&mut cx, &mut waiter);
        releaser.join().unwrap();
        if during.is_pending() {
            assert!(woken.load(Ordering::SeqCst), "the waiter was not woken");
            let after = permits.poll_acquire(&mut cx, &mut waiter);
            assert_eq!(after, Poll::Ready(Acquired::Permits));
        } else {
            assert_eq!(during, Poll::Ready(Acquired::Permits));
        }
        assert_eq!(permits.available(), 0);
        permits.release(1);
        assert_eq!(permits.available(), 1);
    });
}

/// Closing racing a queued waiter's poll (rule 6): the waiter ends closed, now or after its
/// wake-up, and never waits on.
#[test]
fn loom_permits_close_races_a_queued_poll() {
    loom::model(|| {
        let permits = Arc::new(Permits::new(0));
        let (waker, woken) = flag_waker();
        let mut waiter = Waiter::new(1);
        let mut cx = Context::from_waker(&waker);
        assert!(permits.poll_acquire(&mut cx, &mut waiter).is_pending());
        let closer = {
            let permits = permits.clone();
            thread::spawn(move || permits.close())
        };
        let during = permits.poll_acquire(&mut cx, &mut waiter);
        closer.join().unwrap();
        match during {
            Poll::Pending => {
                assert!(woken.load(Ordering::SeqCst), "the waiter was not woken");
                let after = permits.poll_acquire(&mut cx, &mut waiter);
                assert_eq!(after, Poll::Ready(Acquired::Closed));
            }
            ready => assert_eq!(ready, Poll::Ready(Acquired::Closed)),
        }
    });
}
