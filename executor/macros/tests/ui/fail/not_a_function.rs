#[executor::main]
struct Main;

fn main() {}
