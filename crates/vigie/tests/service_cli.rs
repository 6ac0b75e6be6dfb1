//! `vigie token` and `vigie audit` on a server's data directory, as tools outside the repo call
//! them: `vigie token create --data DIR --scope SCOPE --name NAME` prints the token alone.

use std::path::Path;
use std::process::{Command, Output};

fn vigie(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

#[test]
fn token_create_prints_the_token_alone_and_the_audit_log_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigie(
        &[
            "token", "create", "--data", "state", "--scope", "admin", "--name", "ops",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim_end_matches('\n');
    assert!(
        !token.contains('\n') && token.starts_with("vgt_") && token.len() > 40,
        "{stdout:?}"
    );

    let out = vigie(
        &[
            "token",
            "create",
            "--data",
            "state",
            "--scope",
            "flag",
            "--scope",
            "report",
            "--name",
            "ngo",
            "--trusted-flagger",
        ],
        dir.path(),
    );
    assert!(out.status.success());
    let list =
        String::from_utf8(vigie(&["token", "list", "--data", "state"], dir.path()).stdout).unwrap();
    assert_eq!(list.lines().count(), 2);
    assert!(
        list.contains("\"trusted_flagger\":true") && !list.contains(token),
        "secrets are never listed"
    );

    let out = vigie(&["audit", "verify", "--data", "state"], dir.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified: 2 entries"));

    let out = vigie(&["token", "revoke", "--data", "state", "1"], dir.path());
    assert!(out.status.success());
    let out = vigie(&["audit", "verify", "--data", "state"], dir.path());
    assert!(String::from_utf8_lossy(&out.stdout).contains("verified: 3 entries"));
}

#[test]
fn a_wrong_scope_or_a_missing_database_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = vigie(
        &[
            "token",
            "create",
            "--data",
            "state",
            "--scope",
            "superuser",
            "--name",
            "x",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("superuser") && err.contains("ingest"), "{err}");
    let out = vigie(&["audit", "verify", "--data", "nowhere"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database"));
}
