//! `executor::time`: sleeps, timeouts and intervals, on async-io's timer. No test asserts how
//! long anything took beyond "not before its deadline" (machines are noisy).

mod common;

use std::pin::pin;
use std::time::{Duration, Instant};

use common::{eventually, rt};
use executor::time::{
    interval, interval_at, sleep, sleep_until, timeout, timeout_at, MissedTickBehavior,
};

#[test]
fn sleep_completes_after_its_deadline() {
    let rt = rt(1);
    rt.block_on(async {
        let start = Instant::now();
        let s = sleep(Duration::from_millis(10));
        assert!(s.deadline() >= start + Duration::from_millis(10));
        let deadline = s.deadline();
        s.await;
        assert!(Instant::now() >= deadline);
        sleep_until(Instant::now() - Duration::from_secs(1)).await;
        // A duration too large for `Instant` is "forever", not a panic.
        let forever = sleep(Duration::MAX);
        assert!(forever.deadline() > Instant::now() + Duration::from_secs(86_400 * 365));
    });
}

#[test]
fn a_reset_sleep_waits_for_the_new_deadline() {
    let rt = rt(1);
    rt.block_on(async {
        let mut s = pin!(sleep(Duration::from_secs(3_600)));
        let deadline = Instant::now() + Duration::from_millis(5);
        s.as_mut().reset(deadline);
        assert_eq!(s.deadline(), deadline);
        s.as_mut().await;
        assert!(s.is_elapsed());
        // Completed sleeps stay complete; a reset re-arms.
        s.as_mut().await;
        s.as_mut().reset(Instant::now() + Duration::from_millis(1));
        assert!(!s.is_elapsed());
        s.as_mut().await;
    });
}

#[test]
fn timeout_returns_the_output_or_elapsed() {
    let rt = rt(1);
    rt.block_on(async {
        assert_eq!(timeout(Duration::from_secs(30), async { 5 }).await, Ok(5));
        let err = timeout(Duration::from_millis(1), std::future::pending::<()>())
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), "deadline has elapsed");
        let _: &dyn std::error::Error = &err;
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        // A future ready at the deadline still gives its output.
        let past = Instant::now() - Duration::from_secs(1);
        assert_eq!(timeout_at(past, async { 1 }).await, Ok(1));
        let t = timeout_at(past, async { 2 });
        assert_eq!(t.deadline(), past);
        assert_eq!(t.into_inner().await, 2);
    });
}

#[test]
fn interval_ticks_on_its_schedule() {
    let rt = rt(1);
    rt.block_on(async {
        let period = Duration::from_millis(2);
        let mut ticks = interval(period);
        assert_eq!(ticks.period(), period);
        assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
        let first = ticks.tick().await;
        for k in 1..5u32 {
            let due = ticks.tick().await;
            assert_eq!(due, first + period * k);
            assert!(Instant::now() >= due);
        }
    });
}

#[test]
fn missed_ticks_follow_the_policy() {
    let rt = rt(1);
    rt.block_on(async {
        let period = Duration::from_millis(10);
        let start = Instant::now();

        // Burst: every missed tick comes, on the original schedule.
        let mut burst = interval_at(start, period);
        burst.tick().await;
        std::thread::sleep(period * 4);
        assert_eq!(burst.tick().await, start + period);
        assert_eq!(burst.tick().await, start + period * 2);

        // Skip: one late tick, then the next on the original schedule.
        let start = Instant::now();
        let mut skip = interval_at(start, period);
        skip.set_missed_tick_behavior(MissedTickBehavior::Skip);
        skip.tick().await;
        std::thread::sleep(period * 4);
        assert_eq!(skip.tick().await, start + period);
        let next = skip.tick().await;
        let offset = next.duration_since(start).as_nanos() % period.as_nanos();
        assert_eq!(offset, 0, "{next:?} is off the schedule");
        assert!(next >= start + period * 4);

        // Delay: the schedule restarts a period after the late tick.
        let start = Instant::now();
        let mut delay = interval_at(start, period);
        delay.set_missed_tick_behavior(MissedTickBehavior::Delay);
        delay.tick().await;
        std::thread::sleep(period * 4);
        let late = delay.tick().await;
        assert_eq!(late, start + period);
        let next = delay.tick().await;
        assert!(next >= start + period * 5, "{next:?}");
    });
}

#[test]
fn a_cancelled_tick_is_still_due() {
    let rt = rt(1);
    rt.block_on(async {
        // Long enough that the tick is not due yet when the zero timeout polls it.
        let period = Duration::from_millis(300);
        let mut ticks = interval(period);
        let first = ticks.tick().await;
        assert!(timeout(Duration::ZERO, ticks.tick()).await.is_err());
        assert_eq!(ticks.tick().await, first + period);
        ticks.reset();
        assert!(timeout(Duration::ZERO, ticks.tick()).await.is_err());
    });
}

#[test]
#[should_panic(expected = "`period` must be non-zero")]
fn a_zero_period_panics() {
    let _ = interval(Duration::ZERO);
}

#[test]
fn a_sleeping_task_shows_its_sleep() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let task = rt.spawn(sleep(Duration::from_secs(3_600)));
    let id = task.id();
    let what = eventually("the task to sleep", || {
        let snap = handle.snapshot();
        let t = snap.tasks.iter().find(|t| t.id == id)?;
        t.wait.as_ref().map(|w| w.what.clone())
    });
    assert!(what.starts_with("sleep ("), "{what}");
    assert!(what.ends_with(" left)"), "{what}");
    task.abort();
}

#[test]
fn a_task_in_a_timeout_shows_the_lock_among_other_waits() {
    let rt = rt(1);
    let handle = rt.handle().clone();
    let m = std::sync::Arc::new(executor::sync::Mutex::new(()));
    let guard = rt.block_on(m.lock());
    let task = rt.spawn({
        let m = m.clone();
        async move { timeout(Duration::from_secs(3_600), m.lock()).await.is_ok() }
    });
    let id = task.id();
    let wait = eventually("the task to wait", || {
        let snap = handle.snapshot();
        let t = snap.tasks.iter().find(|t| t.id == id)?;
        t.wait.clone()
    });
    // The lock says more about a hang than its deadline; the mark says there is another wait.
    assert!(wait.what.starts_with("mutex #"), "{wait:?}");
    assert!(wait.what.ends_with(" lock"), "{wait:?}");
    assert!(wait.among_others, "{wait:?}");
    assert!(
        wait.describe().ends_with(" lock (among other waits)"),
        "{wait:?}"
    );
    drop(guard);
    assert!(rt.block_on(task).unwrap());
}
