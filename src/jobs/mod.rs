//! Scheduled work that runs while the server serves.

use std::time::Duration;

use crate::config::Settings;
use crate::db::{Db, now};
use crate::domain::{conversations, webhook_deliveries};

/// How often snoozed conversations are checked for their wake-up time.
const SNOOZE_CHECK: Duration = Duration::from_secs(15);
/// How often the webhook delivery log is pruned; the first run is at start.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);
/// Deliveries deleted per transaction, so pruning never holds the writer long.
const PRUNE_BATCH: i64 = 1000;

/// Starts the jobs on the current runtime; they end with it.
pub fn start(db: Db, settings: &Settings) {
    actix_web::rt::spawn(reopen_snoozed(db.clone()));
    let retention_days = i64::try_from(settings.webhooks.log_retention_days).unwrap_or(i64::MAX);
    actix_web::rt::spawn(prune_deliveries(db, retention_days));
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

/// Deletes finished webhook deliveries (and their attempts) older than the
/// retention, in batches.
async fn prune_deliveries(db: Db, retention_days: i64) {
    let mut ticks = tokio::time::interval(PRUNE_EVERY);
    loop {
        ticks.tick().await;
        let before = now().saturating_sub(retention_days.saturating_mul(86_400));
        let mut pruned = 0;
        loop {
            match db
                .write(move |tx| webhook_deliveries::prune(tx, before, PRUNE_BATCH))
                .await
            {
                Ok(n) => {
                    pruned += n;
                    if n < PRUNE_BATCH as usize {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "pruning webhook deliveries failed");
                    break;
                }
            }
        }
        if pruned > 0 {
            tracing::info!(pruned, "old webhook deliveries pruned");
        }
    }
}
