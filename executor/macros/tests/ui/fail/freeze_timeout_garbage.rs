#[executor::main(freeze_timeout = "soon")]
async fn main() {}
