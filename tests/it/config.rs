//! Configuration: the example file equals the defaults, the file and the
//! environment layer as documented, and bad values stop start-up.

use std::fs;

use deskwoot::config::{Settings, env_name};

use crate::support::{ServeProcess, deskwoot_command, free_port};

const EXAMPLE: &str = include_str!("../../config.example.toml");

#[test]
fn the_example_config_lists_every_key_at_its_default() {
    let example: toml::Value = toml::from_str(EXAMPLE).expect("example parses");
    let defaults = toml::Value::try_from(Settings::default()).expect("defaults serialise");
    assert_eq!(
        example, defaults,
        "config.example.toml drifted from Settings::default()"
    );
    let parsed: Settings = toml::from_str(EXAMPLE).expect("example deserialises");
    assert_eq!(parsed, Settings::default());
}

#[test]
fn the_example_config_names_each_keys_environment_variable() {
    let defaults = toml::Value::try_from(Settings::default()).unwrap();
    for (section, keys) in defaults.as_table().unwrap() {
        for key in keys.as_table().unwrap().keys() {
            let env = env_name(section, key);
            assert!(
                EXAMPLE.contains(&env),
                "config.example.toml does not mention {env}"
            );
        }
    }
}

#[test]
fn the_environment_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file_port = free_port();
    fs::write(
        dir.path().join("deskwoot.toml"),
        format!(
            "[server]\nbind = \"127.0.0.1:{file_port}\"\n[storage]\ndata_dir = \"from-file\"\n"
        ),
    )
    .unwrap();
    let server = ServeProcess::start(dir.path(), &[("DESKWOOT_CONFIG", "deskwoot.toml")]);
    // ServeProcess sets DESKWOOT__SERVER__BIND to its own port: that one answers.
    assert!(!server.base_url.ends_with(&format!(":{file_port}")));
    assert!(
        dir.path().join("from-file/deskwoot.db").exists(),
        "data_dir came from the file"
    );
    assert!(dir.path().join("from-file/attachments").is_dir());
}

/// `deskwoot serve` with a config file holding `toml`, which must stop it
/// with exit code 2; returns stderr.
fn refused_config(dir: &std::path::Path, toml: &str) -> String {
    fs::write(dir.join("bad.toml"), toml).unwrap();
    let out = deskwoot_command(dir)
        .args(["serve", "--config", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unknown_key_stops_start_up_with_exit_code_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused_config(dir.path(), "[server]\nbindd = \"127.0.0.1:1\"\n");
    assert!(stderr.contains("bindd"), "{stderr}");
    assert!(!dir.path().join("data").exists(), "nothing was created");
}

#[test]
fn invalid_values_are_all_reported_with_their_keys() {
    let dir = tempfile::tempdir().unwrap();
    let out = deskwoot_command(dir.path())
        .arg("serve")
        .env("DESKWOOT__SERVER__BIND", "not an address")
        .env("DESKWOOT__RATE_LIMIT__PER_MINUTE", "0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("server.bind"), "{stderr}");
    assert!(stderr.contains("rate_limit.per_minute"), "{stderr}");

    let out = deskwoot_command(dir.path())
        .arg("serve")
        .env("DESKWOOT__RATE_LIMIT__PER_MINUTE", "sixty")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("per_minute"), "{stderr}");
}

#[test]
fn backup_and_metrics_settings_are_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let stderr = refused_config(
        dir.path(),
        "[backup]\nschedule = \"at three\"\nkeep = 0\n[metrics]\nallow = [\"127.0.0.1\", \"::1/128\"]\n",
    );
    assert!(stderr.contains("backup.schedule"), "{stderr}");
    assert!(stderr.contains("backup.keep"), "{stderr}");
    assert!(stderr.contains("metrics.allow[0]"), "{stderr}");
    assert!(!stderr.contains("metrics.allow[1]"), "{stderr}");

    for (schedule, ok) in [
        ("", true),
        ("0 3 * * *", true),
        ("*/10 * * * * *", true),
        ("0 25 * * *", false),
        ("0 3 * *", false),
    ] {
        let out = deskwoot_command(dir.path())
            .args(["token", "list"])
            .env("DESKWOOT__BACKUP__SCHEDULE", schedule)
            .output()
            .unwrap();
        assert_eq!(out.status.success(), ok, "{schedule:?}: {out:?}");
    }
}

#[test]
fn a_missing_config_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = deskwoot_command(dir.path())
        .args(["serve", "--config", "absent.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.toml"));
}
