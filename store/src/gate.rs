//! The write gate. SQLite has one writer at a time; writers that contend
//! for its lock back off and sleep (long tails under load), so writers queue
//! here in arrival order instead, which keeps latency even. On PostgreSQL
//! there is no gate.

use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct WriteGate(Option<Arc<tokio::sync::Mutex<()>>>);

/// A turn to write (SQLite), held until the write transaction commits.
pub type WriteTurn = Option<tokio::sync::OwnedMutexGuard<()>>;

impl WriteGate {
    /// A gate for SQLite, none for PostgreSQL.
    pub fn for_database(is_sqlite: bool) -> Self {
        WriteGate(is_sqlite.then(|| Arc::new(tokio::sync::Mutex::new(()))))
    }

    /// Waits for this request's turn to write; hold it through the commit.
    pub async fn turn(&self) -> WriteTurn {
        match &self.0 {
            Some(gate) => Some(gate.clone().lock_owned().await),
            None => None,
        }
    }
}
