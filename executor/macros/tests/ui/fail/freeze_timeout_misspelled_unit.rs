#[executor::main(freeze_timeout = "5sec")]
async fn main() {}
