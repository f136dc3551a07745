#[executor::main(freeze_policy = "frozen")]
async fn main() {}
