//! The new arguments on `#[executor::test]`, and a duration in every unit and form.

#[executor::test(task_panic = "propagate", thread_name = "t", sigquit_dump = true)]
async fn propagate() {
    let task = executor::spawn(async { panic!("to the join handle") });
    assert!(task.await.unwrap_err().is_panic());
}

#[executor::test(dump_path = "dump.txt", thread_name = "")]
async fn path_and_empty_thread_name() {}

#[executor::test(freeze_timeout = "250000ns")]
async fn nanoseconds() {}

#[executor::test(freeze_timeout = "0.5us")]
async fn fractional_microseconds() {}

#[executor::test(freeze_timeout = "007ms")]
async fn leading_zeros() {}

#[executor::test(freeze_timeout = "1.5s")]
async fn seconds() {}

#[executor::test(freeze_timeout = "2m")]
async fn minutes() {}

fn main() {}
