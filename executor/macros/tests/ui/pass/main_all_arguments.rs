//! Every argument at once; the runtime they configure runs, and its workers have the name.

#[executor::main(
    worker_threads = 3,
    thread_name = "my-worker",
    freeze_policy = "no_freeze",
    freeze_timeout = "250ms",
    task_panic = "fatal",
    sigquit_dump = false,
    dump_path = "target/executor-dump.txt",
    await_traces = false,
    stall_warning = "200ms",
    stall_fatal = "1m",
)]
async fn main() {
    let handle = executor::Handle::current();
    assert_eq!(handle.worker_threads(), 3);
    if std::env::var_os("EXECUTOR_DEBUG").is_none() {
        assert_eq!(handle.freeze_policy(), executor::FreezePolicy::NoFreeze);
    }
    let name = executor::spawn(async { std::thread::current().name().map(str::to_owned) });
    let name = name.await.unwrap().expect("workers are named");
    assert!(name.starts_with("my-worker-"), "{name}");
}
