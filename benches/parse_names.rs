//! Throughput of the segment name parser (target: >= 10 million names/s on one thread).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segscope::archive::name::classify_name;
use std::hint::black_box;

fn names() -> Vec<String> {
    let hash = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";
    let kinds = ["full", "full", "full", "full", "suspect", "partial"];
    let durations = ["2.0", "2.0", "1.968", "2.002", "2.035", "1.999667"];
    (0..10_000)
        .map(|i| {
            let off = i * 2;
            format!(
                "{:02}:{:02}.{:06}-{}-{}-{hash}.ts",
                off / 60 % 60,
                off % 60,
                (i * 7919) % 1_000_000,
                durations[i % durations.len()],
                kinds[i % kinds.len()]
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let names = names();
    let mut group = c.benchmark_group("name_parser");
    group.throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("classify_10k_names", |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for n in &names {
                if matches!(
                    classify_name(black_box(n.as_bytes())),
                    segscope::archive::name::NameClass::Segment(_)
                ) {
                    ok += 1;
                }
            }
            ok
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
