#[executor::main(freeze_policy = no_freeze)]
async fn main() {}
