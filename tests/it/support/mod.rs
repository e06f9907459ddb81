//! The test kit: `TestApp::start()` gives a test a running server, a workspace,
//! its administrator and a full-scope token; `Response` is what came back.

mod client;
mod process;
mod receiver;
mod socket;

pub use client::{Client, Response};
pub use process::{ServeProcess, deskwoot_command, free_port, setup_with_token};
pub use receiver::{Receiver, verify};
pub use socket::Socket;

use std::thread::JoinHandle;

use deskwoot::auth::{Role, ScopeSet};
use deskwoot::config::Settings;
use deskwoot::db::Db;
use deskwoot::domain::api_tokens::{self, NewToken};
use deskwoot::domain::{contacts, users, workspaces};
use deskwoot::server::{self, Server};
use serde_json::json;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery";

/// A user of a test workspace, with a token holding every scope their role allows.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub token: String,
}

pub struct TestApp {
    pub base_url: String,
    pub account_id: i64,
    pub admin: Person,
    /// Kept so the data directory lives as long as the server.
    _dir: TempDir,
    settings: Settings,
    handle: actix_web::dev::ServerHandle,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestApp {
    pub fn start() -> TestApp {
        TestApp::start_with(|_| {})
    }

    /// Starts a server whose settings `customize` may change first.
    pub fn start_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::default();
        settings.server.bind = "127.0.0.1:0".into();
        settings.server.workers = 2;
        settings.storage.data_dir = dir.path().join("data");
        settings.storage.read_connections = 4;
        customize(&mut settings);

        let db = server::open_storage(&settings).expect("storage opens");
        let (account_id, admin_id) = db
            .write_blocking(|tx| {
                let (w, u) = workspaces::create_with_admin(
                    tx,
                    "Acme",
                    users::NewUser {
                        name: "Alice Admin".into(),
                        email: "alice@acme.test".into(),
                        password: PASSWORD.into(),
                    },
                )?;
                Ok((w.id, u.id))
            })
            .expect("workspace created");
        let token = mint_token(&db, account_id, admin_id, "full");
        drop(db);

        let (tx, rx) = std::sync::mpsc::channel();
        let server_settings = settings.clone();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = Server::start(server_settings).expect("server starts");
                tx.send((server.local_addr(), server.handle()))
                    .expect("test alive");
                server.run().await
            })
        });
        let (addr, handle) = rx.recv().expect("server reported its address");
        TestApp {
            base_url: format!("http://{addr}"),
            account_id,
            admin: Person {
                id: admin_id,
                email: "alice@acme.test".into(),
                token,
            },
            _dir: dir,
            settings,
            handle,
            thread: Some(thread),
        }
    }

    /// A client that sends no credentials.
    pub fn anonymous(&self) -> Client {
        Client::new(&self.base_url, None)
    }

    /// A client that sends `token` as a bearer token.
    pub fn with_token(&self, token: &str) -> Client {
        Client::new(&self.base_url, Some(token.to_string()))
    }

    /// The administrator's full-scope client.
    pub fn admin(&self) -> Client {
        self.with_token(&self.admin.token)
    }

    /// `/api/v1/accounts/{account_id}` + `rest`.
    pub fn account_path(&self, rest: &str) -> String {
        format!("/api/v1/accounts/{}{rest}", self.account_id)
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.settings.storage.data_dir
    }

    /// A second handle on the database, for fixtures and for checking that
    /// nothing changed.
    pub fn db(&self) -> Db {
        Db::open(&self.settings.database_path(), 2).expect("database opens")
    }

    /// Adds a user named `name` to this workspace with `role`, and mints them a
    /// token with `scopes`.
    pub fn person(&self, name: &str, role: Role, scopes: &str) -> Person {
        let db = self.db();
        let email = format!("{name}@acme.test");
        let (id, email) = db
            .write_blocking(|tx| {
                let user = users::create(
                    tx,
                    users::NewUser {
                        name: name.into(),
                        email: email.clone(),
                        password: PASSWORD.into(),
                    },
                )?;
                users::add_to_workspace(tx, self.account_id, user.id, role)?;
                Ok((user.id, user.email))
            })
            .expect("person created");
        let token = mint_token(&db, self.account_id, id, scopes);
        Person { id, email, token }
    }

    /// A second workspace with its own administrator; returns its id and the
    /// administrator's full token.
    pub fn other_workspace(&self) -> (i64, Person) {
        let db = self.db();
        let (workspace_id, user_id, email) = db
            .write_blocking(|tx| {
                let (w, u) = workspaces::create_with_admin(
                    tx,
                    "Globex",
                    users::NewUser {
                        name: "Gina Globex".into(),
                        email: "gina@globex.test".into(),
                        password: PASSWORD.into(),
                    },
                )?;
                Ok((w.id, u.id, u.email))
            })
            .expect("second workspace created");
        let token = mint_token(&db, workspace_id, user_id, "full");
        (
            workspace_id,
            Person {
                id: user_id,
                email,
                token,
            },
        )
    }

    /// Creates an inbox over the API; `channel` is `api` or `web_widget`.
    pub fn inbox(&self, name: &str, channel: &str) -> i64 {
        self.admin()
            .post(
                &self.account_path("/inboxes"),
                json!({"name": name, "channel": {"type": channel}}),
            )
            .expect(200)
            .json()["id"]
            .as_i64()
            .expect("inbox id")
    }

    /// A contact named `name` (email `name@example.com`), created in the database.
    pub fn contact(&self, name: &str) -> i64 {
        let fields = contacts::ContactFields {
            name: Some(name.to_string()),
            email: Some(Some(format!("{}@example.com", name.to_lowercase()))),
            ..Default::default()
        };
        self.db()
            .write_blocking(|tx| Ok(contacts::create(tx, self.account_id, fields)?.id))
            .expect("contact created")
    }

    /// A conversation of `contact_id` in `inbox_id`, created over the API;
    /// returns its display id.
    pub fn conversation(&self, inbox_id: i64, contact_id: i64) -> i64 {
        self.admin()
            .post(
                &self.account_path("/conversations"),
                json!({"inbox_id": inbox_id, "contact_id": contact_id}),
            )
            .expect(200)
            .json()["id"]
            .as_i64()
            .expect("conversation id")
    }

    /// The names of the events recorded so far, oldest first.
    pub fn event_names(&self) -> Vec<String> {
        self.db()
            .read_blocking(|c| {
                let mut stmt = c.prepare("SELECT name FROM events ORDER BY id")?;
                let names = stmt
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                Ok(names)
            })
            .expect("events")
    }

    /// Counts the rows of `table`, to prove a refused request changed nothing.
    pub fn count(&self, table: &str) -> i64 {
        self.db()
            .read_blocking(|c| {
                Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
            })
            .expect("count")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; the future only
        // waits for it to finish, which joining the thread does too.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn mint_token(db: &Db, workspace_id: i64, user_id: i64, scopes: &str) -> String {
    let scopes = ScopeSet::parse([scopes]).expect("valid scopes");
    db.write_blocking(|tx| {
        let new = NewToken {
            workspace_id,
            user_id,
            name: "test token",
            scopes,
            expires_in_days: None,
        };
        Ok(api_tokens::create(tx, new)?.1)
    })
    .expect("token minted")
}
