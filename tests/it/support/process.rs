//! Running the real `deskwoot` binary, for what only a process can show: the
//! command line, exit codes, signals and `kill -9`.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The built binary, with a clean environment of `DESKWOOT*` variables.
pub fn deskwoot_command(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskwoot"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("DESKWOOT") {
            command.env_remove(key);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `deskwoot serve` running as a child process.
pub struct ServeProcess {
    pub child: Child,
    pub base_url: String,
}

impl ServeProcess {
    /// Starts `deskwoot serve` in `dir` on a free port and waits until
    /// `/healthz` answers.
    pub fn start(dir: &Path, extra_env: &[(&str, &str)]) -> ServeProcess {
        let port = free_port();
        let mut command = deskwoot_command(dir);
        command
            .arg("serve")
            .env("DESKWOOT__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("DESKWOOT__SERVER__WORKERS", "2")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in extra_env {
            command.env(key, value);
        }
        let child = command.spawn().expect("deskwoot starts");
        let process = ServeProcess {
            child,
            base_url: format!("http://127.0.0.1:{port}"),
        };
        process.wait_healthy();
        process
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        while Instant::now() < deadline {
            if agent
                .get(format!("{}/healthz", self.base_url))
                .call()
                .is_ok_and(|r| r.status() == 200)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("deskwoot did not become healthy at {}", self.base_url);
    }

    /// Sends `signal` (e.g. "KILL", "TERM") to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed");
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `deskwoot setup` in `dir` (workspace Acme, administrator
/// alice@acme.test) and returns a full-scope token made with the CLI.
pub fn setup_with_token(dir: &Path) -> String {
    let ok = deskwoot_command(dir)
        .args([
            "setup",
            "--workspace",
            "Acme",
            "--name",
            "Alice",
            "--email",
            "alice@acme.test",
            "--password",
            "a long password",
        ])
        .status()
        .expect("setup runs");
    assert!(ok.success());
    let out = deskwoot_command(dir)
        .args([
            "token",
            "create",
            "--email",
            "alice@acme.test",
            "--name",
            "writer",
            "--scopes",
            "full",
        ])
        .output()
        .expect("token create runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
