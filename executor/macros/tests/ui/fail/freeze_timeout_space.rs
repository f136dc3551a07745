#[executor::main(freeze_timeout = "100 ms")]
async fn main() {}
