#[executor::main(freeze_timeout = "2h")]
async fn main() {}
