//! Builds the application, binds it and runs it until SIGTERM/SIGINT, then
//! lets in-flight requests finish and checkpoints the WAL. The server holds
//! the data directory's lock from start to exit.

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::auth::vault::Vault;
use crate::backup::{self, BackupError};
use crate::config::Settings;
use crate::db::{self, Db};
use crate::domain::attachments;
use crate::error::Error;
use crate::http;
use crate::lock::{DataDirLock, LockError};
use crate::metrics::Metrics;
use crate::rate_limit::{self, RateLimiter};

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
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
        let metrics = Arc::new(Metrics::default());
        let storage = db.clone();
        metrics.add_collector(move |out| storage.write_metrics(out));
        let settings = Arc::new(settings);
        let state = web::Data::new(AppState {
            db: db.clone(),
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
        crate::jobs::start(db.clone(), &settings, metrics);
        Ok(Server {
            http: server.run(),
            addrs,
            db,
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
    /// then checkpoints the WAL so the database is one file again.
    pub async fn run(self) -> std::io::Result<()> {
        self.http.await?;
        let db = self.db.clone();
        let checkpoint = web::block(move || db.checkpoint()).await;
        match checkpoint {
            Ok(Ok(())) => tracing::info!("database checkpointed; bye"),
            Ok(Err(e)) => tracing::warn!(error = %e, "checkpoint at shutdown failed"),
            Err(e) => tracing::warn!(error = %e, "checkpoint at shutdown failed"),
        }
        Ok(())
    }
}
