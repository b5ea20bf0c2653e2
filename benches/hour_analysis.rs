//! Per-hour analysis: best-segment selection of one hour directory's listing
#![allow(clippy::unwrap_used)]
//! (1,800 segments plus duplicates) and the timeline of a 24-hour stream.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use segscope::archive::name::parse_segment_name;
use segscope::archive::walk::{HourListing, ListedSegment};
use segscope::coverage::best::{HourSummary, summarise_hour};
use segscope::coverage::timeline::analyse_stream;
use segscope::time::HOUR_US;

fn listing() -> HourListing {
    let hash = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";
    let mut segments = Vec::new();
    for i in 0..1_800i64 {
        let off = i * 2;
        let mut push = |dur: &str, kind: &str| {
            let name = format!(
                "{:02}:{:02}.000000-{dur}-{kind}-{hash}.ts",
                off / 60,
                off % 60
            );
            let parsed = parse_segment_name(&name).unwrap();
            segments.push(ListedSegment {
                name: name.into(),
                parsed,
            });
        };
        push("2.0", "full");
        if i % 20 == 0 {
            push("1.998", "full");
        }
        if i % 250 == 0 {
            push("1.0", "partial");
        }
    }
    HourListing {
        segments,
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let base = listing();
    let mut group = c.benchmark_group("hour_analysis");
    group.throughput(Throughput::Elements(base.segments.len() as u64));
    group.bench_function("summarise_hour_1800", |b| {
        b.iter_batched(
            || HourListing {
                segments: base.segments.clone(),
                ..Default::default()
            },
            |l| summarise_hour(0, l, |_| Ok(0)),
            BatchSize::SmallInput,
        )
    });
    let hours: Vec<HourSummary> = (0..24)
        .map(|h| {
            summarise_hour(
                h * HOUR_US,
                HourListing {
                    segments: base.segments.clone(),
                    ..Default::default()
                },
                |_| Ok(0),
            )
        })
        .collect();
    group.throughput(Throughput::Elements(24 * 1_800));
    group.bench_function("timeline_24_hours", |b| b.iter(|| analyse_stream(&hours)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
