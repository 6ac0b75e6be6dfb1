//! `vigie policy check DIR` and `vigie policy test DIR`.

use super::{engine_with_policy, Status};
use crate::args::{PolicyCommand, PolicyDirArgs};
use anyhow::Context;
use serde::Deserialize;
use vigie_core::{ActionType, Decision, Item, Label, Verdict};
use vigie_policy::Mode;

pub fn run(command: PolicyCommand) -> anyhow::Result<Status> {
    match command {
        PolicyCommand::Check(args) => check(args),
        PolicyCommand::Test(args) => test(args),
    }
}

fn check(args: PolicyDirArgs) -> anyhow::Result<Status> {
    let engine = engine_with_policy(&args.data, &args.dir)?;
    let policy = engine.policy();
    let shadow = policy
        .rules()
        .iter()
        .filter(|r| r.mode == Mode::Shadow)
        .count();
    println!(
        "{}: policy {} — {} rules ({} enforce, {} shadow), every condition, signal, label, action and notice template checked",
        args.dir.display(),
        policy.version(),
        policy.rules().len(),
        policy.rules().len() - shadow,
        shadow
    );
    for rule in policy.rules() {
        let labels: Vec<&str> = rule.labels.iter().map(|l| l.as_str()).collect();
        println!(
            "  {:<42} {:<7} {:<6} {:<8} [{}]",
            rule.name,
            if rule.mode == Mode::Shadow {
                "shadow"
            } else {
                "enforce"
            },
            rule.verdict.as_str(),
            rule.severity.as_str(),
            labels.join(", ")
        );
    }
    Ok(Status::Clean)
}

/// One policy test.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyTest {
    name: String,
    item: Item,
    #[serde(default)]
    expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    verdict: Option<Verdict>,
    #[serde(default)]
    labels: Vec<Label>,
    #[serde(default)]
    actions: Vec<ActionType>,
    #[serde(default)]
    absent_actions: Vec<ActionType>,
    #[serde(default)]
    shadow_actions: Vec<ActionType>,
}

fn test(args: PolicyDirArgs) -> anyhow::Result<Status> {
    let engine = engine_with_policy(&args.data, &args.dir)?;
    let path = args.dir.join("tests.jsonl");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the policy tests {}", path.display()))?;
    let (mut passed, mut failed) = (0, 0);
    for (idx, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let test: PolicyTest = serde_json::from_str(line)
            .with_context(|| format!("{}: line {}", path.display(), idx + 1))?;
        let decision = engine.evaluate(&test.item);
        let problems = check_expectations(&test.expect, &decision);
        if problems.is_empty() {
            passed += 1;
        } else {
            failed += 1;
            println!("FAIL line {}: {}", idx + 1, test.name);
            for problem in problems {
                println!("     {problem}");
            }
        }
    }
    println!("policy tests: {passed} passed, {failed} failed");
    Ok(if failed > 0 {
        Status::SkippedLines
    } else {
        Status::Clean
    })
}

fn check_expectations(expect: &Expect, d: &Decision) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(verdict) = expect.verdict {
        if d.verdict != verdict {
            problems.push(format!("verdict is `{}`, expected `{verdict}`", d.verdict));
        }
    }
    let labels: Vec<Label> = d.labels.iter().map(|l| l.label).collect();
    let label_names: Vec<&str> = labels.iter().map(|l| l.as_str()).collect();
    for label in &expect.labels {
        if !labels.contains(label) {
            problems.push(format!(
                "label `{label}` missing (got {})",
                label_names.join(", ")
            ));
        }
    }
    let actions: Vec<ActionType> = d.actions.iter().map(|a| a.action_type).collect();
    let action_names: Vec<&str> = actions.iter().map(|a| a.as_str()).collect();
    for action in &expect.actions {
        if !actions.contains(action) {
            problems.push(format!(
                "action `{action}` missing (got {})",
                action_names.join(", ")
            ));
        }
    }
    for action in &expect.absent_actions {
        if actions.contains(action) {
            problems.push(format!("action `{action}` present, expected absent"));
        }
    }
    let shadow: Vec<ActionType> = d.shadow_actions.iter().map(|a| a.action_type).collect();
    for action in &expect.shadow_actions {
        if !shadow.contains(action) {
            problems.push(format!("shadow action `{action}` missing"));
        }
    }
    problems
}
