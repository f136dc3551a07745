//! A TCP echo server and its clients in one program, on loopback.
//!
//! The server listens on `127.0.0.1:0` (an ephemeral port) with `async_net::TcpListener`
//! and runs one task per connection, named `conn-{peer}` with `executor::task::Builder`.
//! The client part then opens 20 concurrent connections, sends several messages of
//! different sizes on each (writing and reading concurrently, so large messages cannot
//! deadlock on full socket buffers), checks every echoed byte, and prints a summary.
//!
//! The program exits with status 0 when every echo matches, and 1 on any mismatch, I/O
//! error, or if the whole exchange takes longer than 10 seconds.
//!
//! ```text
//! cargo run -p examples --example echo
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use async_io::Timer;
use async_net::{Shutdown, TcpListener, TcpStream};
use executor::task;
use futures_lite::{future, AsyncReadExt, AsyncWriteExt};

/// Concurrent client connections.
const CONNECTIONS: usize = 20;
/// Messages sent on each connection.
const MESSAGES: usize = 8;
/// The whole exchange must finish within this.
const DEADLINE: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let rt = match executor::Runtime::builder().worker_threads(4).build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("echo: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let outcome = rt.block_on(future::or(run(), async {
        Timer::after(DEADLINE).await;
        Err(format!("timed out after {DEADLINE:?}"))
    }));
    match outcome {
        Ok(stats) => {
            println!(
                "echo: ok: {} connections served, {} messages, {} bytes echoed and verified in {:.1?}",
                stats.served,
                stats.messages,
                stats.bytes,
                start.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("echo: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What the clients and the server did.
struct Stats {
    served: usize,
    messages: usize,
    bytes: usize,
}

async fn run() -> Result<Stats, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("local_addr: {e}"))?;
    println!("echo: server listening on {addr}");

    let server = task::Builder::new()
        .name("accept-loop")
        .spawn(serve(listener, CONNECTIONS));

    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            task::Builder::new()
                .name(format!("client-{c}"))
                .spawn(client(addr, c))
        })
        .collect();

    let (mut messages, mut bytes) = (0, 0);
    for (c, h) in clients.into_iter().enumerate() {
        let (m, b) = h.await.map_err(|e| format!("client {c}: {e}"))??;
        messages += m;
        bytes += b;
    }
    let served = server.await.map_err(|e| format!("server: {e}"))??;
    Ok(Stats {
        served,
        messages,
        bytes,
    })
}

/// Accepts exactly `connections` connections, one task each, and waits for all of them.
async fn serve(listener: TcpListener, connections: usize) -> Result<usize, String> {
    let mut handlers = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, peer) = listener
            .accept()
            .await
            .map_err(|e| format!("accept: {e}"))?;
        handlers.push(
            task::Builder::new()
                .name(format!("conn-{peer}"))
                .spawn(handle(stream, peer)),
        );
    }
    for h in handlers {
        h.await.map_err(|e| format!("handler: {e}"))??;
    }
    Ok(connections)
}

/// Echoes everything it reads until the peer closes its write half.
async fn handle(mut stream: TcpStream, peer: SocketAddr) -> Result<(), String> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(|e| format!("conn-{peer}: read: {e}"))?;
        if n == 0 {
            return Ok(());
        }
        stream
            .write_all(&buf[..n])
            .await
            .map_err(|e| format!("conn-{peer}: write: {e}"))?;
    }
}

/// The `m`th message of connection `c`: a recognisable prefix, then a byte pattern, with
/// sizes from a few bytes up to 64 KiB.
fn message(c: usize, m: usize) -> Vec<u8> {
    let len = [5, 100, 1_500, 4_096, 10_000, 65_536, 17, 32_768][m % 8];
    let mut msg = format!("conn {c} msg {m}|").into_bytes();
    msg.extend((0..len).map(|i| (i * 31 + c * 7 + m) as u8));
    msg
}

/// Connects, sends `MESSAGES` messages while reading the echoes concurrently, and checks
/// each echo byte for byte. Returns (messages, bytes).
async fn client(addr: SocketAddr, c: usize) -> Result<(usize, usize), String> {
    let stream = TcpStream::connect(addr)
        .await
        .map_err(|e| format!("client {c}: connect: {e}"))?;
    let messages: Vec<Vec<u8>> = (0..MESSAGES).map(|m| message(c, m)).collect();

    let mut writer = stream.clone();
    let to_send = messages.clone();
    let send = async move {
        for msg in &to_send {
            writer
                .write_all(msg)
                .await
                .map_err(|e| format!("client {c}: write: {e}"))?;
        }
        writer
            .shutdown(Shutdown::Write)
            .map_err(|e| format!("client {c}: shutdown: {e}"))
    };

    let mut reader = stream;
    let receive = async move {
        let mut bytes = 0;
        for (m, expected) in messages.iter().enumerate() {
            let mut echoed = vec![0u8; expected.len()];
            reader
                .read_exact(&mut echoed)
                .await
                .map_err(|e| format!("client {c}: message {m}: read: {e}"))?;
            if let Some(at) = echoed.iter().zip(expected).position(|(a, b)| a != b) {
                return Err(format!(
                    "client {c}: message {m}: byte {at} differs: sent {:#04x}, got {:#04x}",
                    expected[at], echoed[at]
                ));
            }
            bytes += echoed.len();
        }
        // The server must close after the last echo, with nothing extra.
        let mut rest = Vec::new();
        reader
            .read_to_end(&mut rest)
            .await
            .map_err(|e| format!("client {c}: read to end: {e}"))?;
        if !rest.is_empty() {
            return Err(format!("client {c}: {} unexpected extra bytes", rest.len()));
        }
        Ok(bytes)
    };

    let (sent, received) = future::zip(send, receive).await;
    sent?;
    Ok((MESSAGES, received?))
}
