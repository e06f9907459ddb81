//! What every benchmark starts with: the `--bench` gate, a size from the
//! environment, settings for an in-process server, and the server itself.

use std::net::SocketAddr;
use std::path::Path;

use deskwoot::config::Settings;
use deskwoot::server::Server;

/// Whether to run: `cargo test --all-targets` runs bench binaries without
/// `--bench`, and the benchmarks only run when asked for.
pub fn wanted(name: &str) -> bool {
    let wanted = std::env::args().any(|a| a == "--bench");
    if !wanted {
        println!("benchmark skipped: run it with `cargo bench --bench {name}`");
    }
    wanted
}

/// The number in environment variable `var`, else `default`.
pub fn size<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Settings for a server on a free loopback port with its data in `dir`,
/// quiet and not rate limited.
pub fn settings(dir: &Path) -> Settings {
    let mut settings = Settings::default();
    settings.server.bind = "127.0.0.1:0".into();
    settings.storage.data_dir = dir.join("data");
    settings.rate_limit.per_minute = u32::MAX;
    settings.log.level = "warn".into();
    settings
}

/// Starts the server on its own thread; returns its address.
pub fn serve(settings: &Settings) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    let server_settings = settings.clone();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = Server::start(server_settings).expect("server starts");
            tx.send(server.local_addr()).expect("bench alive");
            server.run().await
        })
    });
    rx.recv().expect("the server reported its address")
}
