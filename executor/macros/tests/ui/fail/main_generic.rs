#[executor::main]
async fn main<T: Default>() {
    let _ = 1;
}
