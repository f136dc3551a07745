//! Deadlocks on `executor::sync` primitives in real dumps: each scenario runs in a child copy
//! of this binary, says "ready" once its tasks wait, and the parent sends SIGQUIT and reads
//! the dump: the `deadlock:` line, the resources section, the blocks' titles.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use common::child::{self, Finished, SCENARIO_VAR};
use executor::sync::{mpsc, Barrier, Mutex};
use executor::{task, Runtime, TaskId};

/// Runs the scenario named by the environment; a no-op in the parent's test run.
#[test]
fn scenario_runner() {
    let Ok(name) = std::env::var(SCENARIO_VAR) else {
        return;
    };
    let rt = Runtime::builder().worker_threads(2).build().unwrap();
    let handle = rt.handle().clone();
    rt.block_on(async move {
        let ids = Arc::new(StdMutex::new(Vec::new()));
        match name.as_str() {
            "mutex_cycle" => mutex_cycle(&ids),
            "mutex_join_cycle" => mutex_join_cycle(&ids),
            "recv_wait" => recv_wait(&ids),
            "timeout_cycle" => timeout_cycle(&ids),
            "relock" => relock(&ids),
            other => panic!("unknown scenario {other:?}"),
        }
        // Ready once every scenario task waits on something the runtime knows.
        let ids = loop {
            let ids: Vec<TaskId> = ids.lock().unwrap().clone();
            let snap = handle.snapshot();
            let waiting = |id: &TaskId| snap.tasks.iter().any(|t| t.id == *id && t.wait.is_some());
            if ids.len() >= 2 && ids.iter().all(waiting) {
                break ids;
            }
            executor::time::sleep(Duration::from_millis(5)).await;
        };
        let ids: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
        // The recv scenario's wait must show some time in the title.
        executor::time::sleep(Duration::from_millis(50)).await;
        println!("ready {}", ids.join(" "));
        std::io::stdout().flush().unwrap();
        std::future::pending::<()>().await;
    });
}

/// Two tasks take two mutexes in opposite order.
fn mutex_cycle(ids: &Arc<StdMutex<Vec<TaskId>>>) {
    let accounts = Arc::new(Mutex::new("accounts"));
    let ledger = Arc::new(Mutex::new("ledger"));
    let both_locked = Arc::new(Barrier::new(2));
    let left = task::Builder::new().name("left").spawn({
        let (a, b, both) = (accounts.clone(), ledger.clone(), both_locked.clone());
        async move {
            let _a = a.lock().await;
            both.wait().await;
            let _b = b.lock().await;
        }
    });
    let right = task::Builder::new().name("right").spawn({
        let (a, b, both) = (accounts, ledger, both_locked);
        async move {
            let _b = b.lock().await;
            both.wait().await;
            let _a = a.lock().await;
        }
    });
    ids.lock().unwrap().extend([left.id(), right.id()]);
}

/// A task holds a mutex and joins a task that waits for that mutex.
fn mutex_join_cycle(ids: &Arc<StdMutex<Vec<TaskId>>>) {
    let config = Arc::new(Mutex::new("config"));
    let ids2 = ids.clone();
    let owner = task::Builder::new().name("owner").spawn(async move {
        let _held = config.lock().await;
        let reloader = task::Builder::new().name("reloader").spawn({
            let config = config.clone();
            async move {
                let _c = config.lock().await;
            }
        });
        ids2.lock().unwrap().push(reloader.id());
        let _ = reloader.await;
    });
    ids.lock().unwrap().push(owner.id());
}

/// A task waits in `recv` on a channel nobody sends on (the sender is kept alive).
fn recv_wait(ids: &Arc<StdMutex<Vec<TaskId>>>) {
    let (tx, mut rx) = mpsc::channel::<String>(8);
    let inbox = task::Builder::new().name("inbox").spawn(async move {
        while let Some(message) = rx.recv().await {
            drop(message);
        }
    });
    // A second waiter, so that the runner's "two tasks wait" holds: the sender's keeper.
    let keeper = task::Builder::new().name("keeper").spawn(async move {
        executor::time::sleep(Duration::from_secs(3_600)).await;
        drop(tx);
    });
    ids.lock().unwrap().extend([inbox.id(), keeper.id()]);
}

/// `mutex_join_cycle`, but the joined task waits for the mutex under a `timeout`: not a
/// deadlock (the timer frees it), and the wait it shows is still the mutex.
fn timeout_cycle(ids: &Arc<StdMutex<Vec<TaskId>>>) {
    let config = Arc::new(Mutex::new("config"));
    let ids2 = ids.clone();
    let owner = task::Builder::new().name("owner").spawn(async move {
        let _held = config.lock().await;
        let client = task::Builder::new().name("client").spawn({
            let config = config.clone();
            async move {
                let _ = executor::time::timeout(Duration::from_secs(3_600), config.lock()).await;
            }
        });
        ids2.lock().unwrap().push(client.id());
        let _ = client.await;
    });
    ids.lock().unwrap().push(owner.id());
}

/// A task locks a mutex it already holds (and a second task queues behind it).
fn relock(ids: &Arc<StdMutex<Vec<TaskId>>>) {
    let cache = Arc::new(Mutex::new("cache"));
    let twice = task::Builder::new().name("twice").spawn({
        let cache = cache.clone();
        async move {
            let _first = cache.lock().await;
            let _second = cache.lock().await;
        }
    });
    let behind = task::Builder::new().name("behind").spawn(async move {
        executor::time::sleep(Duration::from_millis(20)).await;
        let _c = cache.lock().await;
    });
    ids.lock().unwrap().extend([twice.id(), behind.id()]);
}

// --- the parent's side ----------------------------------------------------------------------

/// Runs `scenario`, sends SIGQUIT once it is ready; the ids it printed and the dump.
fn sigquit(scenario: &str) -> (Vec<u64>, Finished) {
    let (ready, run) = common::dump::sigquit(child::command(scenario));
    let ids = ready
        .split_whitespace()
        .skip(1)
        .map(|id| id.parse().unwrap())
        .collect();
    (ids, run)
}

/// The line of `text` in this file.
fn line_of(text: &str) -> u32 {
    common::dump::line_of(include_str!("sync_deadlocks.rs"), text)
}

/// The dump's only `deadlock:` line.
fn deadlock_line(run: &Finished) -> &str {
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("deadlock: "))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    lines[0]
}

/// The resources section's line for `what` (`mutex #4`).
fn resource_line<'a>(run: &'a Finished, what: &str) -> &'a str {
    let prefix = format!("    {what} ");
    run.stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no resource line for {what} in\n{}", run.stderr))
}

/// The id of the task named `name`, from its block's title.
fn id_named(run: &Finished, name: &str) -> u64 {
    let quoted = format!(" \"{name}\" [");
    let title = run
        .stderr
        .lines()
        .find(|l| l.starts_with("task ") && l.contains(&quoted))
        .unwrap_or_else(|| panic!("no task {name:?} in\n{}", run.stderr));
    title.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The `mutex #N` names on a deadlock line, in order.
fn mutexes_on(line: &str) -> Vec<String> {
    line.split("mutex #")
        .skip(1)
        .map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            format!("mutex #{digits}")
        })
        .collect()
}

#[test]
fn two_tasks_locking_in_opposite_order_are_reported_as_a_deadlock() {
    let (ids, run) = sigquit("mutex_cycle");
    let (left, right) = (ids[0], ids[1]);
    let line = deadlock_line(&run);
    let (low, high) = (left.min(right), left.max(right));
    assert!(
        line.starts_with(&format!("deadlock: task {low} waits for mutex #")),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "held by task {high}; task {high} waits for mutex #"
        )),
        "{line}"
    );
    assert!(line.ends_with(&format!("held by task {low}")), "{line}");
    let mutexes = mutexes_on(line);
    assert_eq!(mutexes.len(), 2, "{line}");
    assert_ne!(mutexes[0], mutexes[1]);
    // The deadlock comes before the task blocks.
    let at = run.stderr.find("deadlock: ").unwrap();
    let first_block = run.stderr.find(&format!("\ntask {low} ")).unwrap();
    assert!(at < first_block);

    // Both mutexes with their creation sites and holders in the resources section.
    let accounts = line_of("    let accounts = Arc::new(Mutex::new(\"accounts\"));");
    let ledger = line_of("    let ledger = Arc::new(Mutex::new(\"ledger\"));");
    let mut sites = Vec::new();
    for m in &mutexes {
        let r = resource_line(&run, m);
        assert!(r.contains("(locked) created at "), "{r}");
        assert!(r.contains(": held by task "), "{r}");
        assert!(r.contains("1 waiter: task "), "{r}");
        let site = [accounts, ledger]
            .into_iter()
            .find(|l| r.contains(&format!("sync_deadlocks.rs:{l}:")))
            .unwrap_or_else(|| panic!("no creation site in {r}"));
        sites.push(site);
        // Held by one task, awaited by the other.
        let holder = if r.contains(&format!("held by task {left} ")) {
            left
        } else {
            right
        };
        let waiter = if holder == left { right } else { left };
        assert!(r.contains(&format!("held by task {holder} for ")), "{r}");
        assert!(
            r.contains(&format!("1 waiter: task {waiter} lock (")),
            "{r}"
        );
    }
    sites.sort();
    assert_eq!(sites, [accounts, ledger]);
    // Each task's title says what it waits for.
    for id in [left, right] {
        let title = run
            .stderr
            .lines()
            .find(|l| l.starts_with(&format!("task {id} \"")))
            .unwrap();
        assert!(
            title.contains(", mutex #") && title.ends_with(" lock]:"),
            "{title}"
        );
    }
}

#[test]
fn a_mutex_and_a_join_in_one_cycle_are_reported() {
    let (_, run) = sigquit("mutex_join_cycle");
    let (owner, reloader) = (id_named(&run, "owner"), id_named(&run, "reloader"));
    let line = deadlock_line(&run);
    let mutexes = mutexes_on(line);
    assert_eq!(mutexes.len(), 1, "{line}");
    let m = &mutexes[0];
    assert!(
        line.contains(&format!("task {owner} waits for task {reloader} (join)")),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "task {reloader} waits for {m} held by task {owner}"
        )),
        "{line}"
    );
    let r = resource_line(&run, m);
    let site = line_of("    let config = Arc::new(Mutex::new(\"config\"));");
    assert!(r.contains(&format!("sync_deadlocks.rs:{site}:")), "{r}");
    assert!(r.contains(&format!("held by task {owner} for ")), "{r}");
}

#[test]
fn a_task_blocked_in_recv_names_the_channel_and_its_wait() {
    let (ids, run) = sigquit("recv_wait");
    let inbox = ids[0];
    assert!(
        run.stderr.lines().all(|l| !l.starts_with("deadlock: ")),
        "{}",
        run.stderr
    );
    let title = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("task {inbox} \"inbox\" [idle, ")))
        .unwrap_or_else(|| panic!("no inbox block in\n{}", run.stderr));
    // `[idle, 52.0ms, mpsc #3 recv]:`: a wait time, then the channel and the operation.
    let inside = title
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix("]:"))
        .unwrap();
    let parts: Vec<&str> = inside.split(", ").collect();
    assert_eq!(parts.len(), 3, "{title}");
    assert!(parts[1].ends_with('s'), "no wait time in {title}");
    assert!(
        parts[2].starts_with("mpsc #") && parts[2].ends_with(" recv"),
        "{title}"
    );
    let channel = parts[2].trim_end_matches(" recv");
    let r = resource_line(&run, channel);
    let site = line_of("    let (tx, mut rx) = mpsc::channel::<String>(8);");
    assert!(r.contains(&format!("sync_deadlocks.rs:{site}:")), "{r}");
    assert!(r.contains("(0 queued, capacity 8, 1 sender)"), "{r}");
    assert!(r.contains(&format!("1 waiter: task {inbox} recv (")), "{r}");
    // The sleeping keeper says how long it has left.
    let keeper = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("task {} \"keeper\" [idle, ", ids[1])))
        .unwrap();
    assert!(
        keeper.contains(", sleep (") && keeper.ends_with(" left)]:"),
        "{keeper}"
    );
}

#[test]
fn a_lock_under_a_timeout_is_shown_but_never_makes_a_deadlock() {
    let (_, run) = sigquit("timeout_cycle");
    assert!(!run.stderr.contains("deadlock: "), "{}", run.stderr);
    // By name: the two ids are pushed from two tasks, in either order.
    let (owner, client) = (id_named(&run, "owner"), id_named(&run, "client"));
    let title = run
        .stderr
        .lines()
        .find(|l| l.starts_with(&format!("task {client} \"client\" [idle, ")))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(title.ends_with(" lock (among other waits)]:"), "{title}");
    let mutex = title
        .split(", ")
        .find(|part| part.starts_with("mutex #"))
        .and_then(|part| {
            part.split(' ')
                .take(2)
                .reduce(|_, id| id)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| panic!("{title}"));
    let r = resource_line(&run, &format!("mutex {mutex}"));
    assert!(r.contains(&format!("held by task {owner} for ")), "{r}");
    assert!(
        r.contains(&format!("1 waiter: task {client} lock (")),
        "{r}"
    );
}

#[test]
fn a_task_locking_a_mutex_it_holds_deadlocks_with_itself() {
    let (_, run) = sigquit("relock");
    let twice = id_named(&run, "twice");
    let line = deadlock_line(&run);
    assert!(
        line.starts_with(&format!("deadlock: task {twice} waits for mutex #"))
            && line.ends_with(&format!(" held by task {twice} (itself)")),
        "{line}"
    );
}
