#[executor::test(thread_name = "t\0", task_panic = "Fatal", freeze_timeout = "1s30ms")]
async fn t() {}

fn main() {}
