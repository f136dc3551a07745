//! Loom models of the local run queue (`scheduler/queue.rs`, capacity 4 under loom).
//!
//! Each model pushes numbered tasks, lets threads take them concurrently, and checks that
//! every task came out exactly once; loom also fails a model if a slot is read while it is
//! written (its `UnsafeCell` tracks every access) or if a thread spins without end.

use std::cell::RefCell;

use loom::thread;

use crate::scheduler::queue::{self, Owner, Stealer, CAPACITY};

/// A thief's take: the task `steal_from` returned, then what it put in the thief's queue.
fn steal_all(victim: &Stealer<u32>) -> Vec<u32> {
    let (thief, _) = queue::new();
    let mut got: Vec<u32> = thief.steal_from(victim).into_iter().collect();
    got.extend(std::iter::from_fn(|| thief.pop()));
    got
}

fn pop_all(owner: &Owner<u32>) -> Vec<u32> {
    std::iter::from_fn(|| owner.pop()).collect()
}

/// Checks that `seen` is `0..n`, each once.
fn assert_exactly_once(mut seen: Vec<u32>, n: u32) {
    seen.sort_unstable();
    assert_eq!(seen, (0..n).collect::<Vec<_>>());
}

/// A steal racing the owner's pop and pushes, with the ring wrapping around: the owner
/// reuses the slot it popped while the thief may still be copying the next ones (rule 2),
/// and pushes into a queue that is full only because of the steal in progress (rule 5's
/// second case).
#[test]
fn loom_queue_steal_races_pop_and_push() {
    loom::model(|| {
        let (owner, stealer) = queue::new();
        let overflow = RefCell::new(Vec::new());
        let full = CAPACITY as u32;
        for i in 0..full - 1 {
            owner.push_back(i, &overflow);
        }
        let thief = thread::spawn(move || steal_all(&stealer));
        let mut seen = Vec::new();
        seen.extend(owner.pop());
        for i in full - 1..full + 2 {
            owner.push_back(i, &overflow);
        }
        seen.extend(pop_all(&owner));
        seen.extend(thief.join().unwrap());
        seen.extend(overflow.into_inner());
        assert_exactly_once(seen, full + 2);
    });
}

/// A steal racing pushes and a pop made after the thief started: the thief must see each
/// task it takes fully written (the `tail` publication), and never a `head` past the `tail`
/// it reads (the pop's `Release`, rule 7).
#[test]
fn loom_queue_steal_sees_concurrent_pushes() {
    loom::model(|| {
        let (owner, stealer) = queue::new();
        let overflow = RefCell::new(Vec::new());
        let thief = thread::spawn(move || steal_all(&stealer));
        owner.push_back(0, &overflow);
        let mut seen: Vec<u32> = owner.pop().into_iter().collect();
        owner.push_back(1, &overflow);
        owner.push_back(2, &overflow);
        seen.extend(pop_all(&owner));
        seen.extend(thief.join().unwrap());
        assert!(overflow.into_inner().is_empty());
        assert_exactly_once(seen, 3);
    });
}

/// A full queue's overflow (rule 5, first case) racing a steal's claim: exactly one of the
/// two CASes wins, the other retries or gives up.
#[test]
fn loom_queue_overflow_races_steal() {
    loom::model(|| {
        let (owner, stealer) = queue::new();
        let overflow = RefCell::new(Vec::new());
        let full = CAPACITY as u32;
        owner.push_back(0, &overflow);
        let thief = thread::spawn(move || steal_all(&stealer));
        // Tasks written after the thief started, so the overflow's CAS must carry rule 7.
        for i in 1..=full {
            owner.push_back(i, &overflow);
        }
        let mut seen = pop_all(&owner);
        seen.extend(thief.join().unwrap());
        seen.extend(overflow.into_inner());
        assert_exactly_once(seen, full + 1);
    });
}

/// A thief that is itself robbed: it writes the tasks it steals into slots of its own queue
/// that a second thief may just have copied out (rule 2 for `steal_from`'s writes).
#[test]
fn loom_queue_thief_robbed_while_stealing() {
    loom::model(|| {
        let overflow = RefCell::new(Vec::new());
        let (victim, victim_stealer) = queue::new();
        for i in 0..CAPACITY as u32 {
            victim.push_back(i, &overflow);
        }
        // Full, so the tasks it steals go to slots it has used before.
        let (thief, thief_stealer) = queue::new();
        for i in 10..10 + CAPACITY as u32 {
            thief.push_back(i, &overflow);
        }
        let second = thread::spawn(move || steal_all(&thief_stealer));
        let first = thread::spawn(move || {
            let mut seen: Vec<u32> = thief.pop().into_iter().collect();
            seen.extend(thief.pop());
            seen.extend(thief.steal_from(&victim_stealer));
            seen.extend(pop_all(&thief));
            seen
        });
        let mut seen = pop_all(&victim);
        seen.extend(first.join().unwrap());
        seen.extend(second.join().unwrap());
        assert!(overflow.into_inner().is_empty());
        seen.sort_unstable();
        let expected: Vec<u32> = (0..CAPACITY as u32)
            .chain(10..10 + CAPACITY as u32)
            .collect();
        assert_eq!(seen, expected);
    });
}

/// Shutdown's drain (rule 6) racing a thief, after the owner stopped: the drain waits out
/// the steal in progress instead of taking the tasks being copied.
#[test]
fn loom_queue_drain_races_steal() {
    loom::model(|| {
        let (owner, stealer) = queue::new();
        let overflow = RefCell::new(Vec::new());
        for i in 0..3 {
            owner.push_back(i, &overflow);
        }
        let thief = {
            let stealer = stealer.clone();
            thread::spawn(move || steal_all(&stealer))
        };
        let mut seen: Vec<u32> = std::iter::from_fn(|| stealer.pop()).collect();
        seen.extend(thief.join().unwrap());
        assert!(stealer.is_empty() && owner.is_empty());
        assert_exactly_once(seen, 3);
    });
}
