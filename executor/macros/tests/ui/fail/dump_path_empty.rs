#[executor::main(dump_path = "")]
async fn main() {}
