//! Policy: the only place where evidence becomes actions.
//!
//! A policy is a directory of data (`data/policy/default/`): `policy.toml` (version,
//! description, and what a reviewer's decision does: [`reviewed`]) and `rules/*.toml`. Each rule has a name, a description, a condition in CEL
//! over named signals ([`signals`]: scores per label, lexicon categories, entity counts, places,
//! item kind, language, author strikes), the labels and severity it asserts, the actions it
//! proposes, a reason template, a legal ground, and a mode: `enforce`, or `shadow` (evaluated
//! and reported, never applied). Conditions compile once ([`cel`]) into a typed evaluator.
//!
//! The decision merges the fired enforce rules: labels asserted (with their scores; `benign`
//! alone if none), the highest verdict and severity, the actions deduplicated and ordered, one
//! reason per rule. A rule that fails at evaluation sends the item to review with no
//! enforcement (fail closed) and is counted.
//!
//! Invariants checked when a policy loads (an error names the rule):
//! - a rule asserting `smuggling.solicitation` proposes no punitive action and no `action`
//!   verdict: seekers are potential victims (UN Smuggling Protocol Art. 5); at evaluation, a
//!   decision labelled only as a seeker never carries a punitive action whatever the rules say;
//! - a rule asserting `extortion.ransom` never enforces without a person: verdict `review`,
//!   queued at `critical`;
//! - notices, help and warnings name a template; reason placeholders name real signals.
#![deny(missing_docs)]

pub mod cel;
pub mod notices;
pub mod reviewed;
pub mod signals;

use cel::Condition;
pub use reviewed::{ReviewInput, Reviewed};
use serde::Deserialize;
use signals::{Schema, Signals};
use std::sync::atomic::{AtomicU64, Ordering};
use vigie_core::{
    Action, ActionType, Label, LabelScore, LabelScores, Priority, Reason, Severity, Verdict,
};

/// A policy that failed to load: the file, the rule (if any) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The TOML did not parse or did not match the policy shape.
    #[error("policy {file}: {message}")]
    Syntax {
        /// The policy file.
        file: String,
        /// The parser's message (it names the line and field).
        message: String,
    },
    /// A rule is wrong: bad CEL, unknown signal, type mismatch, broken invariant.
    #[error("policy {file}: rule `{rule}`: {message}")]
    Rule {
        /// The policy file.
        file: String,
        /// The rule's name.
        rule: String,
        /// What is wrong (with the column in the condition for CEL errors).
        message: String,
    },
}

/// One proposed action, as written in the policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// What to do.
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// Notice or interstitial template.
    #[serde(default)]
    pub template: Option<String>,
    /// Review priority.
    #[serde(default)]
    pub priority: Option<Priority>,
}

/// Whether a rule's actions are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Applied.
    #[default]
    Enforce,
    /// Evaluated and reported as `shadow_actions`, never applied.
    Shadow,
}

/// A label name in the policy file (checked against the six labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelName(pub Label);

impl<'de> Deserialize<'de> for LabelName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Label::parse(&name).map(LabelName).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown label `{name}` (expected one of: {})",
                Label::ALL.map(|l| l.as_str()).join(", ")
            ))
        })
    }
}

/// A rule as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    name: String,
    #[serde(default)]
    description: String,
    when: String,
    #[serde(default)]
    labels: Vec<LabelName>,
    #[serde(default)]
    severity: Severity,
    verdict: Verdict,
    #[serde(default)]
    actions: Vec<ActionSpec>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    ground: Option<String>,
    #[serde(default)]
    mode: Mode,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Named after the evidence it matches, never the action.
    pub name: String,
    /// What it matches and why.
    pub description: String,
    /// The condition.
    pub condition: Condition,
    /// Labels asserted when it fires.
    pub labels: Vec<Label>,
    /// Severity asserted.
    pub severity: Severity,
    /// Verdict asserted.
    pub verdict: Verdict,
    /// Actions proposed.
    pub actions: Vec<ActionSpec>,
    /// Reason template: text with `{signal.name}` placeholders.
    pub reason: String,
    /// Legal or policy ground.
    pub ground: Option<String>,
    /// Enforce or shadow.
    pub mode: Mode,
    /// The file it came from.
    pub file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyHeader {
    version: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    reviewed: Vec<reviewed::ReviewedSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(rename = "rule", default)]
    rules: Vec<RuleSpec>,
}

/// A loaded, compiled, checked policy. Share it across threads.
#[derive(Debug)]
pub struct Policy {
    version: String,
    description: String,
    rules: Vec<Rule>,
    reviewed: Vec<Reviewed>,
    schema: Schema,
    errors: AtomicU64,
}

/// What the policy is given for one item.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// Every signal's value.
    pub signals: &'a Signals,
    /// Label scores (the asserted labels carry them).
    pub scores: &'a LabelScores,
    /// Facts per label, from the scorer.
    pub evidence: &'a [Vec<String>; 6],
    /// The scorer's version (written into the evidence).
    pub scorer_version: &'a str,
    /// The language notices should be written in.
    pub notice_lang: &'a str,
}

/// What the policy decided.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// The severity.
    pub severity: Severity,
    /// Asserted labels, highest first (`benign` alone when none).
    pub labels: Vec<LabelScore>,
    /// Actions, deduplicated and ordered.
    pub actions: Vec<Action>,
    /// One reason per fired enforce rule.
    pub reasons: Vec<Reason>,
    /// Actions shadow rules would have proposed (never applied).
    pub shadow_actions: Vec<Action>,
    /// The shadow rules that fired.
    pub shadow_rules: Vec<String>,
    /// Rules that failed to evaluate, with the error.
    pub errors: Vec<String>,
}

impl Policy {
    /// Loads a policy directory given as `(path relative to the directory, contents)`:
    /// `policy.toml` and `rules/*.toml`. Other files are ignored.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Policy, PolicyError> {
        let (header_file, header) =
            files
                .iter()
                .find(|(p, _)| *p == "policy.toml")
                .ok_or_else(|| PolicyError::Syntax {
                    file: "policy.toml".to_string(),
                    message: "missing (a policy directory needs policy.toml and rules/*.toml)"
                        .to_string(),
                })?;
        let header: PolicyHeader = toml::from_str(header).map_err(|e| PolicyError::Syntax {
            file: header_file.to_string(),
            message: e.to_string(),
        })?;
        let schema = Schema::new();
        let mut rules = Vec::new();
        let mut rule_files: Vec<&(&str, &str)> = files
            .iter()
            .filter(|(p, _)| p.starts_with("rules/") && p.ends_with(".toml"))
            .collect();
        rule_files.sort_by_key(|(p, _)| *p);
        for (file, text) in rule_files {
            let parsed: RulesFile = toml::from_str(text).map_err(|e| PolicyError::Syntax {
                file: file.to_string(),
                message: e.to_string(),
            })?;
            for spec in parsed.rules {
                rules.push(compile_rule(spec, file, &schema)?);
            }
        }
        if rules.is_empty() {
            return Err(PolicyError::Syntax {
                file: "rules/".to_string(),
                message: "no rules".to_string(),
            });
        }
        let mut names = std::collections::HashSet::new();
        for rule in &rules {
            if !names.insert(rule.name.as_str()) {
                return Err(PolicyError::Rule {
                    file: rule.file.clone(),
                    rule: rule.name.clone(),
                    message: "duplicate rule name".to_string(),
                });
            }
        }
        Ok(Policy {
            version: header.version,
            description: header.description,
            reviewed: reviewed::compile(header.reviewed)?,
            rules,
            schema,
            errors: AtomicU64::new(0),
        })
    }

    /// The policy's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What the policy is for.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The rules, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What a human-confirmed label entails (`[[reviewed]]` in `policy.toml`).
    pub fn reviewed(&self) -> &[Reviewed] {
        &self.reviewed
    }

    /// The decision a reviewer's confirm or overturn produces (see [`reviewed`]).
    pub fn review_outcome(&self, input: ReviewInput<'_>) -> Outcome {
        reviewed::decide(&self.reviewed, input)
    }

    /// The signal schema the rules were checked against.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many rule evaluations have failed since the policy loaded.
    pub fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Decides for one item.
    pub fn evaluate(&self, input: PolicyInput<'_>) -> Outcome {
        let mut outcome = Outcome::default();
        let mut asserted: Vec<Label> = Vec::new();
        for rule in &self.rules {
            let fired = match rule.condition.eval(input.signals) {
                Ok(fired) => fired,
                Err(err) => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    outcome
                        .errors
                        .push(format!("rule `{}`: {}", rule.name, err.0));
                    continue;
                }
            };
            if !fired {
                continue;
            }
            if rule.mode == Mode::Shadow {
                outcome.shadow_rules.push(rule.name.clone());
                for spec in &rule.actions {
                    merge_action(&mut outcome.shadow_actions, spec, input.notice_lang);
                }
                continue;
            }
            outcome.verdict = outcome.verdict.max(rule.verdict);
            outcome.severity = outcome.severity.max(rule.severity);
            for spec in &rule.actions {
                merge_action(&mut outcome.actions, spec, input.notice_lang);
            }
            let mut evidence = Vec::new();
            let reason = render_reason(&rule.reason, &self.schema, input.signals);
            if !reason.is_empty() {
                evidence.push(reason);
            }
            for label in &rule.labels {
                evidence.push(format!(
                    "{} {}={:.2}",
                    input.scorer_version,
                    label,
                    input.scores.get(*label)
                ));
                for fact in &input.evidence[label.index()] {
                    if !evidence.contains(fact) {
                        evidence.push(fact.clone());
                    }
                }
                if !asserted.contains(label) {
                    asserted.push(*label);
                }
            }
            outcome.reasons.push(Reason {
                rule: rule.name.clone(),
                evidence,
                ground: rule.ground.clone(),
            });
        }
        outcome.labels = asserted
            .iter()
            .map(|&label| LabelScore {
                label,
                score: input.scores.get(label),
            })
            .collect();
        outcome.labels.sort_by(|a, b| b.score.total_cmp(&a.score));
        if outcome.labels.is_empty() {
            outcome.labels.push(LabelScore {
                label: Label::Benign,
                score: input.scores.get(Label::Benign),
            });
        }
        protect_seekers(&mut outcome);
        if !outcome.errors.is_empty() {
            fail_closed(&mut outcome);
        }
        outcome.actions.sort_by_key(|a| a.action_type);
        outcome.shadow_actions.sort_by_key(|a| a.action_type);
        outcome
    }
}

/// A decision labelled only as a seeker keeps no punitive action, whatever the rules said.
fn protect_seekers(outcome: &mut Outcome) {
    let seeker = outcome
        .labels
        .iter()
        .any(|l| l.label == Label::SmugglingSolicitation);
    let offender = outcome.labels.iter().any(|l| {
        matches!(
            l.label,
            Label::SmugglingAdvertisement
                | Label::SmugglingDocuments
                | Label::TraffickingRecruitment
        )
    });
    if seeker && !offender {
        outcome.actions.retain(|a| !a.action_type.is_punitive());
        if outcome.verdict == Verdict::Action {
            outcome.verdict = Verdict::Allow;
        }
    }
}

/// A rule failed: no enforcement, a person reviews.
fn fail_closed(outcome: &mut Outcome) {
    outcome.actions.retain(|a| !a.action_type.is_punitive());
    if !outcome
        .actions
        .iter()
        .any(|a| a.action_type == ActionType::QueueReview)
    {
        outcome.actions.push(Action {
            priority: Some(Priority::High),
            ..Action::new(ActionType::QueueReview)
        });
    }
    outcome.verdict = Verdict::Review;
    outcome.severity = outcome.severity.max(Severity::Medium);
    outcome.reasons.push(Reason {
        rule: "rule_error".to_string(),
        evidence: outcome.errors.clone(),
        ground: Some(
            "Fail closed: a rule could not be evaluated, so a person decides and nothing is enforced"
                .to_string(),
        ),
    });
}

fn compile_rule(spec: RuleSpec, file: &str, schema: &Schema) -> Result<Rule, PolicyError> {
    let fail = |message: String| PolicyError::Rule {
        file: file.to_string(),
        rule: spec.name.clone(),
        message,
    };
    if spec.name.is_empty() {
        return Err(fail("empty rule name".to_string()));
    }
    let condition =
        Condition::compile(&spec.when, schema).map_err(|e| fail(format!("`when`: {e}")))?;
    for name in placeholders(&spec.reason) {
        if schema.lookup(name).is_none() {
            let hint = schema
                .closest(name)
                .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
            return Err(fail(format!("`reason`: unknown signal `{{{name}}}`{hint}")));
        }
    }
    for action in &spec.actions {
        let needs_template = matches!(
            action.action_type,
            ActionType::NotifyAuthor
                | ActionType::ShowHelp
                | ActionType::WarnViewers
                | ActionType::SupportFamily
        );
        if needs_template && action.template.is_none() {
            return Err(fail(format!(
                "action `{}` needs a `template`",
                action.action_type
            )));
        }
    }
    let labels: Vec<Label> = spec.labels.iter().map(|l| l.0).collect();
    if labels.contains(&Label::SmugglingSolicitation) {
        if let Some(a) = spec.actions.iter().find(|a| a.action_type.is_punitive()) {
            return Err(fail(format!(
                "proposes `{}` for a seeker; people looking for a smuggler are potential victims and are never punished",
                a.action_type
            )));
        }
        if spec.verdict == Verdict::Action {
            return Err(fail(
                "verdict `action` for a seeker; use `allow` with `show_help`".to_string(),
            ));
        }
    }
    if labels.contains(&Label::ExtortionRansom) {
        if spec.verdict == Verdict::Action
            || spec.actions.iter().any(|a| a.action_type.is_punitive())
        {
            return Err(fail(
                "ransom content is always decided by a person: use verdict `review` and no enforcement action"
                    .to_string(),
            ));
        }
        let critical_review = spec.actions.iter().any(|a| {
            a.action_type == ActionType::QueueReview && a.priority == Some(Priority::Critical)
        });
        if !critical_review {
            return Err(fail(
                "a ransom rule must queue the item for review at `critical` priority".to_string(),
            ));
        }
    }
    Ok(Rule {
        name: spec.name,
        description: spec.description,
        condition,
        labels,
        severity: spec.severity,
        verdict: spec.verdict,
        actions: spec.actions,
        reason: spec.reason,
        ground: spec.ground,
        mode: spec.mode,
        file: file.to_string(),
    })
}

/// The `{signal.name}` placeholders of a reason template.
fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
    }
    out
}

fn render_reason(template: &str, schema: &Schema, signals: &Signals) -> String {
    if !template.contains('{') {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &rest[open + 1..open + close];
        match schema.lookup(name) {
            Some((slot, _)) => out.push_str(&signals.get(slot).to_string()),
            None => out.push_str(&rest[open..open + close + 1]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn merge_action(actions: &mut Vec<Action>, spec: &ActionSpec, lang: &str) {
    if let Some(existing) = actions
        .iter_mut()
        .find(|a| a.action_type == spec.action_type)
    {
        existing.priority = existing.priority.max(spec.priority);
        if existing.template.is_none() {
            existing.template = spec.template.clone();
            existing.lang = spec.template.as_ref().map(|_| lang.to_string());
        }
        return;
    }
    actions.push(Action {
        action_type: spec.action_type,
        template: spec.template.clone(),
        lang: spec.template.as_ref().map(|_| lang.to_string()),
        priority: spec.priority,
        notice: None,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use signals::Value;

    fn policy(rules: &str) -> Result<Policy, PolicyError> {
        Policy::from_files(&[("policy.toml", "version = \"t\""), ("rules/r.toml", rules)])
    }

    fn input<'a>(
        signals: &'a Signals,
        scores: &'a LabelScores,
        evidence: &'a [Vec<String>; 6],
    ) -> PolicyInput<'a> {
        PolicyInput {
            signals,
            scores,
            evidence,
            scorer_version: "test",
            notice_lang: "fr",
        }
    }

    #[test]
    fn punishing_a_seeker_does_not_load() {
        let err = policy(
            r#"
            [[rule]]
            name = "seeker_removed"
            when = "score.solicitation >= 0.5"
            labels = ["smuggling.solicitation"]
            verdict = "review"
            actions = [{ type = "remove" }]
        "#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("rule `seeker_removed`"), "{err}");
        assert!(err.contains("never punished"), "{err}");
    }

    #[test]
    fn typos_are_errors_with_rule_and_column() {
        let err = policy(
            r#"
            [[rule]]
            name = "offer"
            when = "score.advertisment >= 0.8"
            verdict = "review"
        "#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "policy rules/r.toml: rule `offer`: `when`: column 1: unknown signal `score.advertisment` (did you mean `score.advertisement`?)"
        );
        let err = policy(
            r#"
            [[rule]]
            name = "offer"
            when = "score.advertisement >= 0.8"
            verdict = "review"
            reason = "phones: {entities.phones}"
        "#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown signal `{entities.phones}`"), "{err}");
    }

    #[test]
    fn shadow_rules_report_but_never_apply() {
        let p = policy(
            r#"
            [[rule]]
            name = "strict_offer"
            when = "score.advertisement >= 0.3"
            labels = ["smuggling.advertisement"]
            verdict = "action"
            actions = [{ type = "remove" }]
            mode = "shadow"
        "#,
        )
        .unwrap();
        let schema = Schema::new();
        let mut signals = schema.values();
        signals.set_named(&schema, "score.advertisement", Value::Double(0.4));
        let mut scores = LabelScores::default();
        scores.set(Label::SmugglingAdvertisement, 0.4);
        let evidence: [Vec<String>; 6] = Default::default();
        let out = p.evaluate(input(&signals, &scores, &evidence));
        assert!(out.actions.is_empty());
        assert_eq!(out.verdict, Verdict::Allow);
        assert_eq!(out.shadow_rules, ["strict_offer"]);
        assert_eq!(out.shadow_actions[0].action_type, ActionType::Remove);
        assert_eq!(out.labels[0].label, Label::Benign);
    }

    #[test]
    fn a_failing_rule_fails_closed() {
        let p = policy(
            r#"
            [[rule]]
            name = "offer"
            when = "score.advertisement >= 0.8"
            labels = ["smuggling.advertisement"]
            verdict = "action"
            actions = [{ type = "remove" }]

            [[rule]]
            name = "phones_per_entity"
            when = "entities.phone / entities.total > 0"
            verdict = "review"
        "#,
        )
        .unwrap();
        let schema = Schema::new();
        let mut signals = schema.values();
        signals.set_named(&schema, "score.advertisement", Value::Double(0.9));
        let mut scores = LabelScores::default();
        scores.set(Label::SmugglingAdvertisement, 0.9);
        let evidence: [Vec<String>; 6] = Default::default();
        let out = p.evaluate(input(&signals, &scores, &evidence));
        assert_eq!(out.verdict, Verdict::Review);
        assert!(
            out.actions.iter().all(|a| !a.action_type.is_punitive()),
            "{out:?}"
        );
        assert!(out
            .actions
            .iter()
            .any(|a| a.action_type == ActionType::QueueReview));
        assert!(out.reasons.iter().any(|r| r.rule == "rule_error"));
        assert_eq!(p.error_count(), 1);
    }
}
