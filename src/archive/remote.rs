//! A recording node's archive over HTTP, as wubloader's restreamer lists it:
//! `/files` (channels), `/files/CHANNEL` (qualities), `/files/CHANNEL/QUALITY`
//! (hours), `/files/CHANNEL/QUALITY/HOUR?tombstones=true` (file names), and each
//! file under `/segments/CHANNEL/QUALITY/HOUR/NAME` (a `HEAD` gives its size).
//!
//! Only `GET` and `HEAD` are ever sent: segscope reads a node, never writes to it.
//! Requests have timeouts and are retried with back-off; a node that stops
//! answering is given up after a few failures in a row, so the rest of the work
//! goes on without waiting for every request to time out.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::Warning;
use super::layout::{
    Entry, EntryKind, HourDir, Layout, OpenError, OpenedAs, Selection, StreamDir,
    outside_range_warning, unmatched_selection,
};
use super::walk::{HourListing, classify_entries};
use crate::time::parse_hour_name;

/// A node's address: its base URL and the name it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeUrl {
    /// `http(s)://host[:port][/prefix]`, without a trailing slash.
    pub base: String,
    /// `host:port` as written (`host` when the URL gives no port).
    pub authority: String,
}

/// True when `text` is meant as a node's URL rather than a path.
pub fn looks_like_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Parses a node's base URL (`http://host:port`, optionally with a path prefix).
pub fn parse_node_url(text: &str) -> Result<NodeUrl, String> {
    let text = text.trim();
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| format!("{text:?} is not a URL (expected http://host:port)"))?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(format!(
            "{text:?}: only http:// and https:// nodes can be read"
        ));
    }
    if rest.contains(['?', '#']) {
        return Err(format!(
            "{text:?}: a node's URL has no query or fragment (give its base, e.g. http://host:8000)"
        ));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("{text:?}: no host in the URL"));
    }
    Ok(NodeUrl {
        base: text.trim_end_matches('/').to_string(),
        authority: authority.to_string(),
    })
}

/// Why a request to a node failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    /// Nothing listens at the address.
    #[error("connection refused")]
    Refused,
    /// The host name does not resolve.
    #[error("host not found")]
    HostNotFound,
    /// No complete answer within the time allowed.
    #[error("timed out after {0} s")]
    Timeout(u64),
    /// An HTTP error status.
    #[error("HTTP {0}")]
    Status(u16),
    /// A redirect (a restreamer never redirects).
    #[error("redirected to {0}; give the node's final address")]
    Redirect(String),
    /// The answer is not the JSON list of names asked for.
    #[error("the answer is not a JSON list of names ({0})")]
    NotJson(String),
    /// The address answers, but not as a restreamer does.
    #[error("not a wubloader restreamer: {0}")]
    NotRestreamer(String),
    /// The node failed too many requests in a row; no more are sent.
    #[error("node given up after {0} failed requests in a row (last: {1})")]
    GivenUp(usize, String),
    /// Any other transport error.
    #[error("{0}")]
    Other(String),
}

impl RemoteError {
    /// True for failures a later attempt may not meet (transport, 5xx).
    fn is_transient(&self) -> bool {
        match self {
            RemoteError::Refused
            | RemoteError::Timeout(_)
            | RemoteError::Other(_)
            | RemoteError::HostNotFound => true,
            // 502, 503 and 504 come from a proxy or a server busy for now; a
            // 500 is the application failing on that request, every time.
            RemoteError::Status(s) => matches!(s, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// How a node is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeOptions {
    /// Time allowed for one whole request (connect, answer and body).
    pub timeout: Duration,
    /// Time allowed to connect.
    pub connect_timeout: Duration,
    /// Attempts per request (1 = no retry).
    pub attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
    /// Requests in flight at once to this node (the backfiller uses 5).
    pub concurrency: usize,
    /// Failed requests in a row after which the node is given up.
    pub give_up_after: usize,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            timeout: Duration::from_secs(20),
            connect_timeout: Duration::from_secs(5),
            attempts: 3,
            backoff: Duration::from_millis(500),
            concurrency: 5,
            give_up_after: 8,
        }
    }
}

/// The largest listing read (an hour of 1 s segments is about 300 kB).
const MAX_BODY: u64 = 64 << 20;

/// Characters escaped in a path segment: everything but letters, digits and `-._~`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A recording node read through its restreamer.
pub struct Node {
    url: NodeUrl,
    agent: ureq::Agent,
    options: NodeOptions,
    failures_in_a_row: AtomicUsize,
}

impl Node {
    /// A node at `url`, read with `options`.
    pub fn new(url: NodeUrl, options: NodeOptions) -> Node {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .timeout_connect(Some(options.connect_timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("segscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Node {
            url,
            agent,
            options,
            failures_in_a_row: AtomicUsize::new(0),
        }
    }

    /// The node's address.
    pub fn url(&self) -> &NodeUrl {
        &self.url
    }

    /// The options it is read with.
    pub fn options(&self) -> &NodeOptions {
        &self.options
    }

    /// The URL of `prefix/PARTS...` (each part escaped).
    fn address(&self, prefix: &str, parts: &[&str]) -> String {
        let mut out = format!("{}/{prefix}", self.url.base);
        for p in parts {
            out.push('/');
            out.extend(utf8_percent_encode(p, SEGMENT));
        }
        out
    }

    /// Sends one request, retrying transient failures with back-off.
    fn send<T>(&self, call: impl Fn() -> Result<T, RemoteError>) -> Result<T, RemoteError> {
        let mut wait = self.options.backoff;
        let mut attempt = 1;
        loop {
            let given_up = self.failures_in_a_row.load(Ordering::Relaxed);
            if given_up >= self.options.give_up_after {
                return Err(RemoteError::GivenUp(given_up, "no answer".into()));
            }
            match call() {
                Ok(v) => {
                    self.failures_in_a_row.store(0, Ordering::Relaxed);
                    return Ok(v);
                }
                Err(e) if e.is_transient() => {
                    let n = self.failures_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
                    if n >= self.options.give_up_after {
                        return Err(RemoteError::GivenUp(n, e.to_string()));
                    }
                    if attempt >= self.options.attempts {
                        return Err(e);
                    }
                }
                Err(e) => return Err(e),
            }
            std::thread::sleep(wait);
            wait = wait.saturating_mul(2);
            attempt += 1;
        }
    }

    /// `GET url`, answered with a JSON list of names.
    fn get_names(&self, url: &str) -> Result<Vec<String>, RemoteError> {
        self.send(|| {
            let mut resp = self.agent.get(url).call().map_err(|e| self.transport(e))?;
            check_status(&resp)?;
            let body = resp
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| self.transport(e))?;
            parse_names(&body)
        })
    }

    fn transport(&self, e: ureq::Error) -> RemoteError {
        match e {
            ureq::Error::Timeout(_) => RemoteError::Timeout(self.options.timeout.as_secs()),
            ureq::Error::HostNotFound => RemoteError::HostNotFound,
            ureq::Error::ConnectionFailed => RemoteError::Refused,
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                RemoteError::Refused
            }
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                RemoteError::Timeout(self.options.timeout.as_secs())
            }
            ureq::Error::StatusCode(s) => RemoteError::Status(s),
            ureq::Error::BodyExceedsLimit(n) => {
                RemoteError::NotJson(format!("answer larger than {n} bytes"))
            }
            other => RemoteError::Other(other.to_string()),
        }
    }

    /// The channels the node lists (checks that it answers as a restreamer).
    pub fn channels(&self) -> Result<Vec<String>, RemoteError> {
        self.get_names(&self.address("files", &[]))
            .map_err(|e| match e {
                RemoteError::NotJson(why) => {
                    RemoteError::NotRestreamer(format!("GET /files: {why}"))
                }
                RemoteError::Status(404) => {
                    RemoteError::NotRestreamer("GET /files: HTTP 404".into())
                }
                other => other,
            })
    }

    /// The names listed under `/files/PARTS...`.
    pub fn list(&self, parts: &[&str]) -> Result<Vec<String>, RemoteError> {
        self.get_names(&self.address("files", parts))
    }

    /// The file names of one hour, tombstones included (as the backfiller asks).
    pub fn hour_files(
        &self,
        channel: &str,
        quality: &str,
        hour: &str,
    ) -> Result<Vec<String>, RemoteError> {
        let url = self.address("files", &[channel, quality, hour]) + "?tombstones=true";
        self.get_names(&url)
    }

    /// The size of one file (`HEAD /segments/...`).
    pub fn file_size(&self, parts: &[&str]) -> Result<u64, RemoteError> {
        let url = self.address("segments", parts);
        self.send(|| {
            let resp = self
                .agent
                .head(&url)
                .call()
                .map_err(|e| self.transport(e))?;
            check_status(&resp)?;
            resp.headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .ok_or_else(|| RemoteError::Other("no Content-Length in the answer".into()))
        })
    }

    /// The root every path of this node's layout is under (its base URL).
    pub fn root(&self) -> PathBuf {
        PathBuf::from(&self.url.base)
    }

    /// Lists the node's streams and hours (as [`super::layout::discover`] does
    /// for a directory). Fails only when the node cannot be read at all.
    pub fn discover(&self, selection: &Selection) -> Result<Layout, OpenError> {
        let root = self.root();
        let unreadable = |e: RemoteError| OpenError::Remote {
            url: self.url.base.clone(),
            reason: e.to_string(),
        };
        let mut warnings = Vec::new();
        let channels = self.channels().map_err(unreadable)?;
        let mut streams = Vec::new();
        for channel in safe_names(&root, &root, channels, &mut warnings) {
            let cpath = root.join(&channel);
            let qualities = match self.list(&[&channel]) {
                Ok(q) => q,
                Err(e) => {
                    warnings.push(Warning::new(&root, &cpath, format!("cannot list: {e}")));
                    continue;
                }
            };
            for quality in safe_names(&root, &cpath, qualities, &mut warnings) {
                streams.push(StreamDir {
                    channel: channel.clone(),
                    path: cpath.join(&quality),
                    quality,
                });
            }
        }
        unmatched_selection(&root, &streams, selection, &mut warnings);
        streams.retain(|s| selection.keeps_stream(&s.channel, &s.quality));
        streams.sort_by(|a, b| (&a.channel, &a.quality).cmp(&(&b.channel, &b.quality)));
        let mut hours = Vec::new();
        let mut outside: Option<(i64, i64)> = None;
        for (index, stream) in streams.iter().enumerate() {
            let names = match self.list(&[&stream.channel, &stream.quality]) {
                Ok(n) => n,
                Err(e) => {
                    warnings.push(Warning::new(
                        &root,
                        &stream.path,
                        format!("cannot list: {e}"),
                    ));
                    continue;
                }
            };
            let mut names = safe_names(&root, &stream.path, names, &mut warnings);
            names.sort();
            for name in names {
                let path = stream.path.join(&name);
                match parse_hour_name(&name) {
                    Some(h) if selection.keeps_hour(h) => hours.push(HourDir {
                        stream: index,
                        hour_start_us: h,
                        path,
                    }),
                    Some(h) => {
                        let (a, b) = outside.unwrap_or((h, h));
                        outside = Some((a.min(h), b.max(h)));
                    }
                    None => warnings.push(Warning::new(
                        &root,
                        &path,
                        "not an hour directory name (expected YYYY-MM-DDTHH); skipped",
                    )),
                }
            }
        }
        if hours.is_empty() {
            warnings.extend(outside_range_warning(&root, outside));
        }
        Ok(Layout {
            root,
            opened_as: OpenedAs::Root,
            streams,
            hours,
            warnings,
        })
    }

    /// The channel, quality and hour names of an hour of this node's layout.
    pub fn hour_parts(&self, hour: &HourDir) -> Option<[String; 3]> {
        let rel = hour.path.strip_prefix(self.root()).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.try_into().ok()
    }

    /// Lists one hour: its classified listing, and the names as the node gave
    /// them (tombstones included; `None` when the listing failed).
    pub fn list_hour(&self, hour: &HourDir) -> (HourListing, Option<Vec<String>>) {
        let root = self.root();
        let Some([c, q, h]) = self.hour_parts(hour) else {
            let w = Warning::new(&root, &hour.path, "not an hour of this node");
            return (listing_with(w), None);
        };
        match self.hour_files(&c, &q, &h) {
            Ok(names) => {
                let mut warnings = Vec::new();
                let mut names = safe_names(&root, &hour.path, names, &mut warnings);
                names.sort();
                names.dedup();
                let entries: Vec<Entry> = names
                    .iter()
                    .map(|n| Entry {
                        name: OsString::from(n),
                        kind: EntryKind::File,
                    })
                    .collect();
                let mut listing = classify_entries(&root, &hour.path, &entries);
                warnings.append(&mut listing.warnings);
                listing.warnings = warnings;
                (listing, Some(names))
            }
            Err(e) => {
                let w = Warning::new(&root, &hour.path, format!("cannot list hour: {e}"));
                (listing_with(w), None)
            }
        }
    }

    /// The size of the file `name` of `hour`, as a located warning on failure.
    pub fn size_in_hour(&self, hour: &HourDir, name: &str) -> Result<u64, Warning> {
        let root = self.root();
        let path = hour.path.join(name);
        let Some([c, q, h]) = self.hour_parts(hour) else {
            return Err(Warning::new(&root, &path, "not an hour of this node"));
        };
        self.file_size(&[&c, &q, &h, name])
            .map_err(|e| Warning::new(&root, &path, format!("cannot read file size: {e}")))
    }
}

fn listing_with(w: Warning) -> HourListing {
    HourListing {
        warnings: vec![w],
        ..HourListing::default()
    }
}

/// Fails on any status but 2xx, naming a redirect's target.
fn check_status(resp: &ureq::http::Response<ureq::Body>) -> Result<(), RemoteError> {
    let status = resp.status();
    if status.is_redirection() {
        let to = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(no Location)");
        return Err(RemoteError::Redirect(to.chars().take(200).collect()));
    }
    if !status.is_success() {
        return Err(RemoteError::Status(status.as_u16()));
    }
    Ok(())
}

/// Parses a restreamer's JSON list of names.
fn parse_names(body: &str) -> Result<Vec<String>, RemoteError> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('<') {
        return Err(RemoteError::NotJson("it is HTML".into()));
    }
    serde_json::from_str::<Vec<String>>(body).map_err(|e| {
        let what = if trimmed.starts_with('[') {
            format!("{e}")
        } else {
            let head: String = trimmed.chars().take(40).collect();
            format!("it begins {head:?}")
        };
        RemoteError::NotJson(what)
    })
}

/// Keeps the names that are one safe path segment (not empty, no `/`, no NUL,
/// not starting with `.`, so never `..`); each other one is a warning.
fn safe_names(
    root: &Path,
    dir: &Path,
    names: Vec<String>,
    warnings: &mut Vec<Warning>,
) -> Vec<String> {
    names
        .into_iter()
        .filter(|n| {
            let safe = !n.is_empty() && !n.starts_with('.') && !n.contains(['/', '\\', '\0']);
            if !safe {
                warnings.push(Warning::new(
                    root,
                    dir,
                    format!("the node lists {n:?}, which is not a file or directory name; skipped"),
                ));
            }
            safe
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_urls_parse_to_base_and_authority() {
        let u = parse_node_url("http://node-a:8000/").unwrap();
        assert_eq!(u.base, "http://node-a:8000");
        assert_eq!(u.authority, "node-a:8000");
        let u = parse_node_url("https://example.org/wubloader").unwrap();
        assert_eq!(u.authority, "example.org");
        assert_eq!(u.base, "https://example.org/wubloader");
        assert!(parse_node_url("ftp://x").is_err());
        assert!(parse_node_url("http://").is_err());
        assert!(parse_node_url("http://a/?q=1").is_err());
        assert!(parse_node_url("node-a:8000").is_err());
        assert!(looks_like_url("HTTP://x"));
        assert!(!looks_like_url("/srv/segments"));
    }

    #[test]
    fn listings_must_be_json_lists_of_names() {
        assert_eq!(parse_names("[\"a\", \"b\"]").unwrap(), vec!["a", "b"]);
        assert!(matches!(
            parse_names("<html>hi</html>"),
            Err(RemoteError::NotJson(w)) if w.contains("HTML")
        ));
        assert!(matches!(
            parse_names("{\"a\": 1}"),
            Err(RemoteError::NotJson(_))
        ));
        assert!(matches!(
            parse_names("[1, 2]"),
            Err(RemoteError::NotJson(_))
        ));
    }

    #[test]
    fn unsafe_names_are_reported_and_dropped() {
        let mut w = Vec::new();
        let kept = safe_names(
            Path::new("http://n"),
            Path::new("http://n/c"),
            vec![
                "..".into(),
                "a/b".into(),
                "".into(),
                ".hidden".into(),
                "ok".into(),
            ],
            &mut w,
        );
        assert_eq!(kept, vec!["ok"]);
        assert_eq!(w.len(), 4);
        assert!(w.iter().all(|w| w.path == "c"));
    }

    #[test]
    fn path_segments_are_escaped() {
        let node = Node::new(
            parse_node_url("http://h:1").unwrap(),
            NodeOptions::default(),
        );
        assert_eq!(
            node.address("files", &["a b", "x?y", "2024-01-01T00"]),
            "http://h:1/files/a%20b/x%3Fy/2024-01-01T00"
        );
    }
}
