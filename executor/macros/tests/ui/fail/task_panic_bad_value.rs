#[executor::main(task_panic = "abort")]
async fn main() {}
