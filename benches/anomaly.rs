//! The Skyline ensemble: the last point of a 1,440-point series (nine
//! algorithms; `segscope bench anomalies` runs many in parallel), scan mode
//! over a 22,695-point series (the length of NAB's largest file) with a
//! 1,440-point window, and importing a NAB-shaped CSV.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use segscope::anomaly::Settings;
use segscope::anomaly::ensemble::{Algorithm, judge};
use segscope::anomaly::scan::{ScanWindow, scan};
use segscope::bench::anomalies::generated_series;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("anomaly");
    let settings = Settings::default();
    let day = generated_series("day", 1440, 60, 3);
    let now = day.points.last().map_or(0.0, |p| p.0 as f64 / 1e6);
    group.throughput(Throughput::Elements(1));
    group.bench_function("last_point_1440_points", |b| {
        b.iter(|| judge(black_box(&day), &settings, &Algorithm::ALL, now).vote_count())
    });
    let long = generated_series("long", 22_695, 300, 7);
    group.throughput(Throughput::Elements(22_695));
    group.sample_size(10);
    group.bench_function("scan_22695_points_window_1440", |b| {
        b.iter(|| {
            scan(
                black_box(&long),
                &settings,
                &Algorithm::ALL,
                ScanWindow::Points(1440),
                &|| false,
            )
            .map(|s| s.votes.len())
        })
    });
    let csv: String = std::iter::once("timestamp,value\n".to_string())
        .chain(long.points.iter().map(|(t, v)| {
            let when = chrono::DateTime::from_timestamp_micros(*t)
                .map_or_else(String::new, |d| d.format("%Y-%m-%d %H:%M:%S").to_string());
            format!("{when},{v}\n")
        }))
        .collect();
    group.bench_function("import_nab_csv_22695_rows", |b| {
        b.iter(|| {
            segscope::anomaly::import::import_text("s", black_box(&csv))
                .series
                .len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
