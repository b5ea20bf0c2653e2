//! Every flag and stored setting a user can type, fuzzed with arbitrary
//! Unicode: a parser refuses or accepts, and what it accepts runs; neither
//! ever panics (a stored value that panicked would break every later run).

use proptest::prelude::*;

use crate::anomaly::config::{AnomalyConfig, KEYS, parse_algorithms};
use crate::anomaly::ensemble::judge;
use crate::anomaly::scan::{ScanWindow, scan};
use crate::anomaly::series::Series;
use crate::monitor::rules::{self, AlertRules};

/// Text a user might type: anything at all, and numbers with units and
/// strange characters where the parsers look hardest.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-+]?[0-9]{0,25}(\\.[0-9]{0,8})?([eE][-+]?[0-9]{1,4})?[smhdé😀 ]?",
        "(inf|NaN|nan|-inf|1e308|1e400|18446744073709551615|0x10|0|-0)[smhd]?",
        "[a-z_, ]{0,40}",
    ]
}

/// A short jagged series to run accepted settings on.
fn series() -> Series {
    Series::new(
        "s",
        (0..40i64).map(|i| (1_700_000_000_000_000 + i * 60_000_000, Some((i % 7) as f64))),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn anomaly_settings_and_flags_refuse_or_run(text in typed(), key in 0..KEYS.len()) {
        let mut config = AnomalyConfig::default();
        if config.set(KEYS[key].key, &text).is_ok() && config.check().is_ok() {
            let s = series();
            let now_s = s.points.last().map_or(0.0, |p| p.0 as f64 / 1e6);
            let _ = judge(&s, &config.settings, &config.enabled, now_s);
            let _ = scan(&s, &config.settings, &config.enabled, config.window, &|| false);
            // What is stored reads back the same.
            let stored = config.value(KEYS[key].key).unwrap_or_default();
            let mut again = AnomalyConfig::default();
            prop_assert!(again.set(KEYS[key].key, &stored).is_ok(), "{stored}");
        }
    }

    #[test]
    fn windows_and_algorithm_lists_refuse_or_read(text in typed()) {
        let _ = ScanWindow::parse(&text);
        let _ = parse_algorithms(&text);
    }

    #[test]
    fn alert_rules_refuse_or_apply(text in typed(), key in 0..rules::KEYS.len()) {
        let mut r = AlertRules::default();
        if r.set(rules::KEYS[key].0, &text).is_ok() {
            let _ = (r.watch_interval(), r.critical_stall());
            let stored = r.value(rules::KEYS[key].0).unwrap_or_default();
            prop_assert!(AlertRules::default().set(rules::KEYS[key].0, &stored).is_ok(), "{stored}");
        }
    }

    #[test]
    fn times_durations_and_views_refuse_or_read(text in typed()) {
        let _ = crate::time::parse_user_time(&text);
        let _ = crate::time::parse_seconds(&text, 0.05);
        let _ = super::parse_view(&text);
        let _ = super::parse_view(&format!("{text},{text}"));
        let _ = super::parse_view(&format!("2024-11-09T05,{text}"));
    }
}
