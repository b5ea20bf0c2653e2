//! Reading a perf export and computing every node's timings (the `segscope
//! perf` path), on a generated pool of 2,000 nodes with five images each
//! (about 34,000 rows), as CSV and as JSON Lines.
#![allow(clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segscope::perf::demo::{DemoPerfOptions, demo_perf_export};
use segscope::perf::read::read_export;
use segscope::perf::timings::node_timings;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("perf_export");
    for jsonl in [false, true] {
        let bytes = demo_perf_export(&DemoPerfOptions {
            nodes: 2_000,
            images: 5,
            jsonl,
            ..Default::default()
        });
        let rows = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        group.throughput(Throughput::Elements(rows));
        let name = if jsonl { "jsonl" } else { "csv" };
        group.bench_function(format!("read_{name}_2000_nodes"), |b| {
            b.iter(|| read_export(black_box(&bytes[..])).map(|(_, e)| e.rows))
        });
        let (_, export) = read_export(&bytes[..]).expect("the demo export reads");
        let events = export.pools.values().next().expect("one pool");
        group.bench_function(format!("timings_{name}_2000_nodes"), |b| {
            b.iter(|| node_timings(black_box(events)).0.len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
