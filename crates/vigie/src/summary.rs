//! The summary printed after a scan: counts by verdict, top label and language.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
use std::collections::BTreeMap;
use std::time::Duration;
use vigie_core::{Decision, Label, Verdict};

/// Running counts over a scan.
#[derive(Debug, Default)]
pub struct Summary {
    pub items: usize,
    pub bad_lines: usize,
    verdicts: BTreeMap<Verdict, usize>,
    labels: BTreeMap<Label, usize>,
    languages: BTreeMap<String, usize>,
    actions: BTreeMap<String, usize>,
}

impl Summary {
    /// Counts one decision.
    pub fn add(&mut self, decision: &Decision) {
        self.items += 1;
        *self.verdicts.entry(decision.verdict).or_default() += 1;
        if let Some(top) = decision.labels.first() {
            *self.labels.entry(top.label).or_default() += 1;
        }
        let lang = decision.lang.clone().unwrap_or_else(|| "und".to_string());
        *self.languages.entry(lang).or_default() += 1;
        for action in &decision.actions {
            *self
                .actions
                .entry(action.action_type.to_string())
                .or_default() += 1;
        }
    }

    /// The table, as text.
    pub fn render(&self, elapsed: Duration) -> String {
        let secs = elapsed.as_secs_f64().max(1e-9);
        let mut out = format!(
            "\n{} items in {:.2}s ({:.0} items/s){}\n",
            self.items,
            secs,
            self.items as f64 / secs,
            if self.bad_lines > 0 {
                format!(", {} bad lines skipped (see above)", self.bad_lines)
            } else {
                String::new()
            }
        );
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_header(vec![
            "verdict",
            "items",
            "top label",
            "items",
            "language",
            "items",
        ]);
        let verdicts: Vec<(String, usize)> = [Verdict::Action, Verdict::Review, Verdict::Allow]
            .iter()
            .map(|v| (v.to_string(), self.verdicts.get(v).copied().unwrap_or(0)))
            .collect();
        let labels: Vec<(String, usize)> = Label::ALL
            .iter()
            .map(|l| (l.to_string(), self.labels.get(l).copied().unwrap_or(0)))
            .collect();
        let mut languages: Vec<(String, usize)> = self
            .languages
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        languages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let rows = verdicts.len().max(labels.len()).max(languages.len());
        for i in 0..rows {
            let mut row = Vec::new();
            for column in [&verdicts, &labels, &languages] {
                match column.get(i) {
                    Some((name, n)) => {
                        row.push(Cell::new(name));
                        row.push(Cell::new(n).set_alignment(CellAlignment::Right));
                    }
                    None => {
                        row.push(Cell::new(""));
                        row.push(Cell::new(""));
                    }
                }
            }
            table.add_row(row);
        }
        out.push_str(&table.to_string());
        if !self.actions.is_empty() {
            let actions: Vec<String> = self
                .actions
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out.push_str(&format!("\nactions proposed: {}\n", actions.join(", ")));
        }
        out
    }
}
