//! A stand-in for wubloader's restreamer, serving an archive directory over
//! loopback with the restreamer's listing API and its rules (hidden names left
//! out, `.`-prefixed path parts refused with 403, missing directories listed as
//! empty, tombstoned segments hidden, tombstones listed on request). Used by the
//! fleet benchmark and by tests; it can also misbehave on purpose (HTML, broken
//! JSON, a trickled answer, a redirect, extra unsafe names).

use std::collections::HashSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use percent_encoding::percent_decode_str;

use crate::fleet::plan::restreamer_listing;

/// How the server answers listings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// As the restreamer does.
    #[default]
    Faithful,
    /// Every answer is an HTML page.
    Html,
    /// Hour listings are cut-off JSON.
    BrokenJson,
    /// Hour listings trickle out one byte per this many ms.
    Trickle(u64),
    /// Every request is redirected elsewhere.
    Redirect,
    /// Hour listings carry these names too.
    ExtraNames(Vec<String>),
    /// After this many requests the server goes away (connections refused).
    DieAfter(u64),
}

/// A running server; stops when dropped.
pub struct Restreamer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<AtomicU64>,
    methods: Arc<std::sync::Mutex<HashSet<String>>>,
}

impl Restreamer {
    /// Serves `dir` (an archive root) on a free loopback port.
    pub fn serve(dir: &Path, behaviour: Behaviour) -> std::io::Result<Restreamer> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(AtomicU64::new(0));
        let methods = Arc::new(std::sync::Mutex::new(HashSet::new()));
        let root = dir.to_path_buf();
        let behaviour = Arc::new(behaviour);
        let (s, r, m) = (stop.clone(), requests.clone(), methods.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let seen = Seen {
                            requests: r.clone(),
                            methods: m.clone(),
                            stop: s.clone(),
                        };
                        let (root, behaviour) = (root.clone(), behaviour.clone());
                        std::thread::spawn(move || {
                            let _ = serve_connection(stream, &root, &behaviour, &seen);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Ok(Restreamer {
            addr,
            stop,
            requests,
            methods,
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The HTTP methods of every request received.
    pub fn methods(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .methods
            .lock()
            .map(|m| m.iter().cloned().collect())
            .unwrap_or_default();
        m.sort();
        m
    }
}

impl Drop for Restreamer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// What a connection reports to its server.
struct Seen {
    requests: Arc<AtomicU64>,
    methods: Arc<std::sync::Mutex<HashSet<String>>>,
    stop: Arc<AtomicBool>,
}

fn serve_connection(
    stream: TcpStream,
    root: &Path,
    behaviour: &Behaviour,
    seen: &Seen,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut close = false;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h == "\r\n" || h == "\n" {
                break;
            }
            if h.to_ascii_lowercase().starts_with("connection:") && h.contains("close") {
                close = true;
            }
        }
        let n = seen.requests.fetch_add(1, Ordering::Relaxed) + 1;
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        if let Ok(mut m) = seen.methods.lock() {
            m.insert(method.clone());
        }
        if let Behaviour::DieAfter(limit) = behaviour
            && n > *limit
        {
            // Gone: this connection is dropped unanswered, the next refused.
            seen.stop.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let target = parts.next().unwrap_or_default().to_string();
        let (status, kind, body, trickle) =
            if method == "HEAD" && head_size(root, &target).is_some() {
                ("200 OK", "video/MP2T", Vec::new(), None)
            } else {
                answer(root, behaviour, &target)
            };
        let length = match (method.as_str(), head_size(root, &target)) {
            ("HEAD", Some(n)) => n,
            _ => body.len() as u64,
        };
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {length}\r\n{}\r\n",
            if status.starts_with("302") {
                "Location: http://127.0.0.1:9/elsewhere\r\n"
            } else {
                ""
            }
        );
        out.write_all(head.as_bytes())?;
        if method != "HEAD" {
            match trickle {
                Some(ms) => {
                    for b in &body {
                        out.write_all(&[*b])?;
                        out.flush()?;
                        std::thread::sleep(Duration::from_millis(ms));
                    }
                }
                None => out.write_all(&body)?,
            }
        }
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}

type Answer = (&'static str, &'static str, Vec<u8>, Option<u64>);

fn json(names: Vec<String>) -> Answer {
    let body = serde_json::to_vec(&names).unwrap_or_default();
    ("200 OK", "application/json", body, None)
}

fn answer(root: &Path, behaviour: &Behaviour, target: &str) -> Answer {
    if *behaviour == Behaviour::Redirect {
        return ("302 Found", "text/html", b"moved".to_vec(), None);
    }
    if *behaviour == Behaviour::Html {
        return (
            "200 OK",
            "text/html",
            b"<html><body>It works</body></html>".to_vec(),
            None,
        );
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segs: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let Some((head, args)) = segs.split_first() else {
        return not_found();
    };
    if args.iter().any(|a| a.starts_with('.')) {
        return (
            "403 FORBIDDEN",
            "text/html",
            b"May not start with a period".to_vec(),
            None,
        );
    }
    let dir: PathBuf = args.iter().fold(root.to_path_buf(), |p, a| p.join(a));
    // Listing a file fails inside the restreamer (NotADirectoryError): HTTP 500.
    if head == "files" && dir.exists() && !dir.is_dir() {
        return (
            "500 INTERNAL SERVER ERROR",
            "text/html",
            b"<h1>Internal Server Error</h1>".to_vec(),
            None,
        );
    }
    match (head.as_str(), args.len()) {
        ("files", 0..=2) => json(list_visible(&dir)),
        ("files", 3) => {
            let tombstones = match query_value(query, "tombstones").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => {
                    return (
                        "400 BAD REQUEST",
                        "text/html",
                        b"tombstones must be one of: true, false".to_vec(),
                        None,
                    );
                }
            };
            let mut names = segment_files(&dir, tombstones);
            match behaviour {
                Behaviour::BrokenJson => {
                    let mut body = serde_json::to_vec(&names).unwrap_or_default();
                    body.truncate(body.len() / 2);
                    ("200 OK", "application/json", body, None)
                }
                Behaviour::Trickle(ms) => {
                    let body = serde_json::to_vec(&names).unwrap_or_default();
                    ("200 OK", "application/json", body, Some(*ms))
                }
                Behaviour::ExtraNames(extra) => {
                    names.extend(extra.iter().cloned());
                    json(names)
                }
                _ => json(names),
            }
        }
        ("segments", 4) if head_size(root, target).is_some() => match std::fs::read(&dir) {
            Ok(bytes) => ("200 OK", "video/MP2T", bytes, None),
            Err(_) => not_found(),
        },
        _ => not_found(),
    }
}

/// The size of the file a `/segments/...` target names (`None`: not a file).
fn head_size(root: &Path, target: &str) -> Option<u64> {
    let path = target.split('?').next()?.strip_prefix("/segments/")?;
    let parts: Vec<String> = path
        .split('/')
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    if parts.len() != 4 || parts.iter().any(|p| p.starts_with('.') || p.is_empty()) {
        return None;
    }
    let file = parts.iter().fold(root.to_path_buf(), |p, a| p.join(a));
    std::fs::metadata(file)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

fn not_found() -> Answer {
    (
        "404 NOT FOUND",
        "text/html",
        b"<h1>Not Found</h1>".to_vec(),
        None,
    )
}

fn query_value(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| v.to_ascii_lowercase())
    })
}

/// The restreamer's `listdir(path, error=False)`: names not starting with `.`.
fn list_visible(dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    rd.filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect()
}

/// wubloader's `list_segment_files(path, include_tombstones, include_chat=True)`,
/// by the one rule segscope's plan reads a listing with.
fn segment_files(dir: &Path, include_tombstones: bool) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let names: Vec<String> = rd
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    restreamer_listing(&names)
        .iter()
        .filter(|n| include_tombstones || !n.ends_with(".tombstone"))
        .map(str::to_string)
        .collect()
}
