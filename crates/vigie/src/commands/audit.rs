//! `vigie audit verify`: recompute the audit log's hash chain.

use super::Status;
use crate::args::AuditCommand;
use vigie_store::{AuditError, Store};

pub fn run(command: AuditCommand) -> anyhow::Result<Status> {
    match command {
        AuditCommand::Verify { state } => {
            if !state.dir.join(vigie_store::DB_FILE).exists() {
                anyhow::bail!("no database in {} (nothing to verify)", state.dir.display());
            }
            match super::token::open(&state.dir)?.verify_audit() {
                Ok(report) => {
                    println!(
                        "audit log verified: {} entries, head {}",
                        report.entries, report.head_hash
                    );
                    Ok(Status::Clean)
                }
                Err(AuditError::Store(e)) => Err(e.into()),
                Err(broken) => {
                    println!("audit log BROKEN: {broken}");
                    Ok(Status::SkippedLines)
                }
            }
        }
    }
}
