//! Scheduled work that runs while the server serves: waking snoozed
//! conversations, and the backups of `[backup] schedule` (run by
//! tokio-cron-scheduler). Each run is counted in the metrics.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_cron_scheduler::{Job, JobScheduler};

use crate::config::Settings;
use crate::db::{Db, now};
use crate::domain::{conversations, webhook_deliveries};
use crate::metrics::Metrics;

/// How often snoozed conversations are checked for their wake-up time.
const SNOOZE_CHECK: Duration = Duration::from_secs(15);

/// How often the webhook delivery log is pruned; the first run is at start.
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);
/// Deliveries deleted per transaction, so pruning never holds the writer long.
const PRUNE_BATCH: i64 = 1000;

/// Starts the jobs on the current runtime; they end with it.
pub fn start(db: Db, settings: &Settings, metrics: Arc<Metrics>) {
    actix_web::rt::spawn(reopen_snoozed(db.clone(), metrics.clone()));
    let retention_days = i64::try_from(settings.webhooks.log_retention_days).unwrap_or(i64::MAX);
    actix_web::rt::spawn(prune_deliveries(db, retention_days, metrics.clone()));
    // Validated at load: a schedule that does not parse is never reached here.
    if let Ok(Some(schedule)) = cron_schedule(&settings.backup.schedule) {
        let backups = ScheduledBackup {
            data_dir: settings.storage.data_dir.clone(),
            dir: settings.backups_dir(),
            keep: settings.backup.keep,
            metrics,
        };
        actix_web::rt::spawn(backups.run(schedule));
    }
}

/// `[backup] schedule` as tokio-cron-scheduler reads it (seconds first), or
/// `None` when it is empty. Five fields are standard cron; six start with
/// the seconds.
pub fn cron_schedule(schedule: &str) -> Result<Option<String>, String> {
    let fields: Vec<&str> = schedule.split_whitespace().collect();
    let cron = match fields.len() {
        0 => return Ok(None),
        5 => format!("0 {}", fields.join(" ")),
        6 => fields.join(" "),
        n => {
            return Err(format!(
                "expected a cron expression of 5 fields (\"0 3 * * *\") or 6 with seconds first, got {n} fields in {schedule:?}"
            ));
        }
    };
    Job::new(cron.as_str(), |_, _| {})
        .map_err(|_| format!("{schedule:?} is not a valid cron expression"))?;
    Ok(Some(cron))
}

/// Reopens snoozed conversations whose `snoozed_until` has passed.
async fn reopen_snoozed(db: Db, metrics: Arc<Metrics>) {
    let mut ticks = tokio::time::interval(SNOOZE_CHECK);
    loop {
        ticks.tick().await;
        let result = db.write(|tx| conversations::reopen_due(tx, now())).await;
        metrics.job_ran("reopen_snoozed", result.is_ok());
        match result {
            Ok(0) => {}
            Ok(n) => tracing::info!(reopened = n, "snoozed conversations reopened"),
            Err(e) => tracing::warn!(error = %e, "reopening snoozed conversations failed"),
        }
    }
}

/// The scheduled backups of one data directory.
#[derive(Clone)]
struct ScheduledBackup {
    data_dir: PathBuf,
    dir: PathBuf,
    keep: usize,
    metrics: Arc<Metrics>,
}

impl ScheduledBackup {
    /// Runs the scheduler until the runtime ends.
    async fn run(self, schedule: String) {
        let _scheduler = match self.schedule(&schedule).await {
            Ok(scheduler) => scheduler,
            Err(e) => {
                tracing::error!(error = %e, "scheduled backups could not start");
                return;
            }
        };
        tracing::info!(%schedule, dir = %self.dir.display(), "scheduled backups on (UTC)");
        // The scheduler's own tasks do the work; this keeps its handle alive.
        std::future::pending::<()>().await;
    }

    async fn schedule(
        &self,
        schedule: &str,
    ) -> Result<JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
        let scheduler = JobScheduler::new().await?;
        let this = self.clone();
        let job = Job::new_async(schedule, move |_, _| {
            let this = this.clone();
            Box::pin(async move { this.once().await })
        })?;
        scheduler.add(job).await?;
        scheduler.start().await?;
        Ok(scheduler)
    }

    async fn once(self) {
        let (data_dir, dir, keep) = (self.data_dir, self.dir, self.keep);
        let result = tokio::task::spawn_blocking(move || {
            crate::backup::scheduled(&data_dir, &dir, keep).map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(format!("the backup task failed: {e}")));
        self.metrics.job_ran("backup", result.is_ok());
        match result {
            Ok(path) => tracing::info!(path = %path.display(), "scheduled backup written"),
            Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
        }
    }
}

/// Deletes finished webhook deliveries (and their attempts) older than the
/// retention, in batches.
async fn prune_deliveries(db: Db, retention_days: i64, metrics: Arc<Metrics>) {
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
                    metrics.job_ran("prune_deliveries", false);
                    break;
                }
            }
        }
        metrics.job_ran("prune_deliveries", true);
        if pruned > 0 {
            tracing::info!(pruned, "old webhook deliveries pruned");
        }
    }
}
