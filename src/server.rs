//! Builds the application, binds it and runs it until SIGTERM/SIGINT, then
//! lets in-flight requests finish and checkpoints the WAL. The server holds
//! the data directory's lock from start to exit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};

use crate::auth::vault::Vault;
use crate::backup::{self, BackupError};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::{attachments, webhook_deliveries};
use crate::error::Error;
use crate::events::worker::OutboxWorker;
use crate::http;
use crate::lock::{DataDirLock, LockError};
use crate::metrics::{Exposition, Kind, Metrics};
use crate::rate_limit::{self, RateLimiter};
use crate::realtime::Hub;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub hub: Arc<Hub>,
    pub vault: Vault,
    pub settings: Arc<Settings>,
    pub rate_limiter: RateLimiter,
    pub metrics: Arc<Metrics>,
}

/// A bound, running server.
pub struct Server {
    http: actix_web::dev::Server,
    addrs: Vec<SocketAddr>,
    db: Db,
    outbox: OutboxWorker,
    _lock: DataDirLock,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot open the database: {}", .0.detail())]
    Database(Error),
    #[error(transparent)]
    Locked(#[from] LockError),
    #[error(
        "the automatic backup before upgrading the database failed, so it was not upgraded: {0}"
    )]
    Backup(BackupError),
    #[error("cannot read or create the secret key in {0}: {1}")]
    Vault(String, std::io::Error),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("cannot start the webhook delivery threads: {0}")]
    Outbox(std::io::Error),
}

/// Creates the data directory and its attachments folder, then opens the
/// database (running migrations, after a backup when one rewrites data).
pub fn open_storage(settings: &Settings) -> Result<Db, StartError> {
    for dir in [&settings.storage.data_dir, &settings.attachments_dir()] {
        std::fs::create_dir_all(dir)
            .map_err(|e| StartError::DataDir(dir.display().to_string(), e))?;
    }
    backup_before_rewriting_migrations(settings)?;
    Db::open(&settings.database_path(), settings.storage.read_connections)
        .map_err(StartError::Database)
}

/// Backs the data up when the database predates a migration that rewrites
/// data, so that an upgrade gone wrong can be undone with `restore`.
fn backup_before_rewriting_migrations(settings: &Settings) -> Result<(), StartError> {
    let path = settings.database_path();
    if !path.is_file() {
        return Ok(());
    }
    let version = db::schema_version_of(&path).map_err(StartError::Database)?;
    if version == 0 || !db::upgrade_rewrites_data(version) {
        return Ok(());
    }
    let dest =
        backup::before_migration(&settings.storage.data_dir, &settings.backups_dir(), version)
            .map_err(StartError::Backup)?;
    tracing::info!(path = %dest.display(), from = version, "backed up before upgrading the database");
    Ok(())
}

/// The key that seals stored secrets, created in the data directory on first use.
pub fn open_vault(settings: &Settings) -> Result<Vault, StartError> {
    Vault::open(&settings.storage.data_dir)
        .map_err(|e| StartError::Vault(settings.storage.data_dir.display().to_string(), e))
}

/// The outbox's depth and age and the delivery log by result, for `/metrics`.
fn write_delivery_metrics(db: &Db, out: &mut Exposition) {
    let Ok(backlog) = db.read_blocking(webhook_deliveries::backlog) else {
        return;
    };
    let age = |at: Option<i64>| at.map_or(0.0, |at| (crate::db::now() - at).max(0) as f64);
    out.gauge(
        "deskwoot_outbox_depth",
        "Committed events not yet turned into deliveries.",
        backlog.outbox_depth as f64,
    );
    out.gauge(
        "deskwoot_outbox_age_seconds",
        "Age of the oldest event waiting in the outbox.",
        age(backlog.outbox_oldest_at),
    );
    out.family(
        "deskwoot_webhook_deliveries",
        Kind::Gauge,
        "Webhook and callback deliveries in the log, by status.",
    );
    for (status, count) in &backlog.by_status {
        out.sample(
            "deskwoot_webhook_deliveries",
            &[("status", status)],
            *count as f64,
        );
    }
    out.gauge(
        "deskwoot_webhook_oldest_pending_age_seconds",
        "Age of the oldest delivery still waiting to succeed.",
        age(backlog.oldest_pending_at),
    );
}

impl Server {
    /// Opens the storage and binds the listener. Must be called inside an
    /// actix (tokio) runtime.
    pub fn start(settings: Settings) -> Result<Server, StartError> {
        let data_dir = &settings.storage.data_dir;
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StartError::DataDir(data_dir.display().to_string(), e))?;
        let lock = DataDirLock::acquire(data_dir)?;
        let db = open_storage(&settings)?;
        let vault = open_vault(&settings)?;
        let public_url = settings.public_url();
        db.write_blocking(|tx| attachments::set_public_url(tx, &public_url))
            .map_err(StartError::Database)?;
        let hub = Hub::new(
            db.clone(),
            Duration::from_secs(settings.realtime.presence_grace_secs),
        );
        let metrics = Arc::new(Metrics::default());
        let storage = db.clone();
        metrics.add_collector(move |out| storage.write_metrics(out));
        let outbox_db = db.clone();
        metrics.add_collector(move |out| write_delivery_metrics(&outbox_db, out));
        let sockets = hub.clone();
        metrics.add_collector(move |out| {
            let (agents, visitors) = sockets.counts();
            out.family(
                "deskwoot_websockets_open",
                Kind::Gauge,
                "Open websockets, by kind.",
            );
            out.sample(
                "deskwoot_websockets_open",
                &[("kind", "agent")],
                agents as f64,
            );
            out.sample(
                "deskwoot_websockets_open",
                &[("kind", "visitor")],
                visitors as f64,
            );
        });
        let settings = Arc::new(settings);
        let outbox_vault = vault.clone();
        let state = web::Data::new(AppState {
            db: db.clone(),
            hub: hub.clone(),
            vault,
            settings: settings.clone(),
            rate_limiter: RateLimiter::default(),
            metrics: metrics.clone(),
        });
        let (json_config, path_config, query_config) =
            http::extractor_configs(settings.server.max_body_size);
        let payload_config = web::PayloadConfig::new(settings.server.max_body_size);
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(json_config.clone())
                .app_data(path_config.clone())
                .app_data(query_config.clone())
                .app_data(payload_config.clone())
                .configure(crate::api::routes)
                .default_service(web::to(http::not_found))
                .wrap(from_fn(http::panic_guard))
                .wrap(from_fn(rate_limit::enforce))
                .wrap(from_fn(http::json_errors))
                .wrap(Compress::default())
                .wrap(from_fn(http::request_log))
        })
        .shutdown_timeout(settings.server.shutdown_timeout);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let bind = settings.server.bind.clone();
        let server = server
            .bind(&bind)
            .map_err(|e| StartError::Bind(bind.clone(), e))?;
        let addrs = server.addrs();
        let outbox = OutboxWorker::start(db.clone(), outbox_vault, settings.webhooks.clone())
            .map_err(StartError::Outbox)?;
        actix_web::rt::spawn(hub.run());
        crate::jobs::start(db.clone(), &settings, metrics);
        Ok(Server {
            http: server.run(),
            addrs,
            db,
            outbox,
            _lock: lock,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addrs[0]
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.http.handle()
    }

    /// Serves until the server is stopped (SIGTERM, SIGINT or the handle),
    /// then stops the outbox worker and checkpoints the WAL so the database
    /// is one file again.
    pub async fn run(self) -> std::io::Result<()> {
        self.http.await?;
        let (db, outbox) = (self.db.clone(), self.outbox);
        let checkpoint = web::block(move || {
            outbox.stop();
            db.checkpoint()
        })
        .await;
        match checkpoint {
            Ok(Ok(())) => tracing::info!("database checkpointed; bye"),
            Ok(Err(e)) => tracing::warn!(error = %e, "checkpoint at shutdown failed"),
            Err(e) => tracing::warn!(error = %e, "checkpoint at shutdown failed"),
        }
        Ok(())
    }
}
