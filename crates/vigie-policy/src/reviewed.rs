//! What a reviewer's decision does: the `[[reviewed]]` entries of `policy.toml`.
//!
//! A case closes when a person confirms labels (or overturns the automated decision, which is
//! confirming `benign`). The actions that follow come from the policy, like automatic ones: one
//! entry per label says the verdict, severity, actions and legal ground of a human-confirmed
//! label. A label with no entry gets no enforcement. Whatever the entries say, a seeker
//! (`smuggling.solicitation`) is never punished, and content an earlier decision removed or
//! restricted is restored when the reviewed decision no longer removes or restricts it.

use crate::{merge_action, ActionSpec, LabelName, PolicyError};
use serde::Deserialize;
use vigie_core::{Action, ActionType, Label, LabelScore, Reason, Severity, Verdict};

/// One `[[reviewed]]` entry as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewedSpec {
    label: LabelName,
    verdict: Verdict,
    #[serde(default)]
    severity: Severity,
    #[serde(default)]
    actions: Vec<ActionSpec>,
    ground: String,
}

/// What a human-confirmed label entails.
#[derive(Debug, Clone, PartialEq)]
pub struct Reviewed {
    /// The label a reviewer confirmed.
    pub label: Label,
    /// The verdict.
    pub verdict: Verdict,
    /// The severity.
    pub severity: Severity,
    /// The actions (never `queue_review`: a person has decided).
    pub actions: Vec<ActionSpec>,
    /// The legal or policy ground cited in the statement of reasons.
    pub ground: String,
}

/// What a reviewer decided, as the policy needs it.
#[derive(Debug, Clone, Copy)]
pub struct ReviewInput<'a> {
    /// The labels the reviewer stands behind (`benign` alone for an overturn).
    pub labels: &'a [Label],
    /// The actions of the decision being replaced (to know what to restore).
    pub prior_actions: &'a [Action],
    /// Who decided, as written in the reason (`reviewer amina`).
    pub reviewer: &'a str,
    /// `confirm` or `overturn`, written in the reason.
    pub outcome: &'a str,
    /// The reviewer's note, if any.
    pub note: Option<&'a str>,
    /// The language notices should be written in.
    pub notice_lang: &'a str,
}

pub(crate) fn compile(specs: Vec<ReviewedSpec>) -> Result<Vec<Reviewed>, PolicyError> {
    let fail = |label: Label, message: String| PolicyError::Rule {
        file: "policy.toml".to_string(),
        rule: format!("reviewed {label}"),
        message,
    };
    let mut out: Vec<Reviewed> = Vec::new();
    for spec in specs {
        let label = spec.label.0;
        if out.iter().any(|r| r.label == label) {
            return Err(fail(label, "duplicate entry for this label".to_string()));
        }
        if spec.ground.trim().is_empty() {
            return Err(fail(label, "`ground` must not be empty".to_string()));
        }
        if let Some(a) = spec
            .actions
            .iter()
            .find(|a| a.action_type == ActionType::QueueReview)
        {
            return Err(fail(
                label,
                format!("`{}`: a person has already decided", a.action_type),
            ));
        }
        if label == Label::SmugglingSolicitation {
            if let Some(a) = spec.actions.iter().find(|a| a.action_type.is_punitive()) {
                return Err(fail(
                    label,
                    format!(
                        "proposes `{}` for a seeker; people looking for a smuggler are potential victims and are never punished",
                        a.action_type
                    ),
                ));
            }
        }
        out.push(Reviewed {
            label,
            verdict: spec.verdict,
            severity: spec.severity,
            actions: spec.actions,
            ground: spec.ground,
        });
    }
    Ok(out)
}

/// The decision a review produces: merged entries of the confirmed labels, seekers protected,
/// earlier removals restored when no longer warranted.
pub(crate) fn decide(entries: &[Reviewed], input: ReviewInput<'_>) -> crate::Outcome {
    let mut outcome = crate::Outcome::default();
    let mut labels: Vec<Label> = input.labels.to_vec();
    labels.dedup();
    if labels.is_empty() {
        labels.push(Label::Benign);
    }
    let seeker_only = labels.contains(&Label::SmugglingSolicitation)
        && !labels.iter().any(|l| {
            matches!(
                l,
                Label::SmugglingAdvertisement
                    | Label::SmugglingDocuments
                    | Label::TraffickingRecruitment
            )
        });
    let by = match input.note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(note) => format!("{} by {}: {note}", input.outcome, input.reviewer),
        None => format!("{} by {}", input.outcome, input.reviewer),
    };
    for &label in &labels {
        outcome.labels.push(LabelScore { label, score: 1.0 });
        let Some(entry) = entries.iter().find(|e| e.label == label) else {
            outcome.reasons.push(Reason {
                rule: format!("reviewed.{label}"),
                evidence: vec![format!("{label} {by}")],
                ground: None,
            });
            continue;
        };
        outcome.verdict = outcome.verdict.max(entry.verdict);
        outcome.severity = outcome.severity.max(entry.severity);
        for spec in &entry.actions {
            merge_action(&mut outcome.actions, spec, input.notice_lang);
        }
        outcome.reasons.push(Reason {
            rule: format!("reviewed.{label}"),
            evidence: vec![format!("{label} {by}")],
            ground: Some(entry.ground.clone()),
        });
    }
    if seeker_only {
        outcome.actions.retain(|a| !a.action_type.is_punitive());
        if outcome.verdict == Verdict::Action {
            outcome.verdict = Verdict::Allow;
        }
    }
    let taken_down = |actions: &[Action]| {
        actions
            .iter()
            .any(|a| matches!(a.action_type, ActionType::Remove | ActionType::Restrict))
    };
    if taken_down(input.prior_actions) && !taken_down(&outcome.actions) {
        outcome.actions.push(Action::new(ActionType::Restore));
        outcome.reasons.push(Reason {
            rule: "reviewed.restore".to_string(),
            evidence: vec![format!(
                "the earlier decision removed or restricted the content; {by}"
            )],
            ground: Some(
                "Content wrongly removed is reinstated without undue delay: DSA Art. 20(4)"
                    .to_string(),
            ),
        });
    }
    outcome.actions.sort_by_key(|a| a.action_type);
    outcome
}

#[cfg(test)]
mod tests {
    use crate::Policy;
    use vigie_core::{Action, ActionType, Label, Verdict};

    const RULES: &str = r#"
[[rule]]
name = "r"
when = "score.ransom >= 0.5"
verdict = "review"
labels = ["extortion.ransom"]
severity = "critical"
actions = [{ type = "queue_review", priority = "critical" }]
"#;

    fn policy(header: &str) -> Result<Policy, crate::PolicyError> {
        Policy::from_files(&[("policy.toml", header), ("rules/r.toml", RULES)])
    }

    const HEADER: &str = r#"
version = "t"
[[reviewed]]
label = "smuggling.advertisement"
verdict = "action"
severity = "high"
actions = [{ type = "remove" }, { type = "notify_author", template = "smuggling.illegal" }, { type = "strike" }]
ground = "Smuggling ad confirmed by a person"
[[reviewed]]
label = "smuggling.solicitation"
verdict = "allow"
actions = [{ type = "show_help", template = "seeker.help" }]
ground = "A seeker gets help"
"#;

    fn input<'a>(labels: &'a [Label], prior: &'a [Action]) -> super::ReviewInput<'a> {
        super::ReviewInput {
            labels,
            prior_actions: prior,
            reviewer: "reviewer amina",
            outcome: "confirm",
            note: Some("ad with a price and a number"),
            notice_lang: "fr",
        }
    }

    #[test]
    fn a_confirmed_ad_is_removed_with_a_notice_and_a_strike() {
        let policy = policy(HEADER).unwrap();
        let out = policy.review_outcome(input(&[Label::SmugglingAdvertisement], &[]));
        assert_eq!(out.verdict, Verdict::Action);
        let types: Vec<ActionType> = out.actions.iter().map(|a| a.action_type).collect();
        assert_eq!(
            types,
            [
                ActionType::Remove,
                ActionType::Strike,
                ActionType::NotifyAuthor
            ]
        );
        let notice = out.actions.iter().find(|a| a.template.is_some()).unwrap();
        assert_eq!(notice.lang.as_deref(), Some("fr"));
        assert_eq!(
            out.reasons[0].evidence,
            ["smuggling.advertisement confirm by reviewer amina: ad with a price and a number"]
        );
    }

    #[test]
    fn an_overturned_removal_is_restored_and_a_seeker_never_punished() {
        let policy = policy(HEADER).unwrap();
        let prior = [Action::new(ActionType::Remove)];
        let out = policy.review_outcome(input(&[Label::Benign], &prior));
        assert_eq!(out.verdict, Verdict::Allow);
        assert_eq!(out.actions, [Action::new(ActionType::Restore)]);
        assert!(out.reasons.iter().any(|r| r.rule == "reviewed.restore"));

        let out = policy.review_outcome(input(&[Label::SmugglingSolicitation], &prior));
        assert!(out.actions.iter().all(|a| !a.action_type.is_punitive()));
        assert!(out
            .actions
            .iter()
            .any(|a| a.action_type == ActionType::ShowHelp));
        assert!(out
            .actions
            .iter()
            .any(|a| a.action_type == ActionType::Restore));
    }

    #[test]
    fn bad_entries_are_refused_by_label() {
        let punish_seeker = r#"
version = "t"
[[reviewed]]
label = "smuggling.solicitation"
verdict = "action"
actions = [{ type = "strike" }]
ground = "no"
"#;
        let err = policy(punish_seeker).unwrap_err().to_string();
        assert!(err.contains("reviewed smuggling.solicitation"), "{err}");
        assert!(err.contains("never punished"), "{err}");
        let queue = r#"
version = "t"
[[reviewed]]
label = "extortion.ransom"
verdict = "review"
actions = [{ type = "queue_review" }]
ground = "g"
"#;
        let err = policy(queue).unwrap_err().to_string();
        assert!(err.contains("already decided"), "{err}");
        let twice = format!("{HEADER}\n[[reviewed]]\nlabel = \"smuggling.advertisement\"\nverdict = \"allow\"\nground = \"g\"\n");
        let err = policy(&twice).unwrap_err().to_string();
        assert!(err.contains("duplicate"), "{err}");
    }
}
