//! The command line: `serve`, `setup`, `token create|list|revoke`, `backup`
//! and `restore`. Errors go to stderr with a non-zero exit: 2 for bad usage or
//! configuration.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::auth::ScopeSet;
use crate::backup::{self, BackupError};
use crate::config::{CONFIG_ENV, Settings};
use crate::db::Db;
use crate::domain::api_tokens::{self, NewToken};
use crate::domain::{users, workspaces};
use crate::error::Error;
use crate::server::{self, Server};

#[derive(Parser)]
#[command(
    name = "deskwoot",
    version,
    about = "Self-hosted customer support in one binary"
)]
struct Cli {
    /// TOML config file (every key can also be set as DESKWOOT__SECTION__KEY).
    #[arg(long, global = true, env = CONFIG_ENV, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (runs on embedded defaults when there is no config file).
    Serve,
    /// Create a workspace and its first administrator.
    Setup(SetupArgs),
    /// Create, list and revoke API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write a backup (database, secret key, attachments) to FILE, a tar
    /// archive. Safe while the server runs.
    Backup {
        /// The archive to write; it must not exist yet.
        file: PathBuf,
    },
    /// Replace the data with a backup, after checking it whole. Refused
    /// while a server uses the data directory; the replaced data is kept.
    Restore {
        /// An archive written by `deskwoot backup`.
        file: PathBuf,
        /// Replace a data directory that already holds a database.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
struct SetupArgs {
    /// Name of the new workspace.
    #[arg(long)]
    workspace: String,
    /// The administrator's name.
    #[arg(long)]
    name: String,
    /// The administrator's email, used to sign in.
    #[arg(long)]
    email: String,
    /// The administrator's password; asked for when omitted and stdin is a terminal.
    #[arg(long)]
    password: Option<String>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it, alone, on stdout. It is shown only this once.
    Create {
        /// Email of the user the token acts for.
        #[arg(long)]
        email: String,
        /// A name that says what the token is for.
        #[arg(long)]
        name: String,
        /// Scopes, separated by commas: read, full, admin, or <resource>:read|write.
        #[arg(long)]
        scopes: String,
        /// Workspace id; needed when the user belongs to more than one.
        #[arg(long)]
        workspace: Option<i64>,
        /// Days until the token expires; it never does when omitted.
        #[arg(long, value_name = "DAYS")]
        expires_in: Option<i64>,
    },
    /// List active tokens.
    List {
        /// Only the tokens of this workspace.
        #[arg(long)]
        workspace: Option<i64>,
    },
    /// Revoke a token at once; other tokens keep working.
    Revoke {
        /// The token's id, from `token list`.
        id: i64,
    },
}

/// Why a command failed, with the exit code it maps to.
enum Failure {
    Usage(String),
    Runtime(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let text = match &e {
            Error::Validation(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
            other => other.detail(),
        };
        Failure::Runtime(text)
    }
}

impl From<BackupError> for Failure {
    fn from(e: BackupError) -> Self {
        Failure::Runtime(e.to_string())
    }
}

impl From<server::StartError> for Failure {
    fn from(e: server::StartError) -> Self {
        Failure::Runtime(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("deskwoot: {e}");
            return ExitCode::from(2);
        }
    };
    crate::logging::init(&settings.log);
    let result = match cli.command {
        Command::Serve => serve(settings),
        Command::Setup(args) => setup(&settings, args),
        Command::Token(command) => token(&settings, command),
        Command::Backup { file } => backup(&settings, &file),
        Command::Restore { file, force } => restore(&settings, &file, force),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("deskwoot: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("deskwoot: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), Failure> {
    let url = settings.public_url();
    actix_web::rt::System::new().block_on(async move {
        let server = Server::start(settings)?;
        println!("Deskwoot {} listening on {url}", env!("CARGO_PKG_VERSION"));
        tracing::info!(addr = %server.local_addr(), %url, "listening");
        server
            .run()
            .await
            .map_err(|e| Failure::Runtime(format!("server stopped: {e}")))
    })
}

fn backup(settings: &Settings, file: &std::path::Path) -> Result<(), Failure> {
    let manifest = backup::create(&settings.storage.data_dir, file)?;
    println!(
        "Backed up {} ({} bytes, schema version {}) to {}.",
        files(manifest.files.len()),
        manifest.total_size(),
        manifest.schema_version,
        file.display()
    );
    Ok(())
}

fn restore(settings: &Settings, file: &std::path::Path, force: bool) -> Result<(), Failure> {
    let data_dir = &settings.storage.data_dir;
    let restored = backup::restore(file, data_dir, force)?;
    let m = &restored.manifest;
    println!(
        "Restored {} ({} bytes) from {}, made by Deskwoot {} at {} (schema version {}), into {}.",
        files(m.files.len()),
        m.total_size(),
        file.display(),
        m.deskwoot_version,
        backup::timestamp(m.created_at),
        m.schema_version,
        data_dir.display()
    );
    if let Some(aside) = restored.kept_aside {
        println!(
            "The data it replaced is in {}; delete it once the restored data looks right.",
            aside.display()
        );
    }
    Ok(())
}

/// "1 file", "3 files".
fn files(n: usize) -> String {
    if n == 1 {
        "1 file".into()
    } else {
        format!("{n} files")
    }
}

fn open(settings: &Settings) -> Result<Db, Failure> {
    Ok(server::open_storage(settings)?)
}

fn setup(settings: &Settings, args: SetupArgs) -> Result<(), Failure> {
    let db = open(settings)?;
    let email = args.email.clone();
    if db
        .read_blocking(|conn| users::find_by_email(conn, &email))?
        .is_some()
    {
        return Err(Failure::Runtime(format!(
            "a user with the email {} already exists; nothing was changed",
            args.email.trim()
        )));
    }
    let password = match args.password {
        Some(password) => password,
        None if std::io::stdin().is_terminal() => prompt_password()?,
        None => {
            return Err(Failure::Usage(
                "--password is required when stdin is not a terminal".into(),
            ));
        }
    };
    let admin = users::NewUser {
        name: args.name,
        email: args.email,
        password,
    };
    let (workspace, user) =
        db.write_blocking(|tx| workspaces::create_with_admin(tx, &args.workspace, admin))?;
    println!(
        "Created workspace {} (id {}) with administrator {} <{}>.",
        workspace.name, workspace.id, user.name, user.email
    );
    Ok(())
}

fn prompt_password() -> Result<String, Failure> {
    let read = |prompt: &str| {
        rpassword::prompt_password(prompt)
            .map_err(|e| Failure::Runtime(format!("cannot read the password: {e}")))
    };
    let first = read("Password: ")?;
    if read("Repeat the password: ")? != first {
        return Err(Failure::Usage("the passwords do not match".into()));
    }
    Ok(first)
}

fn token(settings: &Settings, command: TokenCommand) -> Result<(), Failure> {
    let db = open(settings)?;
    match command {
        TokenCommand::Create {
            email,
            name,
            scopes,
            workspace,
            expires_in,
        } => {
            let scopes = ScopeSet::parse([scopes.as_str()])?;
            let secret = db.write_blocking(|tx| {
                let (user, _) = users::find_by_email(tx, &email)?
                    .ok_or_else(|| Error::invalid("email", "no user has this email"))?;
                let workspace_id = pick_workspace(tx, user.id, workspace)?;
                let new = NewToken {
                    workspace_id,
                    user_id: user.id,
                    name: &name,
                    scopes,
                    expires_in_days: expires_in,
                };
                Ok(api_tokens::create(tx, new)?.1)
            })?;
            println!("{secret}");
        }
        TokenCommand::List { workspace } => {
            let tokens = db.read_blocking(|conn| api_tokens::list(conn, workspace))?;
            println!(
                "{:<6} {:<9} {:<24} {:<10} {:<22} {:<11} {:<11} SCOPES",
                "ID", "WORKSPACE", "NAME", "HINT", "CREATED BY", "LAST USED", "EXPIRES"
            );
            for t in tokens {
                println!(
                    "{:<6} {:<9} {:<24} {:<10} {:<22} {:<11} {:<11} {}",
                    t.id,
                    t.account_id,
                    t.name,
                    format!("{}…", t.hint),
                    t.created_by.email,
                    date(t.last_used_at),
                    date(t.expires_at),
                    t.scopes.names().join(",")
                );
            }
        }
        TokenCommand::Revoke { id } => {
            db.write_blocking(|tx| api_tokens::revoke(tx, None, id))?;
            println!("Token {id} revoked.");
        }
    }
    Ok(())
}

/// The workspace a CLI token is for: the one named, or the user's only one.
fn pick_workspace(
    conn: &rusqlite::Connection,
    user_id: i64,
    named: Option<i64>,
) -> Result<i64, Error> {
    let memberships = users::memberships(conn, user_id)?;
    match named {
        Some(id) if memberships.iter().any(|m| m.workspace_id == id) => Ok(id),
        Some(_) => Err(Error::invalid(
            "workspace",
            "the user is not in this workspace",
        )),
        None => match memberships.as_slice() {
            [only] => Ok(only.workspace_id),
            [] => Err(Error::invalid("email", "the user belongs to no workspace")),
            many => Err(Error::invalid(
                "workspace",
                format!(
                    "the user belongs to several workspaces; pass --workspace with one of: {}",
                    many.iter()
                        .map(|m| format!("{} ({})", m.workspace_id, m.workspace_name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        },
    }
}

/// A Unix timestamp as a UTC date, or `never`.
fn date(ts: Option<i64>) -> String {
    ts.and_then(|ts| time::OffsetDateTime::from_unix_timestamp(ts).ok())
        .map(|t| t.date().to_string())
        .unwrap_or_else(|| "never".into())
}
