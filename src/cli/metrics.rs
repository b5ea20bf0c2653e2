//! The metrics endpoint of `segscope watch`: Prometheus text exposition at
//! `/metrics`, served by a thread of its own with std's listener. Bounded: a
//! request head over 8 KiB is refused, reads and writes time out after two
//! seconds, and the body is copied out before it is written, so a slow or
//! malicious client can delay other scrapers at most that long and never the
//! watch.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// Read and write deadline per connection.
const DEADLINE: Duration = Duration::from_secs(2);

/// Binds `addr` and serves `body` at `/metrics` from a background thread;
/// returns the address bound (a port of 0 picks a free one).
pub fn serve(addr: SocketAddr, body: Arc<Mutex<Vec<u8>>>) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)
        .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
    let bound = listener.local_addr()?;
    std::thread::Builder::new()
        .name("segscope-metrics".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                // One client's trouble ends with its connection.
                let _ = answer(stream, &body);
            }
        })?;
    Ok(bound)
}

/// Reads one request and answers it.
fn answer(mut stream: TcpStream, body: &Mutex<Vec<u8>>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(DEADLINE))?;
    stream.set_write_timeout(Some(DEADLINE))?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
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
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
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

    fn get(addr: SocketAddr, request: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_metrics_and_survives_bad_clients() {
        let body = Arc::new(Mutex::new(b"x 1\n".to_vec()));
        let addr = serve("127.0.0.1:0".parse().unwrap(), body.clone()).unwrap();
        // A client that connects and says nothing is dropped after the
        // deadline; the next one is served.
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
    }
}
