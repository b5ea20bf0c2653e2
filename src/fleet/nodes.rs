//! Which nodes make the fleet: `NAME=SOURCE` arguments, the backfiller's node
//! file, and wubloader's Postgres `nodes` table.

use std::path::{Path, PathBuf};

use crate::analysis::remote::RemoteArchive;
use crate::analysis::{
    Analysis, AnalysisError, HourCache, KeptListings, LocalArchive, ScanObserver, analyse_source,
};
use crate::archive::layout::Selection;
use crate::archive::remote::{Node, NodeOptions, NodeUrl, looks_like_url, parse_node_url};

/// Where a node's archive is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeSource {
    /// A directory on this machine.
    Local(PathBuf),
    /// A restreamer's base URL.
    Remote(NodeUrl),
}

impl NodeSource {
    /// The source as the user wrote it (path or base URL).
    pub fn display(&self) -> String {
        match self {
            NodeSource::Local(p) => p.display().to_string(),
            NodeSource::Remote(u) => u.base.clone(),
        }
    }
}

impl NodeSource {
    /// Analyses the archive this source holds, reading a node with `options`;
    /// unchanged hours from `cache`, every hour's names kept in `kept`.
    pub fn analyse(
        &self,
        selection: &Selection,
        options: NodeOptions,
        observer: &dyn ScanObserver,
        cache: Option<&dyn HourCache>,
        kept: Option<&KeptListings>,
    ) -> Result<Analysis, AnalysisError> {
        match self {
            NodeSource::Local(path) => {
                let source = match kept {
                    Some(k) => LocalArchive::keeping(path, k),
                    None => LocalArchive::new(path),
                };
                analyse_source(&source, selection, observer, cache)
            }
            NodeSource::Remote(url) => {
                let source = RemoteArchive::new(Node::new(url.clone(), options), kept);
                analyse_source(&source, selection, observer, cache)
            }
        }
    }
}

/// One node of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// The name it is shown and planned under.
    pub name: String,
    /// Where its archive is.
    pub source: NodeSource,
}

/// The default name of a source: the URL's `host:port`, or the directory's name.
fn default_name(source: &NodeSource) -> String {
    match source {
        NodeSource::Remote(u) => u.authority.clone(),
        NodeSource::Local(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| p.display().to_string()),
    }
}

/// Parses a source: a node URL or a directory path.
pub fn parse_source(text: &str) -> Result<NodeSource, String> {
    if looks_like_url(text) || text.contains("://") {
        parse_node_url(text).map(NodeSource::Remote)
    } else if text.is_empty() {
        Err("an empty node source".into())
    } else {
        Ok(NodeSource::Local(PathBuf::from(text)))
    }
}

impl NodeSpec {
    /// `NAME=SOURCE` or `SOURCE` (named by its host:port or directory name).
    pub fn parse(arg: &str) -> Result<NodeSpec, String> {
        let (name, source) = match arg.split_once('=') {
            Some((n, s)) if !n.is_empty() && !looks_like_url(arg) => (Some(n), s),
            _ => (None, arg),
        };
        let source = parse_source(source)?;
        Ok(NodeSpec {
            name: name.map_or_else(|| default_name(&source), str::to_string),
            source,
        })
    }

    /// A node named `name` at `source` (the default name when `name` is `None`).
    pub fn new(name: Option<&str>, source: NodeSource) -> NodeSpec {
        NodeSpec {
            name: name.map_or_else(|| default_name(&source), str::to_string),
            source,
        }
    }
}

/// Reads a node file in the backfiller's format: per line `NAME URL` or `URL`,
/// blank lines and lines starting with `#` ignored. A URL-only line is named by
/// its host:port (the backfiller names it by host alone).
pub fn read_node_file(path: &Path) -> Result<Vec<NodeSpec>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read node file {}: {e}", path.display()))?;
    parse_node_lines(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// True when `path` is a node file: a small text file whose every line is a
/// comment, blank, or `[NAME] URL` with a node URL.
pub fn is_node_file(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= 1 << 20);
    small
        && std::fs::read_to_string(path).is_ok_and(|text| {
            parse_node_lines(&text).is_ok_and(|specs| {
                !specs.is_empty()
                    && specs
                        .iter()
                        .all(|s| matches!(s.source, NodeSource::Remote(_)))
            })
        })
}

/// The lines of a node file (see [`read_node_file`]).
pub fn parse_node_lines(text: &str) -> Result<Vec<NodeSpec>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let located = |e: String| format!("line {}: {e}", i + 1);
        match words.as_slice() {
            [] => {}
            [first, ..] if first.starts_with('#') => {}
            [source] => out.push(NodeSpec::new(None, parse_source(source).map_err(located)?)),
            [name, source, ..] => out.push(NodeSpec::new(
                Some(name),
                parse_source(source).map_err(located)?,
            )),
        }
    }
    Ok(out)
}

/// Reads wubloader's node list from Postgres, as segment_coverage and the
/// backfiller do: `SELECT name, url FROM nodes WHERE backfill_from`.
pub fn read_node_database(dsn: &str) -> Result<Vec<NodeSpec>, String> {
    let shown = redact_dsn(dsn);
    let mut client = postgres::Client::connect(dsn, postgres::NoTls)
        .map_err(|e| format!("cannot connect to the node database {shown}: {e}"))?;
    let rows = client
        .query("SELECT name, url FROM nodes WHERE backfill_from", &[])
        .map_err(|e| format!("cannot read the nodes table of {shown}: {e}"))?;
    let mut out = Vec::new();
    for row in rows {
        let name: Option<String> = row.try_get(0).map_err(|e| e.to_string())?;
        let url: Option<String> = row.try_get(1).map_err(|e| e.to_string())?;
        let (Some(name), Some(url)) = (name, url) else {
            continue;
        };
        let source = parse_node_url(&url).map_err(|e| format!("node {name:?} in {shown}: {e}"))?;
        out.push(NodeSpec::new(Some(&name), NodeSource::Remote(source)));
    }
    Ok(out)
}

/// A DSN with its password hidden, for messages.
fn redact_dsn(dsn: &str) -> String {
    if let Some((scheme, rest)) = dsn.split_once("://")
        && let Some((cred, host)) = rest.split_once('@')
    {
        let user = cred.split(':').next().unwrap_or_default();
        return format!("{scheme}://{user}@{host}");
    }
    dsn.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***"
            } else {
                kv
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Makes node names unique: a second node of the same name becomes `NAME (2)`,
/// and so on. Returns a message per collision.
pub fn dedupe_names(specs: &mut [NodeSpec]) -> Vec<String> {
    let mut messages = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for spec in specs.iter_mut() {
        if seen.contains(&spec.name) {
            let mut k = 2;
            while seen.contains(&format!("{} ({k})", spec.name)) {
                k += 1;
            }
            let renamed = format!("{} ({k})", spec.name);
            messages.push(format!(
                "two nodes are named {:?}: the one at {} is shown as {:?} (name nodes with NAME=SOURCE)",
                spec.name,
                spec.source.display(),
                renamed
            ));
            spec.name = renamed;
        }
        seen.push(spec.name.clone());
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_nodes_or_take_host_port_and_directory_names() {
        let a = NodeSpec::parse("alpha=http://10.0.0.1:8000").unwrap();
        assert_eq!(a.name, "alpha");
        let b = NodeSpec::parse("http://10.0.0.2:8000/").unwrap();
        assert_eq!(b.name, "10.0.0.2:8000");
        let c = NodeSpec::parse("/srv/wubloader/segments").unwrap();
        assert_eq!(c.name, "segments");
        assert_eq!(
            c.source,
            NodeSource::Local("/srv/wubloader/segments".into())
        );
        // An `=` inside a URL's path is not a name.
        let d = NodeSpec::parse("http://h:1/a=b").unwrap();
        assert_eq!(d.name, "h:1");
        assert!(NodeSpec::parse("x=ftp://h").is_err());
    }

    #[test]
    fn node_files_follow_the_backfiller_format() {
        let specs = parse_node_lines(
            "# fleet\n\nalpha http://a:8000\nhttp://b:8000\n  # indented comment\nbeta http://b:8001 trailing\n",
        )
        .unwrap();
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["alpha", "b:8000", "beta"]);
        let err = parse_node_lines("alpha ftp://x\n").unwrap_err();
        assert!(err.starts_with("line 1:"), "{err}");
    }

    #[test]
    fn colliding_names_are_renamed_and_reported() {
        let mut specs = vec![
            NodeSpec::parse("n=http://a:1").unwrap(),
            NodeSpec::parse("n=http://a:2").unwrap(),
            NodeSpec::parse("n=http://a:3").unwrap(),
        ];
        let msgs = dedupe_names(&mut specs);
        assert_eq!(msgs.len(), 2);
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["n", "n (2)", "n (3)"]);
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact_dsn("postgresql://u:secret@h/db"),
            "postgresql://u@h/db"
        );
        assert_eq!(
            redact_dsn("host=h user=u password=secret dbname=d"),
            "host=h user=u password=*** dbname=d"
        );
        let err =
            read_node_database("host=127.0.0.1 port=1 user=u password=secret connect_timeout=2")
                .unwrap_err();
        assert!(err.contains("cannot connect"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }
}
