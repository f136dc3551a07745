#[executor::main(task_panics = "fatal")]
async fn main() {}
