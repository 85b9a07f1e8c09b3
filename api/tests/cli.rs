//! The `friskliv` binary's subcommands as an operator runs them.

use std::process::Command;

fn friskliv(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_friskliv"))
        .args(args)
        .env("DATABASE_URL", db)
        .env("RUST_LOG", "error")
        .output()
        .expect("run friskliv")
}

#[test]
fn bootstrap_a_centre_and_a_staff_invite_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("friskliv-cli-{}", uuid::Uuid::new_v4()));
    let db = format!("sqlite://{}/nested/friskliv.db?mode=rwc", dir.display());

    let migrate = friskliv(&db, &["migrate"]);
    assert!(migrate.status.success(), "{migrate:?}");
    assert!(
        dir.join("nested/friskliv.db").exists(),
        "the SQLite file and folder are created"
    );

    let created = friskliv(
        &db,
        &[
            "admin",
            "create-centre",
            "--name",
            "Frisklivssentralen i Oslo",
            "--municipality",
            "0301",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let stdout = String::from_utf8(created.stdout).unwrap();
    let centre = stdout
        .lines()
        .find_map(|l| l.strip_prefix("centre_id: "))
        .expect("prints the centre id")
        .to_owned();

    let invited = friskliv(
        &db,
        &[
            "admin",
            "invite-staff",
            "--centre",
            &centre,
            "--role",
            "centre_admin",
        ],
    );
    assert!(invited.status.success(), "{invited:?}");
    let stdout = String::from_utf8(invited.stdout).unwrap();
    let code = stdout
        .lines()
        .find_map(|l| l.strip_prefix("code: "))
        .expect("prints the code");
    assert_eq!(code.len(), 19);
    assert!(
        stdout.lines().any(|l| l.starts_with("expires_at: ")),
        "prints the expiry"
    );

    // Refusals name the flag and exit non-zero without writing anything.
    let bad = friskliv(
        &db,
        &[
            "admin",
            "create-centre",
            "--name",
            "X",
            "--municipality",
            "301",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8(bad.stderr)
            .unwrap()
            .contains("--municipality")
    );
    let participant = friskliv(
        &db,
        &[
            "admin",
            "invite-staff",
            "--centre",
            &centre,
            "--role",
            "participant",
        ],
    );
    assert_eq!(participant.status.code(), Some(2));
    let missing = friskliv(
        &db,
        &[
            "admin",
            "invite-staff",
            "--centre",
            &uuid::Uuid::new_v4().to_string(),
            "--role",
            "veileder",
        ],
    );
    assert!(!missing.status.success());
    assert!(
        String::from_utf8(missing.stderr)
            .unwrap()
            .contains("no centre")
    );

    let spec = friskliv(&db, &["openapi"]);
    assert!(spec.status.success());
    assert_eq!(
        String::from_utf8(spec.stdout).unwrap(),
        friskliv_api::openapi_json()
    );

    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluation_grants_from_the_command_line() {
    let dir = std::env::temp_dir().join(format!("friskliv-cli-{}", uuid::Uuid::new_v4()));
    let db = format!("sqlite://{}/friskliv.db?mode=rwc", dir.display());
    let created = friskliv(
        &db,
        &[
            "admin",
            "create-centre",
            "--name",
            "Frisklivssentralen i Bergen",
            "--municipality",
            "4601",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let stdout = String::from_utf8(created.stdout).unwrap();
    let centre = stdout
        .lines()
        .find_map(|l| l.strip_prefix("centre_id: "))
        .unwrap()
        .to_owned();

    let listed = friskliv(&db, &["admin", "list-staff", "--centre", &centre]);
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(
        String::from_utf8(listed.stdout).unwrap(),
        "account\trole\tname\tgranted areas\n",
        "nobody has registered yet"
    );

    let nobody = uuid::Uuid::new_v4().to_string();
    let grant = |extra: &[&str]| {
        let mut args = vec!["admin", "grant-evaluation", "--account", nobody.as_str()];
        args.extend_from_slice(extra);
        friskliv(&db, &args)
    };
    let unknown = grant(&["--county", "46"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8(unknown.stderr)
            .unwrap()
            .contains("no evaluator account")
    );
    let malformed = grant(&["--county", "4"]);
    assert_eq!(malformed.status.code(), Some(2));
    assert!(
        String::from_utf8(malformed.stderr)
            .unwrap()
            .contains("--county")
    );
    // Exactly one area per grant.
    assert_eq!(
        grant(&["--county", "46", "--municipality", "4601"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(grant(&[]).status.code(), Some(2));

    let _ = std::fs::remove_dir_all(&dir);
}

/// A plain-http origin on a real host would send passkey ceremonies and
/// tokens unencrypted: the server refuses to start and names the variable,
/// unless it is told a TLS-terminating proxy is in front.
#[test]
fn plain_http_origin_on_a_real_host_is_refused_unless_behind_tls() {
    let dir = std::env::temp_dir().join(format!("friskliv-cli-{}", uuid::Uuid::new_v4()));
    let db = format!("sqlite://{}/friskliv.db?mode=rwc", dir.display());
    let run = |extra: &[(&str, &str)], args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_friskliv"));
        cmd.args(args)
            .env("DATABASE_URL", &db)
            .env("RUST_LOG", "error")
            .env("FRISKLIV_BIND", "127.0.0.1:0")
            .env("FRISKLIV_RP_ID", "friskliv.kommune.no")
            .env("FRISKLIV_RP_ORIGIN", "http://friskliv.kommune.no");
        for (k, v) in extra {
            cmd.env(k, v);
        }
        cmd.output().expect("run friskliv")
    };

    let refused = run(&[], &["serve"]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("FRISKLIV_RP_ORIGIN"), "{stderr}");
    assert!(stderr.contains("FRISKLIV_BEHIND_TLS"), "{stderr}");
    assert!(!dir.exists(), "nothing was started: {stderr}");

    // Behind a TLS proxy the same configuration is accepted.
    let behind = run(&[("FRISKLIV_BEHIND_TLS", "true")], &["migrate"]);
    assert!(behind.status.success(), "{behind:?}");

    let unreadable = run(&[("FRISKLIV_BEHIND_TLS", "perhaps")], &["migrate"]);
    assert_eq!(unreadable.status.code(), Some(2), "{unreadable:?}");
    assert!(
        String::from_utf8(unreadable.stderr)
            .unwrap()
            .contains("FRISKLIV_BEHIND_TLS")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
