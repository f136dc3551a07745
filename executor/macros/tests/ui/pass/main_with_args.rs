#[executor::main(worker_threads = 2, freeze_policy = "no_freeze")]
async fn main() {
    let handle = executor::Handle::current();
    assert_eq!(handle.worker_threads(), 2);
    assert_eq!(handle.freeze_policy(), executor::FreezePolicy::NoFreeze);

    let task = executor::spawn(async { 6 * 7 });
    assert_eq!(task.await.unwrap(), 42);
}
