//! The command-line entry points, for the `vigie` binary to wire in:
//!
//! - `vigie serve [--config FILE] [--listen ADDR] [--data DIR] ...` → [`ServeArgs`] +
//!   [`run_serve`];
//! - `vigie token create --data DIR --scope SCOPE --name NAME [--trusted-flagger]` →
//!   [`TokenCreateArgs`] + [`run_token_create`] (print the returned token alone on stdout);
//! - `vigie audit verify --data DIR` → [`AuditVerifyArgs`] + [`run_audit_verify`].

use crate::config::{ServeArgs, ServerConfig};
use std::path::PathBuf;

/// `vigie serve`: loads the configuration (defaults < file < environment < flags) and serves
/// until SIGTERM or ctrl-c.
pub fn run_serve(args: &ServeArgs) -> anyhow::Result<()> {
    let config = ServerConfig::load(args)?;
    crate::serve_blocking(config)
}

/// The flags of `vigie token create`.
#[derive(Debug, Clone, clap::Args)]
pub struct TokenCreateArgs {
    /// Data folder holding the SQLite database [env: VIGIE_DATA] [default: ./vigie-data].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Scope: ingest, search, report, review, flag or admin (admin allows everything).
    /// Repeat the flag or separate with commas.
    #[arg(long = "scope", value_name = "SCOPE", required = true)]
    pub scopes: Vec<String>,
    /// A name for people (`moderation-console`, `ngo-watch`).
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The holder is a trusted flagger (DSA Art. 22): its reports jump ahead in review.
    #[arg(long)]
    pub trusted_flagger: bool,
}

/// `vigie token create`: returns the new token (print it alone on stdout; only its hash is
/// stored, it cannot be shown again).
pub fn run_token_create(args: &TokenCreateArgs) -> anyhow::Result<String> {
    let scopes = crate::parse_scopes(&args.scopes)?;
    let data = data_dir(args.data.as_ref());
    crate::create_token(&data, &scopes, &args.name, args.trusted_flagger)
}

/// The flags of `vigie audit verify`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditVerifyArgs {
    /// Data folder holding the SQLite database [env: VIGIE_DATA] [default: ./vigie-data].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// `vigie audit verify`: recomputes the audit log's hash chain; `Err` names the first broken
/// entry.
pub fn run_audit_verify(args: &AuditVerifyArgs) -> anyhow::Result<vigie_store::AuditReport> {
    crate::verify_audit(&data_dir(args.data.as_ref()))
}

fn data_dir(flag: Option<&PathBuf>) -> PathBuf {
    flag.cloned()
        .or_else(|| std::env::var_os("VIGIE_DATA").map(PathBuf::from))
        .unwrap_or_else(|| ServerConfig::default().data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Debug, clap::Subcommand)]
    enum Command {
        Serve(ServeArgs),
        Token(TokenCreateArgs),
        Audit(AuditVerifyArgs),
    }

    #[test]
    fn flags_parse_as_documented() {
        let cli = Cli::try_parse_from([
            "vigie",
            "serve",
            "--listen",
            "127.0.0.1:9999",
            "--data",
            "/tmp/d",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        let config = ServerConfig::load_with(&args, |_| None).unwrap();
        assert_eq!(config.listen.port(), 9999);
        assert_eq!(config.data, PathBuf::from("/tmp/d"));

        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().to_str().unwrap();
        let cli = Cli::try_parse_from([
            "vigie", "token", "--data", data, "--scope", "admin", "--name", "ops",
        ])
        .unwrap();
        let Command::Token(args) = cli.command else {
            panic!()
        };
        let token = run_token_create(&args).unwrap();
        assert!(token.starts_with("vgt_"));
        let cli = Cli::try_parse_from(["vigie", "audit", "--data", data]).unwrap();
        let Command::Audit(args) = cli.command else {
            panic!()
        };
        run_audit_verify(&args).unwrap();
        assert!(Cli::try_parse_from(["vigie", "token", "--name", "x"]).is_err());
        let help = Cli::try_parse_from(["vigie", "serve", "--help"])
            .unwrap_err()
            .to_string();
        assert!(help.contains("VIGIE_LISTEN") && help.contains("VIGIE_WEBHOOK_SECRET"));
    }
}
