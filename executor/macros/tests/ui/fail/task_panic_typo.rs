#[executor::main(task_panic = "propogate")]
async fn main() {}
