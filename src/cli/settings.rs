//! `segscope settings`: the stored settings the command line and the app
//! share (the database's settings table): the anomaly settings and the
//! monitor's alert rules. List them, read one, set one, reset one.

use std::path::Path;

use anyhow::bail;
use clap::Args;

use super::open_db;
use crate::anomaly::config::{self, AnomalyConfig};
use crate::jobs::db::Db;
use crate::jobs::settings::{load_group, store_group};
use crate::monitor::rules::{self, AlertRules};

/// `segscope settings [KEY [VALUE]] [--reset]`.
#[derive(Args, Debug)]
pub struct SettingsCmd {
    /// The setting (without: list them all).
    pub key: Option<String>,
    /// Its new value (without: print the current one).
    pub value: Option<String>,
    /// Forget KEY's stored value: its default applies again.
    #[arg(long, requires = "key", conflicts_with = "value")]
    pub reset: bool,
}

/// Every key with what it sets.
fn keys() -> Vec<(&'static str, &'static str)> {
    config::KEYS
        .iter()
        .map(|k| (k.key, k.about))
        .chain(rules::KEYS)
        .collect()
}

/// The current value of `key` (stored or default).
fn current(db: &Db, key: &str) -> String {
    if key.starts_with("monitor.") {
        AlertRules::load(db).0.value(key).unwrap_or_default()
    } else {
        load_group::<AnomalyConfig>(db)
            .0
            .value(key)
            .unwrap_or_default()
    }
}

/// Runs `segscope settings`.
pub fn run(args: &SettingsCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let db = open_db(db)?;
    let Some(key) = &args.key else {
        for p in load_group::<AnomalyConfig>(&db)
            .1
            .into_iter()
            .chain(AlertRules::load(&db).1)
        {
            eprintln!("segscope: warning: {p}");
        }
        for (key, about) in keys() {
            let stored = crate::jobs::settings::get(&db, key)?.is_some();
            println!(
                "{key} = {}{}\n    {about}",
                current(&db, key),
                if stored { "" } else { " (default)" },
            );
        }
        return Ok(());
    };
    if !keys().iter().any(|(k, _)| k == key) {
        let names: Vec<&str> = keys().iter().map(|(k, _)| *k).collect();
        bail!("no setting `{key}`; there are: {}", names.join(", "));
    }
    if args.reset {
        crate::jobs::settings::remove(&db, key)
            .map_err(|e| anyhow::anyhow!("cannot reset {key}: {e}"))?;
    } else if let Some(value) = &args.value {
        let stored = if key.starts_with("monitor.") {
            store_group::<AlertRules>(&db, key, value)
        } else {
            store_group::<AnomalyConfig>(&db, key, value)
        };
        stored.map_err(anyhow::Error::msg)?;
    }
    println!("{key} = {}", current(&db, key));
    Ok(())
}
