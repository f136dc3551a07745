#[executor::main(freeze_policy = "nofreeze")]
async fn main() {}
