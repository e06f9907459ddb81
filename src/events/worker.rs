//! The outbox worker: one dispatcher thread and `[webhooks] senders` sender
//! threads, all off the async executor.
//!
//! The dispatcher wakes after each commit of this process (and every second,
//! for commits of other processes and for retries falling due), records the
//! outcomes the senders reported and fans new events out in one write
//! transaction, then claims due runs and hands them to the senders. It keeps
//! the set of queues being sent to in memory: one run per target at a time,
//! which keeps each target's deliveries in order. A sender POSTs a run in
//! order with ureq and reports back; it stops at the first failure.
//!
//! Nothing is lost on a crash: deliveries are rows before they are sent, and
//! an outcome is recorded only after the request, so a crash in between
//! sends that delivery again (at least once; receivers dedupe by webhook-id).

use std::collections::HashSet;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::auth::vault::Vault;
use crate::config::WebhookSettings;
use crate::db::{Db, now_ms};
use crate::error::Result;
use crate::events::courier::Courier;
use crate::events::outbox::{self, Outcome, Run};

/// The longest the dispatcher sleeps: commits made by other processes (the
/// CLI) do not wake it.
const POLL: Duration = Duration::from_secs(1);
/// Events fanned out per transaction.
const FAN_OUT_BATCH: i64 = 500;
/// Deliveries of one target sent per run.
const RUN_LEN: i64 = 50;

enum Wake {
    Commit,
    Done {
        queue: String,
        outcomes: Vec<Outcome>,
    },
    Stop,
}

/// The running worker; `stop` ends it.
pub struct OutboxWorker {
    wake: Sender<Wake>,
    dispatcher: Option<JoinHandle<()>>,
}

impl OutboxWorker {
    /// Starts the threads, and a task on the current actix runtime that turns
    /// commits into wake-ups.
    pub fn start(db: Db, vault: Vault, settings: WebhookSettings) -> std::io::Result<OutboxWorker> {
        let (wake, woken) = mpsc::channel();
        let mut commits = db.commits();
        let on_commit = wake.clone();
        actix_web::rt::spawn(async move {
            while commits.changed().await.is_ok() {
                if on_commit.send(Wake::Commit).is_err() {
                    break;
                }
            }
        });
        let (jobs, queued) = mpsc::channel::<Run>();
        let queued = Arc::new(Mutex::new(queued));
        let courier = Courier::new(&settings);
        for n in 0..settings.senders {
            let (queued, courier, done) = (queued.clone(), courier.clone(), wake.clone());
            std::thread::Builder::new()
                .name(format!("webhook-sender-{n}"))
                .spawn(move || send_runs(&queued, &courier, &done))?;
        }
        let dispatcher = Dispatcher {
            db,
            vault,
            settings,
            jobs,
            in_flight: HashSet::new(),
        };
        let dispatcher = std::thread::Builder::new()
            .name("outbox-dispatcher".into())
            .spawn(move || dispatcher.run(&woken))?;
        Ok(OutboxWorker {
            wake,
            dispatcher: Some(dispatcher),
        })
    }

    /// Stops dispatching and waits for the dispatcher's last transaction.
    /// Senders finish the run in hand; its outcome is not recorded, so it is
    /// sent again after a restart.
    pub fn stop(mut self) {
        let _ = self.wake.send(Wake::Stop);
        if let Some(dispatcher) = self.dispatcher.take() {
            let _ = dispatcher.join();
        }
    }
}

fn send_runs(queued: &Mutex<Receiver<Run>>, courier: &Courier, done: &Sender<Wake>) {
    loop {
        let run = match queued.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(run) = run else { return };
        let outcomes = outbox::send_run(courier, &run);
        if done
            .send(Wake::Done {
                queue: run.queue,
                outcomes,
            })
            .is_err()
        {
            return;
        }
    }
}

struct Dispatcher {
    db: Db,
    vault: Vault,
    settings: WebhookSettings,
    jobs: Sender<Run>,
    in_flight: HashSet<String>,
}

impl Dispatcher {
    fn run(mut self, woken: &Receiver<Wake>) {
        let mut wait = Duration::ZERO;
        loop {
            let mut outcomes = Vec::new();
            let first = match woken.recv_timeout(wait) {
                Ok(wake) => Some(wake),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            for wake in first
                .into_iter()
                .chain(std::iter::from_fn(|| woken.try_recv().ok()))
            {
                match wake {
                    Wake::Stop => return,
                    Wake::Commit => {}
                    Wake::Done { queue, outcomes: o } => {
                        self.in_flight.remove(&queue);
                        outcomes.extend(o);
                    }
                }
            }
            wait = self.pass(outcomes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "webhook outbox pass failed; retrying");
                POLL
            });
        }
    }

    /// Records outcomes, fans out, hands due runs to the senders; returns how
    /// long to sleep unless woken.
    fn pass(&mut self, outcomes: Vec<Outcome>) -> Result<Duration> {
        let settings = &self.settings;
        let mut outcomes = Some(outcomes).filter(|o| !o.is_empty());
        while outcomes.is_some() || self.db.read_blocking(outbox::has_new_events)? {
            let fanned = self.db.write_blocking(|tx| {
                if let Some(outcomes) = &outcomes {
                    outbox::record(tx, outcomes, settings)?;
                }
                outbox::fan_out(tx, settings, FAN_OUT_BATCH)
            })?;
            outcomes = None;
            if fanned < FAN_OUT_BATCH as usize {
                break;
            }
        }
        let (runs, next_due) = self
            .db
            .read_blocking(|conn| outbox::claim(conn, &self.vault, &self.in_flight, RUN_LEN))?;
        for run in runs {
            self.in_flight.insert(run.queue.clone());
            if self.jobs.send(run).is_err() {
                break;
            }
        }
        let until_due = next_due.map(|at| Duration::from_millis((at - now_ms()).max(0) as u64));
        Ok(until_due.map_or(POLL, |d| d.min(POLL)))
    }
}
