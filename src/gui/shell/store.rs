//! The app's store: one background thread that does every database read and
//! write the window asks for (stored settings, alert history), so a frame
//! never waits on SQLite. Work goes in as closures; answers come back on
//! channels the frame polls.

use std::sync::mpsc::{self, Receiver, Sender};

use crate::anomaly::config::AnomalyConfig;
use crate::jobs::db::Db;
use crate::jobs::settings::load_group;
use crate::monitor::rules::AlertRules;

/// The stored settings the window works with, kept in memory: read once at
/// start, changed here and written back through the store.
#[derive(Debug, Clone, Default)]
pub struct StoredSettings {
    /// The anomaly settings new runs start with.
    pub anomaly: AnomalyConfig,
    /// The alert rules the monitor trees are judged by.
    pub rules: AlertRules,
}

impl StoredSettings {
    /// Reads them from `db` (at start, before the first frame); stored
    /// values that do not read are named.
    pub fn load(db: &Db) -> (StoredSettings, Vec<String>) {
        let (anomaly, mut problems) = load_group::<AnomalyConfig>(db);
        let (rules, more) = load_group::<AlertRules>(db);
        problems.extend(more);
        (StoredSettings { anomaly, rules }, problems)
    }
}

type Work = Box<dyn FnOnce(&Db) + Send>;

/// A handle on the store's thread. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    work: Sender<Work>,
    db: Db,
    failed: Sender<String>,
    failures: std::sync::Arc<std::sync::Mutex<Receiver<String>>>,
}

impl Store {
    /// Starts the thread over `db`; `wake` is called after each piece of
    /// work (the app asks for a repaint, so answers are seen at once).
    pub fn start(db: Db, wake: impl Fn() + Send + 'static) -> Store {
        let (work, queue) = mpsc::channel::<Work>();
        let thread_db = db.clone();
        let _ = std::thread::Builder::new()
            .name("segscope-store".into())
            .spawn(move || {
                for job in queue {
                    job(&thread_db);
                    wake();
                }
            });
        let (failed, failures) = mpsc::channel();
        Store {
            work,
            db,
            failed,
            failures: std::sync::Arc::new(std::sync::Mutex::new(failures)),
        }
    }

    /// Does `f` on the store's thread; a failure is kept for [`Store::failures`].
    pub fn run_or_say(&self, f: impl FnOnce(&Db) -> Result<(), String> + Send + 'static) {
        let failed = self.failed.clone();
        self.run(move |db| {
            if let Err(e) = f(db) {
                let _ = failed.send(e);
            }
        });
    }

    /// The failures of [`Store::run_or_say`] work since the last call.
    pub fn failures(&self) -> Vec<String> {
        self.failures
            .lock()
            .map(|rx| rx.try_iter().collect())
            .unwrap_or_default()
    }

    /// Does `f` on the store's thread; nothing comes back.
    pub fn run(&self, f: impl FnOnce(&Db) + Send + 'static) {
        let _ = self.work.send(Box::new(f));
    }

    /// Does `f` on the store's thread; its answer arrives on the receiver.
    pub fn ask<T: Send + 'static>(&self, f: impl FnOnce(&Db) -> T + Send + 'static) -> Receiver<T> {
        let (tx, rx) = mpsc::channel();
        self.run(move |db| {
            let _ = tx.send(f(db));
        });
        rx
    }

    /// The database handle, for work that runs on threads of its own (the
    /// monitor's pollers); never to be locked on the UI thread.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_in_order_off_the_calling_thread() {
        let store = Store::start(Db::memory().unwrap(), || {});
        let here = std::thread::current().id();
        store.run(|db| crate::jobs::settings::set(db, "k", "1").unwrap());
        let answer = store.ask(move |db| {
            (
                crate::jobs::settings::get(db, "k").unwrap(),
                std::thread::current().id() != here,
            )
        });
        assert_eq!(answer.recv().unwrap(), (Some("1".into()), true));
    }
}
