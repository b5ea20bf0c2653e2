//! The fleet: archives read over HTTP from a restreamer (a stand-in that
//! follows its API), several nodes at once, the union, the lost stretches and
//! the backfill plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod util;

use std::fs;
use std::path::Path;

use segscope::archive::layout::Selection;
use segscope::archive::remote::NodeOptions;
use segscope::bench::restreamer::{Behaviour, Restreamer};
use segscope::fleet::plan::PlanOptions;
use segscope::fleet::{FleetReport, NoFleetObserver, NodeSpec, scan_fleet};
use serde_json::Value;
use util::{H, Ran, demo_archive, segscope_in};

const HOUR0: &str = "2024-11-09T00";
const HOUR1: &str = "2024-11-09T01";
const OTHER_HASH: &str = "AAAAgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

fn touch(root: &Path, rel: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::File::create(p).unwrap().set_len(1000).unwrap();
}

fn seg(hour: &str, time: &str, kind: &str) -> String {
    format!("c/source/{hour}/{time}-2.0-{kind}-{H}.ts")
}

fn tomb(hour: &str, time: &str) -> String {
    format!("c/source/{hour}/{time}-2.0-full-{H}.tombstone")
}

/// A JSON report without what names the place it was read from.
fn placeless(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "root" | "opened_as" | "warnings"))
                .map(|(k, v)| (k.clone(), placeless(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(placeless).collect()),
        v => v.clone(),
    }
}

#[test]
fn coverage_of_a_node_over_http_equals_that_of_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 3);
    // Competing suspects and partials make the scan ask for sizes (HEAD).
    let server = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let local: Ran = segscope_in(
        dir.path(),
        &[
            "coverage",
            demo.to_str().unwrap(),
            "--json",
            "-",
            "--no-cache",
        ],
    )
    .into();
    let remote: Ran = segscope_in(
        dir.path(),
        &["coverage", &server.url(), "--json", "-", "--no-cache"],
    )
    .into();
    local.ok();
    remote.ok();
    let l: Value = serde_json::from_slice(&local.stdout).unwrap();
    let r: Value = serde_json::from_slice(&remote.stdout).unwrap();
    assert!(!l["streams"].as_array().unwrap().is_empty());
    assert_eq!(placeless(&l), placeless(&r));
    // The bad segments are the same files.
    assert_eq!(
        l["streams"][0]["bad_segments"],
        r["streams"][0]["bad_segments"]
    );
    assert!(
        server.requests() > 10,
        "the node was read over HTTP ({} requests)",
        server.requests()
    );
    // A node is only read.
    assert_eq!(server.methods(), ["GET", "HEAD"]);
}

#[test]
fn the_plan_follows_the_backfillers_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    for rel in [
        seg(HOUR0, "00:00.000000", "full"),
        seg(HOUR0, "00:10.000000", "full"),
        seg(HOUR0, "00:20.000000", "full"),
        tomb(HOUR0, "00:40.000000"),
        seg(HOUR0, "00:40.000000", "full"),
    ] {
        touch(&a, &rel);
    }
    for rel in [
        seg(HOUR0, "00:00.000000", "full"),
        seg(HOUR0, "00:02.000000", "full"),
        // 1 ms from a's own, same duration, type and hash: the boundary counts as the same.
        seg(HOUR0, "00:10.001000", "full"),
        // 1.001 ms: a different segment.
        seg(HOUR0, "00:20.001001", "full"),
        seg(HOUR0, "00:30.000000", "temp"),
        seg(HOUR0, "00:40.000000", "full"),
        tomb(HOUR0, "00:50.000000"),
        tomb(HOUR1, "01:00.000000"),
        format!("c/source/{HOUR0}/00:12.000000-2.0-full-{OTHER_HASH}.ts"),
    ] {
        touch(&b, &rel);
    }
    for rel in [
        seg(HOUR0, "00:02.000000", "full"),
        seg(HOUR0, "00:50.000000", "full"),
        format!("c/source/{HOUR0}/garbage.ts"),
    ] {
        touch(&c, &rel);
    }
    // b is read over HTTP, as the backfiller reads a remote.
    let server = Restreamer::serve(&b, Behaviour::Faithful).unwrap();
    let specs = vec![
        NodeSpec::parse(&format!("a={}", a.display())).unwrap(),
        NodeSpec::parse(&format!("b={}", server.url())).unwrap(),
        NodeSpec::parse(&format!("c={}", c.display())).unwrap(),
    ];
    let fleet = scan_fleet(
        specs,
        &Selection::default(),
        NodeOptions::default(),
        &NoFleetObserver,
    )
    .unwrap();
    assert!(fleet.nodes.iter().all(|n| n.is_read()));
    let listed = fleet.clone();
    let report = FleetReport::new(
        fleet,
        PlanOptions {
            recent_cutoff_s: 120.0,
            now_us: segscope::time::now_us(),
        },
    );
    let plan = &report.plan;
    let to_a: Vec<(&str, &str)> = plan
        .fetches
        .iter()
        .filter(|f| f.to == "a")
        .map(|f| (f.from.as_str(), f.path.rsplit('/').next().unwrap()))
        .collect();
    let name = |t: &str| format!("{t}-2.0-full-{H}.ts");
    assert_eq!(
        to_a,
        vec![
            ("b", name("00:02.000000").as_str()),
            ("b", &format!("00:12.000000-2.0-full-{OTHER_HASH}.ts")),
            ("b", name("00:20.001001").as_str()),
            // b's tombstone does not stop c's copy being fetched.
            ("c", name("00:50.000000").as_str()),
        ]
    );
    let node_a = &plan.nodes[0];
    assert_eq!(node_a.skipped_near_duplicate, 1);
    assert_eq!(node_a.skipped_temp, 1);
    assert_eq!(node_a.skipped_unparsable, 1);
    assert_eq!(node_a.hidden_by_own_tombstone, 1);
    let tombs_a: Vec<(&str, bool)> = plan
        .tombstones
        .iter()
        .filter(|t| t.to == "a")
        .map(|t| (t.path.as_str(), t.target_lacks_hour))
        .collect();
    assert_eq!(
        tombs_a,
        vec![
            (tomb(HOUR0, "00:50.000000").as_str(), false),
            (tomb(HOUR1, "01:00.000000").as_str(), true),
        ]
    );
    assert_eq!(node_a.tombstones_without_hour, 1);
    // Every path is CHANNEL/QUALITY/HOUR/NAME and each file is planned once per target.
    let mut seen = std::collections::HashSet::new();
    for f in &plan.fetches {
        assert_eq!(f.path.split('/').count(), 4, "{}", f.path);
        assert!(seen.insert((f.to.clone(), f.path.clone())), "twice: {f:?}");
    }
    // c lacks 00:00 and gets it from a (the first node listing it), not b.
    assert!(
        plan.fetches
            .iter()
            .any(|f| f.to == "c" && f.from == "a" && f.path.ends_with(&name("00:00.000000")))
    );

    // Which nodes have a time (the app's hover says it).
    let h0 = segscope::time::parse_hour_name(HOUR0).unwrap();
    let have =
        |t_us: i64| segscope::fleet::union::nodes_covering(&report.fleet, "c", "source", h0 + t_us);
    assert_eq!(have(1_000_000), ["a", "b"]);
    assert_eq!(have(2_500_000), ["b", "c"]);
    assert!(have(31_000_000).is_empty(), "a temp segment covers nothing");

    // Every lost stretch is covered by no node, and between them they cover the rest.
    assert!(!plan.lost.is_empty());
    for l in &plan.lost {
        for n in &report.fleet.nodes {
            let a = n.analysis.as_ref().unwrap();
            for s in &a.streams {
                for iv in &s.coverage.raw_union {
                    assert!(
                        iv.end_us <= l.start_us || iv.start_us >= l.end_us,
                        "{} covers lost {l:?}",
                        n.spec.name
                    );
                }
            }
        }
    }

    // Everything is too recent for a plan made a minute after the hour began.
    let young = segscope::fleet::plan::plan(
        &listed,
        &report.union,
        PlanOptions {
            recent_cutoff_s: 120.0,
            now_us: segscope::time::parse_hour_name(HOUR0).unwrap() + 60_000_000,
        },
    );
    assert!(young.fetches.is_empty());
    assert!(young.nodes[0].skipped_recent >= 4);
}

#[test]
fn nodes_that_misbehave_get_a_located_message_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 1);
    let good = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let html = Restreamer::serve(&demo, Behaviour::Html).unwrap();
    let broken = Restreamer::serve(&demo, Behaviour::BrokenJson).unwrap();
    let redirect = Restreamer::serve(&demo, Behaviour::Redirect).unwrap();
    let unsafe_names = Restreamer::serve(
        &demo,
        Behaviour::ExtraNames(vec![
            "..".into(),
            "../../etc/passwd".into(),
            "/abs.ts".into(),
        ]),
    )
    .unwrap();
    let trickle = Restreamer::serve(&demo, Behaviour::Trickle(200)).unwrap();
    // Gone after its layout and a few hours were listed.
    let dying = Restreamer::serve(&demo, Behaviour::DieAfter(10)).unwrap();
    let nodes = [
        format!("good={}", good.url()),
        format!("html={}", html.url()),
        format!("broken={}", broken.url()),
        format!("moved={}", redirect.url()),
        format!("odd={}", unsafe_names.url()),
        format!("slow={}", trickle.url()),
        format!("dying={}", dying.url()),
        "down=http://127.0.0.1:9".to_string(),
        "<b>x</b>=http://127.0.0.1:9".to_string(),
    ];
    let mut args: Vec<&str> = vec![
        "nodes",
        "--json",
        "out.json",
        "--html",
        "out.html",
        "--timeout",
        "1",
    ];
    args.extend(nodes.iter().map(String::as_str));
    let ran: Ran = segscope_in(dir.path(), &args).into();
    ran.ok();
    ran.says("node html: cannot read node")
        .says("not a wubloader restreamer")
        .says("node moved: cannot read node")
        .says("redirected to")
        .says("node down: cannot read node http://127.0.0.1:9: connection refused");
    let report: Value =
        serde_json::from_slice(&fs::read(dir.path().join("out.json")).unwrap()).unwrap();
    let node = |name: &str| {
        report["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["name"] == name)
            .unwrap()
            .clone()
    };
    assert!(node("good")["error"].is_null());
    assert!(node("good")["report"]["streams"].as_array().unwrap().len() == 4);
    // A broken hour listing is a warning located at that hour; the node is read.
    let broken_warnings = node("broken")["report"]["warnings"].to_string();
    assert!(
        broken_warnings.contains("cannot list hour"),
        "{broken_warnings}"
    );
    assert!(
        broken_warnings.contains("desertbus/source/2024-11-09T00"),
        "{broken_warnings}"
    );
    let odd = node("odd")["report"]["warnings"].to_string();
    assert!(odd.contains("not a file or directory name"), "{odd}");
    // The node that went away mid-scan: read up to then, its other hours
    // located, and given up rather than waited for hour by hour.
    let dying_report = node("dying");
    assert!(dying_report["error"].is_null(), "{dying_report}");
    let gone = dying_report["report"]["warnings"].to_string();
    assert!(gone.contains("given up"), "{gone}");
    assert!(gone.contains("cannot list hour"), "{gone}");
    let slow = node("slow")["report"]["warnings"].to_string();
    assert!(
        slow.contains("timed out") || slow.contains("given up"),
        "{slow}"
    );
    // The union is the good node's coverage.
    assert_eq!(report["union"].as_array().unwrap().len(), 4);
    // Names are escaped in the page.
    let page = fs::read_to_string(dir.path().join("out.html")).unwrap();
    assert!(!page.contains("<b>x</b>"));
    assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"));
}

#[test]
fn node_files_name_nodes_and_colliding_names_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 1);
    let one = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let two = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    fs::write(
        dir.path().join("nodes.txt"),
        format!("# the fleet\nalpha {}\n\nalpha {}\n", one.url(), two.url()),
    )
    .unwrap();
    let ran: Ran = segscope_in(
        dir.path(),
        &["nodes", "--node-file", "nodes.txt", "--plan", "-", "-q"],
    )
    .into();
    ran.ok().says("two nodes are named \"alpha\"");
    let plan: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let names: Vec<&str> = plan["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "alpha (2)"]);
    // Two copies of one archive: nothing to copy, nothing lost but the archive's own holes.
    assert_eq!(plan["fetches"].as_array().unwrap().len(), 0);
    assert!(!plan["lost"].as_array().unwrap().is_empty());
    let no_nodes: Ran = segscope_in(dir.path(), &["nodes"]).into();
    no_nodes.failed().says("no nodes given");
}

/// A throw-away PostgreSQL cluster on a free port, stopped when dropped.
struct Postgres {
    data: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl Postgres {
    /// Runs a PostgreSQL program, as the `postgres` user when this test runs
    /// as root (initdb refuses root).
    fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(program);
        let mut cmd = if util::current_uid() == 0 {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        };
        cmd.args(args).output().unwrap()
    }

    fn start() -> Postgres {
        let bin = fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is not installed (scripts/install-deps installs it)")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .expect("no initdb under /usr/lib/postgresql");
        let data = tempfile::Builder::new()
            .prefix("pg")
            .tempdir_in("/tmp")
            .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = Postgres { data, bin, port };
        let dir = pg.data.path().to_str().unwrap().to_string();
        if util::current_uid() == 0 {
            let ok = std::process::Command::new("chown")
                .args(["postgres:postgres", &dir])
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let init = pg.run("initdb", &["-D", &dir, "-A", "trust", "-U", "postgres"]);
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        let opts = format!("-p {port} -k {dir} -c listen_addresses=127.0.0.1");
        let start = pg.run(
            "pg_ctl",
            &[
                "-D",
                &dir,
                "-o",
                &opts,
                "-l",
                &format!("{dir}/log"),
                "-w",
                "start",
            ],
        );
        assert!(
            start.status.success(),
            "{}",
            String::from_utf8_lossy(&start.stderr)
        );
        pg
    }

    fn dsn(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let dir = self.data.path().to_str().unwrap().to_string();
        let _ = self.run("pg_ctl", &["-D", &dir, "-m", "immediate", "stop"]);
    }
}

#[test]
fn nodes_come_from_wubloaders_postgres_nodes_table() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 1);
    let node = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let mut client = postgres::Client::connect(&pg.dsn(), postgres::NoTls).unwrap();
    // wubloader's nodes table (postgres/schema.sql).
    client
        .batch_execute(
            "CREATE TABLE nodes (name TEXT PRIMARY KEY, url TEXT NOT NULL, backfill_from BOOLEAN NOT NULL DEFAULT TRUE);",
        )
        .unwrap();
    client
        .execute(
            "INSERT INTO nodes VALUES ('east', $1, true), ('west', 'http://127.0.0.1:9', false)",
            &[&node.url()],
        )
        .unwrap();
    let ran: Ran = segscope_in(
        dir.path(),
        &["nodes", "--node-database", &pg.dsn(), "--json", "-", "-q"],
    )
    .into();
    ran.ok();
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();
    let nodes = report["nodes"].as_array().unwrap();
    // Only the nodes with backfill_from, under their names.
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0]["name"], "east");
    assert!(nodes[0]["error"].is_null());
    // A database that cannot be reached is said so, with the password hidden.
    let bad: Ran = segscope_in(
        dir.path(),
        &[
            "nodes",
            "--node-database",
            "host=127.0.0.1 port=1 user=postgres password=hunter2 connect_timeout=3",
        ],
    )
    .into();
    bad.failed().says("cannot connect to the node database");
    assert!(!bad.stderr.contains("hunter2"), "{}", bad.stderr);
}

#[test]
fn settled_hours_of_a_node_are_listed_once_then_read_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 2);
    let server = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let first: Ran = segscope_in(dir.path(), &["coverage", &server.url(), "--json", "-"]).into();
    first.ok();
    let after_first = server.requests();
    let second: Ran = segscope_in(dir.path(), &["coverage", &server.url(), "--json", "-"]).into();
    second.ok();
    let second_requests = server.requests() - after_first;
    // The 2024 hours are settled: only the channel, quality and hour lists are asked again.
    let hours = 2 * 4;
    assert!(
        second_requests < after_first - hours,
        "first run {after_first} requests, second {second_requests}"
    );
    assert_eq!(first.stdout, second.stdout);
    let uncached: Ran = segscope_in(
        dir.path(),
        &["coverage", &server.url(), "--json", "-", "--no-cache"],
    )
    .into();
    uncached.ok();
    assert_eq!(uncached.stdout, first.stdout);
}

#[test]
fn a_node_list_longer_than_the_readers_is_read_whole_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("node");
    touch(&root, &seg(HOUR0, "00:00.000000", "full"));
    let n = segscope::fleet::NODES_AT_ONCE + 9;
    let specs: Vec<NodeSpec> = (0..n)
        .map(|i| NodeSpec::parse(&format!("n{i}={}", root.display())).unwrap())
        .collect();
    let fleet = scan_fleet(
        specs,
        &Selection::default(),
        NodeOptions::default(),
        &NoFleetObserver,
    )
    .unwrap();
    assert_eq!(fleet.nodes.len(), n);
    assert!(fleet.nodes.iter().all(|node| node.is_read()));
    let names: Vec<&str> = fleet.nodes.iter().map(|n| n.spec.name.as_str()).collect();
    assert_eq!(names[n - 1], format!("n{}", n - 1));
}

#[test]
fn outputs_never_land_in_a_local_node_or_on_the_node_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = demo_archive(dir.path(), 1);
    let server = Restreamer::serve(&demo, Behaviour::Faithful).unwrap();
    let inside = demo.join("fleet.html");
    let ran: Ran = segscope_in(
        dir.path(),
        &[
            "nodes",
            demo.to_str().unwrap(),
            &server.url(),
            "--html",
            inside.to_str().unwrap(),
        ],
    )
    .into();
    ran.failed().says("inside");
    assert!(!inside.exists());
    let nodes = dir.path().join("nodes.txt");
    let listed = format!("remote {}\n", server.url());
    fs::write(&nodes, &listed).unwrap();
    let ran: Ran = segscope_in(
        dir.path(),
        &["nodes", "--node-file", "nodes.txt", "--plan", "nodes.txt"],
    )
    .into();
    ran.failed();
    assert_eq!(
        fs::read_to_string(&nodes).unwrap(),
        listed,
        "the node file is untouched"
    );
}
