//! Scheduled work that runs while the server serves.

use std::time::Duration;

use crate::db::{Db, now};
use crate::domain::conversations;

/// How often snoozed conversations are checked for their wake-up time.
const SNOOZE_CHECK: Duration = Duration::from_secs(15);

/// Starts the jobs on the current runtime; they end with it.
pub fn start(db: Db) {
    actix_web::rt::spawn(reopen_snoozed(db));
}

/// Reopens snoozed conversations whose `snoozed_until` has passed.
async fn reopen_snoozed(db: Db) {
    let mut ticks = tokio::time::interval(SNOOZE_CHECK);
    loop {
        ticks.tick().await;
        match db.write(|tx| conversations::reopen_due(tx, now())).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reopened = n, "snoozed conversations reopened"),
            Err(e) => tracing::warn!(error = %e, "reopening snoozed conversations failed"),
        }
    }
}
