//! `segscope settings`: the stored settings the command line and the app
//! share (the database's settings table): list them, read one, set one,
//! reset one to its default.

use std::path::Path;

use anyhow::bail;
use clap::Args;

use super::open_db;
use crate::anomaly::config::{AnomalyConfig, KEYS, is_key};

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

/// Runs `segscope settings`.
pub fn run(args: &SettingsCmd, db: Option<&Path>) -> anyhow::Result<()> {
    let db = open_db(db)?;
    let Some(key) = &args.key else {
        let (config, problems) = AnomalyConfig::load(&db);
        for p in problems {
            eprintln!("segscope: warning: {p}");
        }
        for k in &KEYS {
            let stored = crate::jobs::settings::get(&db, k.key)?.is_some();
            println!(
                "{} = {}{}\n    {}",
                k.key,
                config.value(k.key).unwrap_or_default(),
                if stored { "" } else { " (default)" },
                k.about
            );
        }
        return Ok(());
    };
    if !is_key(key) {
        let keys: Vec<&str> = KEYS.iter().map(|k| k.key).collect();
        bail!("no setting `{key}`; there are: {}", keys.join(", "));
    }
    if args.reset {
        AnomalyConfig::reset(&db, key).map_err(anyhow::Error::msg)?;
    } else if let Some(value) = &args.value {
        AnomalyConfig::store(&db, key, value).map_err(anyhow::Error::msg)?;
    }
    let (config, _) = AnomalyConfig::load(&db);
    println!("{key} = {}", config.value(key).unwrap_or_default());
    Ok(())
}
