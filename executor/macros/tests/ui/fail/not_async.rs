#[executor::main]
fn main() {
    println!("hello");
}
