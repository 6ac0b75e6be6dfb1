//! `vigie backtest --policy NEW --baseline OLD FILE`: what a policy change would change.

use super::{engine_with_policy, output, stream, Status};
use crate::args::BacktestArgs;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use indicatif::ProgressBar;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;
use vigie_core::Decision;

#[derive(Default)]
struct Counts {
    rows: BTreeMap<String, (i64, i64)>,
}

impl Counts {
    fn add(&mut self, key: String, baseline: bool) {
        let entry = self.rows.entry(key).or_default();
        if baseline {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }

    fn count(&mut self, d: &Decision, baseline: bool) {
        self.add(format!("verdict {}", d.verdict), baseline);
        for label in &d.labels {
            self.add(format!("label {}", label.label), baseline);
        }
        for action in &d.actions {
            self.add(format!("action {}", action.action_type), baseline);
        }
    }
}

fn summary(d: &Decision) -> serde_json::Value {
    json!({
        "verdict": d.verdict,
        "labels": d.labels.iter().map(|l| l.label).collect::<Vec<_>>(),
        "actions": d.actions.iter().map(|a| a.action_type).collect::<Vec<_>>(),
    })
}

fn same(a: &Decision, b: &Decision) -> bool {
    summary(a) == summary(b)
}

pub fn run(args: BacktestArgs) -> anyhow::Result<Status> {
    let baseline = engine_with_policy(&args.data, &args.baseline)?;
    let candidate = engine_with_policy(&args.data, &args.policy)?;
    let mut changes = match &args.out {
        Some(path) => Some(output(Some(path))?),
        None => None,
    };
    let mut counts = Counts::default();
    let mut changed: Vec<String> = Vec::new();
    let mut items = 0usize;
    let mut sink = std::io::sink();
    let bad_lines = stream(
        args.input.as_deref(),
        &mut sink,
        &ProgressBar::hidden(),
        |item| (baseline.evaluate(item), candidate.evaluate(item)),
        |_, (old, new)| {
            items += 1;
            counts.count(&old, true);
            counts.count(&new, false);
            if !same(&old, &new) {
                changed.push(format!(
                    "{}: {} {:?} -> {} {:?}",
                    old.id,
                    old.verdict,
                    old.actions
                        .iter()
                        .map(|a| a.action_type.as_str())
                        .collect::<Vec<_>>(),
                    new.verdict,
                    new.actions
                        .iter()
                        .map(|a| a.action_type.as_str())
                        .collect::<Vec<_>>()
                ));
                if let Some(out) = changes.as_mut() {
                    let line =
                        json!({"id": old.id, "baseline": summary(&old), "policy": summary(&new)});
                    writeln!(out, "{line}")?;
                }
            }
            Ok(())
        },
    )?;
    if let Some(out) = changes.as_mut() {
        out.flush()?;
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header(vec!["", "baseline", "policy", "change"]);
    for (key, (old, new)) in &counts.rows {
        let delta = new - old;
        table.add_row(vec![
            Cell::new(key),
            Cell::new(old).set_alignment(CellAlignment::Right),
            Cell::new(new).set_alignment(CellAlignment::Right),
            Cell::new(if delta == 0 {
                String::new()
            } else {
                format!("{delta:+}")
            })
            .set_alignment(CellAlignment::Right),
        ]);
    }
    println!(
        "{items} items; baseline {} ({}), policy {} ({})",
        baseline.policy().version(),
        args.baseline.display(),
        candidate.policy().version(),
        args.policy.display()
    );
    println!("{table}");
    println!("{} items change:", changed.len());
    for line in &changed {
        println!("  {line}");
    }
    Ok(if bad_lines > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}
