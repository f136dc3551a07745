#[executor::main]
async fn main() {
    executor::yield_now().await;
}
