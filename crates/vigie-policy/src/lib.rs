//! Policy: the only place where evidence becomes actions.
//!
//! A policy is data (`data/policy/default.toml`): a version, a label threshold and a list of
//! rules. A rule says: when `label` scores in `[min_score, max_score]` (and the item is of one
//! of `kinds`, if given), assert this severity and verdict, propose these actions, and cite
//! this ground. The decision merges the fired rules: the highest verdict and severity, the
//! actions deduplicated and ordered, one reason per rule.
//!
//! Invariants checked when a policy loads (an error names the rule):
//! - a rule for `smuggling.solicitation` proposes no punitive action (removal, restriction,
//!   block, strike, author notice): seekers are potential victims (UN Smuggling Protocol Art. 5);
//! - a rule for `extortion.ransom` never takes enforcement without a person: its verdict is
//!   `review` and it queues the item at `critical` priority;
//! - `notify_author`, `show_help`, `warn_viewers` and `support_family` name a template.
//!
//! The CEL rules of the policy issue will generalise the conditions; the outcome shape stays.
#![deny(missing_docs)]

use serde::Deserialize;
use vigie_core::{
    Action, ActionType, ItemKind, Label, LabelScore, LabelScores, Priority, Reason, Severity,
    Verdict,
};

/// A policy that failed to load: the rule (if any) and what is wrong.
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
    /// A rule breaks an invariant.
    #[error("policy {file}: rule `{rule}`: {message}")]
    Rule {
        /// The policy file.
        file: String,
        /// The rule's name.
        rule: String,
        /// What is wrong.
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

/// One rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Named after the evidence it matches, never the action (`smuggling_offer_with_contact`).
    pub name: String,
    /// What it matches and why, for people reading the policy.
    #[serde(default)]
    pub description: String,
    /// The label whose score it reads.
    pub label: LabelName,
    /// Lowest score that fires the rule.
    pub min_score: f32,
    /// Highest score that fires the rule (inclusive).
    #[serde(default = "one")]
    pub max_score: f32,
    /// Item kinds the rule applies to; all kinds when empty.
    #[serde(default)]
    pub kinds: Vec<ItemKind>,
    /// Severity asserted.
    #[serde(default)]
    pub severity: Severity,
    /// Verdict asserted.
    pub verdict: Verdict,
    /// Actions proposed.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// The legal or policy ground cited in the statement of reasons.
    #[serde(default)]
    pub ground: Option<String>,
}

fn one() -> f32 {
    1.0
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    version: String,
    label_threshold: f32,
    #[serde(rename = "rule")]
    rules: Vec<Rule>,
}

/// A loaded, checked policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    version: String,
    label_threshold: f32,
    rules: Vec<Rule>,
}

/// What the policy is given for one item.
#[derive(Debug, Clone, Copy)]
pub struct PolicyInput<'a> {
    /// Label scores.
    pub scores: &'a LabelScores,
    /// Facts per label, from the scorer.
    pub evidence: &'a [Vec<String>; 6],
    /// The scorer's version (written into the evidence).
    pub scorer_version: &'a str,
    /// The item's kind.
    pub kind: Option<ItemKind>,
    /// The language notices should be written in.
    pub notice_lang: &'a str,
}

/// What the policy decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The verdict.
    pub verdict: Verdict,
    /// The severity.
    pub severity: Severity,
    /// Asserted labels, highest first (`benign` alone when none).
    pub labels: Vec<LabelScore>,
    /// Actions, deduplicated and ordered.
    pub actions: Vec<Action>,
    /// One reason per fired rule.
    pub reasons: Vec<Reason>,
}

impl Policy {
    /// Parses and checks a policy file.
    pub fn from_toml(file: &str, text: &str) -> Result<Policy, PolicyError> {
        let parsed: PolicyFile = toml::from_str(text).map_err(|e| PolicyError::Syntax {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let policy = Policy {
            version: parsed.version,
            label_threshold: parsed.label_threshold,
            rules: parsed.rules,
        };
        policy.check(file)?;
        Ok(policy)
    }

    fn check(&self, file: &str) -> Result<(), PolicyError> {
        let fail = |rule: &Rule, message: String| PolicyError::Rule {
            file: file.to_string(),
            rule: rule.name.clone(),
            message,
        };
        if !(0.0..=1.0).contains(&self.label_threshold) {
            return Err(PolicyError::Syntax {
                file: file.to_string(),
                message: format!(
                    "`label_threshold` is {}, not in [0, 1]",
                    self.label_threshold
                ),
            });
        }
        let mut names = std::collections::HashSet::new();
        for rule in &self.rules {
            if !names.insert(rule.name.as_str()) {
                return Err(fail(rule, "duplicate rule name".to_string()));
            }
            if !(0.0..=1.0).contains(&rule.min_score) || rule.max_score < rule.min_score {
                return Err(fail(
                    rule,
                    format!(
                        "score range [{}, {}] is not within [0, 1]",
                        rule.min_score, rule.max_score
                    ),
                ));
            }
            for action in &rule.actions {
                let needs_template = matches!(
                    action.action_type,
                    ActionType::NotifyAuthor
                        | ActionType::ShowHelp
                        | ActionType::WarnViewers
                        | ActionType::SupportFamily
                );
                if needs_template && action.template.is_none() {
                    return Err(fail(
                        rule,
                        format!("action `{}` needs a `template`", action.action_type),
                    ));
                }
            }
            match rule.label.0 {
                Label::SmugglingSolicitation => {
                    if let Some(a) = rule.actions.iter().find(|a| a.action_type.is_punitive()) {
                        return Err(fail(rule, format!(
                            "proposes `{}` for a seeker; people looking for a smuggler are potential victims and are never punished",
                            a.action_type
                        )));
                    }
                    if rule.verdict == Verdict::Action {
                        return Err(fail(
                            rule,
                            "verdict `action` for a seeker; use `allow` with `show_help`"
                                .to_string(),
                        ));
                    }
                }
                Label::ExtortionRansom => {
                    if rule.verdict == Verdict::Action
                        || rule.actions.iter().any(|a| a.action_type.is_punitive())
                    {
                        return Err(fail(rule, "ransom content is always decided by a person: use verdict `review` and no enforcement action".to_string()));
                    }
                    let critical_review = rule.actions.iter().any(|a| {
                        a.action_type == ActionType::QueueReview
                            && a.priority == Some(Priority::Critical)
                    });
                    if rule.verdict == Verdict::Review && !critical_review {
                        return Err(fail(
                            rule,
                            "a ransom review must queue the item at `critical` priority"
                                .to_string(),
                        ));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The policy's version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The rules.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Decides for one item.
    pub fn evaluate(&self, input: PolicyInput<'_>) -> Outcome {
        let mut labels: Vec<LabelScore> = input
            .scores
            .iter()
            .filter(|ls| ls.label != Label::Benign && ls.score >= self.label_threshold)
            .collect();
        labels.sort_by(|a, b| b.score.total_cmp(&a.score));
        if labels.is_empty() {
            labels.push(LabelScore {
                label: Label::Benign,
                score: input.scores.get(Label::Benign),
            });
        }

        let mut verdict = Verdict::Allow;
        let mut severity = Severity::None;
        let mut actions: Vec<Action> = Vec::new();
        let mut reasons = Vec::new();
        for rule in &self.rules {
            let score = input.scores.get(rule.label.0);
            let kind_ok =
                rule.kinds.is_empty() || input.kind.is_some_and(|k| rule.kinds.contains(&k));
            if score < rule.min_score || score > rule.max_score || !kind_ok {
                continue;
            }
            verdict = verdict.max(rule.verdict);
            severity = severity.max(rule.severity);
            for spec in &rule.actions {
                merge_action(&mut actions, spec, input.notice_lang);
            }
            let mut evidence = vec![format!(
                "{} {}={score:.2}",
                input.scorer_version, rule.label.0
            )];
            evidence.extend(input.evidence[rule.label.0.index()].iter().cloned());
            reasons.push(Reason {
                rule: rule.name.clone(),
                evidence,
                ground: rule.ground.clone(),
            });
        }
        actions.sort_by_key(|a| a.action_type);
        Outcome {
            verdict,
            severity,
            labels,
            actions,
            reasons,
        }
    }
}

fn merge_action(actions: &mut Vec<Action>, spec: &ActionSpec, lang: &str) {
    if let Some(existing) = actions
        .iter_mut()
        .find(|a| a.action_type == spec.action_type)
    {
        existing.priority = existing.priority.max(spec.priority);
        if existing.template.is_none() {
            existing.template = spec.template.clone();
        }
        return;
    }
    let templated = spec.template.is_some();
    actions.push(Action {
        action_type: spec.action_type,
        template: spec.template.clone(),
        lang: templated.then(|| lang.to_string()),
        priority: spec.priority,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punishing_a_seeker_does_not_load() {
        let text = r#"
            version = "t"
            label_threshold = 0.5
            [[rule]]
            name = "seeker_removed"
            label = "smuggling.solicitation"
            min_score = 0.5
            verdict = "review"
            actions = [{ type = "remove" }]
        "#;
        let err = Policy::from_toml("p.toml", text).unwrap_err().to_string();
        assert!(err.contains("rule `seeker_removed`"), "{err}");
        assert!(err.contains("never punished"), "{err}");
    }

    #[test]
    fn ransom_needs_critical_review() {
        let text = r#"
            version = "t"
            label_threshold = 0.5
            [[rule]]
            name = "ransom_demand"
            label = "extortion.ransom"
            min_score = 0.5
            verdict = "review"
            actions = [{ type = "queue_review", priority = "normal" }]
        "#;
        let err = Policy::from_toml("p.toml", text).unwrap_err().to_string();
        assert!(err.contains("critical"), "{err}");
    }

    #[test]
    fn typos_are_errors_with_the_field() {
        let text = r#"
            version = "t"
            label_threshold = 0.5
            [[rule]]
            name = "x"
            label = "smuggling.advert"
            min_score = 0.5
            verdict = "review"
        "#;
        let err = Policy::from_toml("p.toml", text).unwrap_err().to_string();
        assert!(err.contains("unknown label `smuggling.advert`"), "{err}");
    }
}
