//! The metrics endpoint of `segscope watch`: Prometheus text exposition at
//! `/metrics`, served from threads of its own with std's listener.
//!
//! Bounded so that no client can keep a scraper out:
//! * each connection has its own thread, and at most [`MAX_CONNECTIONS`] are
//!   open at once; a new connection beyond that closes the oldest open one,
//!   so a scraper is answered however many idle or slow sockets hang;
//! * a request has [`HEAD_DEADLINE`] in all to arrive (not per read: a client
//!   sending a byte a second is closed at the deadline), and its answer
//!   [`WRITE_DEADLINE`] to be taken;
//! * a request head over [`MAX_HEAD`] is refused; CRLF and bare LF line ends
//!   are both read;
//! * the body is copied out before it is written, so the watch never waits.

use std::collections::VecDeque;
use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a whole request head may take to arrive.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(2);
/// How long the answer may take to be written.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(5);
/// The most connections served at once.
pub const MAX_CONNECTIONS: usize = 32;

/// The open connections, oldest first, each under its number.
type Open = Arc<Mutex<VecDeque<(usize, TcpStream)>>>;

/// Binds `addr` and serves `body` at `/metrics` from a background thread;
/// returns the address bound (a port of 0 picks a free one).
pub fn serve(addr: SocketAddr, body: Arc<Mutex<Vec<u8>>>) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    std::thread::Builder::new()
        .name("segscope-metrics".into())
        .spawn(move || accept_loop(&listener, &body))?;
    Ok(bound)
}

fn accept_loop(listener: &TcpListener, body: &Arc<Mutex<Vec<u8>>>) {
    let open: Open = Arc::default();
    for (id, stream) in listener.incoming().flatten().enumerate() {
        let Ok(handle) = stream.try_clone() else {
            continue;
        };
        {
            let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
            while open.len() >= MAX_CONNECTIONS {
                if let Some((_, oldest)) = open.pop_front() {
                    // Its thread's next read or write fails and it ends.
                    let _ = oldest.shutdown(Shutdown::Both);
                }
            }
            open.push_back((id, handle));
        }
        let (mine, body) = (open.clone(), body.clone());
        let spawned = std::thread::Builder::new()
            .name("segscope-metrics-conn".into())
            .spawn(move || {
                // One client's trouble ends with its connection.
                let _ = answer(stream, &body);
                let mut open = mine.lock().unwrap_or_else(|p| p.into_inner());
                open.retain(|(other, _)| *other != id);
            });
        if spawned.is_err() {
            let mut open = open.lock().unwrap_or_else(|p| p.into_inner());
            open.retain(|(other, _)| *other != id);
        }
    }
}

/// The end of a request head: a blank line, with CRLF or bare LF line ends.
fn head_complete(head: &[u8]) -> bool {
    head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n")
}

/// Reads one request head within [`HEAD_DEADLINE`] and answers it.
fn answer(mut stream: TcpStream, body: &Mutex<Vec<u8>>) -> std::io::Result<()> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head_complete(&head) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
        if head.len() > MAX_HEAD {
            return reply(
                &mut stream,
                "431 Request Header Fields Too Large",
                b"request too large\n",
            );
        }
    }
    stream.set_write_timeout(Some(WRITE_DEADLINE))?;
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(first.strip_suffix(b"\r").unwrap_or(first));
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        return reply(&mut stream, "405 Method Not Allowed", b"only GET\n");
    }
    if target != "/metrics" && !target.starts_with("/metrics?") {
        return reply(&mut stream, "404 Not Found", b"see /metrics\n");
    }
    let bytes = body.lock().map(|b| b.clone()).unwrap_or_default();
    let content = if method == "HEAD" {
        &[][..]
    } else {
        &bytes[..]
    };
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    )?;
    stream.write_all(content)
}

fn reply(stream: &mut TcpStream, status: &str, text: &[u8]) -> std::io::Result<()> {
    stream.set_write_timeout(Some(WRITE_DEADLINE))?;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        text.len()
    )?;
    stream.write_all(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request answered within `limit`: the read fails past it.
    fn get_within(addr: SocketAddr, request: &[u8], limit: Duration) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(limit)).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out)
            .unwrap_or_else(|e| panic!("no answer within {limit:?}: {e}; got {out:?}"));
        out
    }

    fn get(addr: SocketAddr, request: &[u8]) -> String {
        get_within(addr, request, Duration::from_secs(30))
    }

    #[test]
    fn serves_metrics_and_survives_bad_clients() {
        let body = Arc::new(Mutex::new(b"x 1\n".to_vec()));
        let addr = serve("127.0.0.1:0".parse().unwrap(), body.clone()).unwrap();
        let _silent = TcpStream::connect(addr).unwrap();
        let huge = vec![b'a'; MAX_HEAD + 10];
        let _ = TcpStream::connect(addr).map(|mut s| s.write_all(&huge));
        let ok = get(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(ok.starts_with("HTTP/1.1 200 OK"), "{ok}");
        assert!(ok.ends_with("\r\n\r\nx 1\n"), "{ok}");
        *body.lock().unwrap() = b"x 2\n".to_vec();
        assert!(get(addr, b"GET /metrics HTTP/1.0\r\n\r\n").ends_with("x 2\n"));
        assert!(get(addr, b"GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, b"POST /metrics HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 405"));
        // Bare LF line ends, as some clients and `nc` send.
        let lf = get(addr, b"GET /metrics HTTP/1.0\nHost: x\n\n");
        assert!(
            lf.starts_with("HTTP/1.1 200 OK") && lf.ends_with("x 2\n"),
            "{lf}"
        );
    }

    #[test]
    fn a_scrape_is_answered_while_idle_and_slow_clients_hang() {
        let body = Arc::new(Mutex::new(b"up 1\n".to_vec()));
        let addr = serve("127.0.0.1:0".parse().unwrap(), body).unwrap();
        // 30 idle sockets, and more than the server holds at once.
        let idle: Vec<TcpStream> = (0..MAX_CONNECTIONS + 10)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        // A slowloris client: a byte of a request that never ends, every 300 ms.
        let slow = TcpStream::connect(addr).unwrap();
        let dripping = std::thread::spawn(move || {
            let mut slow = slow;
            let started = Instant::now();
            for b in b"GET /metrics HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter()
            {
                if slow.write_all(&[*b]).is_err() {
                    return Some(started.elapsed());
                }
                std::thread::sleep(Duration::from_millis(300));
            }
            None
        });
        std::thread::sleep(Duration::from_millis(200));
        // A hang guard, not a timing: an endpoint the idle sockets block
        // answers after 2 s per socket ahead of the scrape (over 80 s), or
        // never while the slow client drips.
        for _ in 0..5 {
            let ok = get_within(
                addr,
                b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                Duration::from_secs(10),
            );
            assert!(ok.ends_with("up 1\n"), "{ok}");
        }
        // The slow client is cut off at the whole-request deadline (its
        // writes then fail), not kept while it keeps sending.
        let cut_after = dripping.join().unwrap();
        assert!(
            cut_after.is_some(),
            "a client sending a byte every 300 ms for 10 s was never closed"
        );
        drop(idle);
    }
}
