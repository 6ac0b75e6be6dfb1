//! `vigie token`: API tokens in a server's data directory.

use super::Status;
use crate::args::TokenCommand;
use anyhow::{bail, Context};
use std::path::Path;
use vigie_store::{Scope, SqliteStore, Store, StoreOptions};

pub fn run(command: TokenCommand) -> anyhow::Result<Status> {
    match command {
        TokenCommand::Create {
            scopes,
            name,
            trusted_flagger,
            state,
        } => {
            let scopes = scopes
                .iter()
                .map(|s| s.parse::<Scope>())
                .collect::<Result<Vec<_>, _>>()?;
            if name.trim().is_empty() {
                bail!("--name must not be empty: it says who holds the token");
            }
            let store = open(&state.dir)?;
            let secret = store.create_token(&name, &scopes, trusted_flagger)?;
            // Alone on stdout: scripts capture it.
            println!("{secret}");
            Ok(Status::Clean)
        }
        TokenCommand::List { state } => {
            for t in open(&state.dir)?.list_tokens()? {
                println!("{}", serde_json::to_string(&t)?);
            }
            Ok(Status::Clean)
        }
        TokenCommand::Revoke { id, state } => {
            if !open(&state.dir)?.revoke_token(id, "cli")? {
                bail!("no live token with id {id}");
            }
            eprintln!("token {id} revoked");
            Ok(Status::Clean)
        }
    }
}

/// Opens (creating it when needed) a server's data directory.
pub fn open(dir: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(dir, StoreOptions::default())
        .with_context(|| format!("opening the data directory {}", dir.display()))
}
