//! The decision: what Vigie answers for one item.

use crate::{Entity, LabelScore};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The outcome in one word.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Leave the content up (help or warnings may still be shown).
    #[default]
    Allow,
    /// A person must look at it before any enforcement.
    Review,
    /// Enforcement actions are proposed (removal, strike...).
    Action,
}

impl Verdict {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Review => "review",
            Verdict::Action => "action",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious the content is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Nothing of concern.
    #[default]
    None,
    /// Worth a note.
    Low,
    /// Needs attention.
    Medium,
    /// Illegal content, act.
    High,
    /// A life may be at stake.
    Critical,
}

impl Severity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Review-queue priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Whenever a reviewer is free.
    Low,
    /// The ordinary queue.
    Normal,
    /// Ahead of the ordinary queue.
    High,
    /// First, now: a life may be at stake.
    Critical,
}

impl Priority {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Critical => "critical",
        }
    }
}

/// What can be done about an item. Detection never chooses these; only the policy does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionType {
    /// Put the item in front of a human reviewer.
    QueueReview,
    /// Keep a copy of the item and its media as evidence (before any removal).
    PreserveEvidence,
    /// Notify law enforcement (DSA Art. 18: threat to life or safety).
    ReferLawEnforcement,
    /// Cover the content with a sensitive-content screen instead of silent removal.
    ApplySensitiveScreen,
    /// Send the support message to the family that reported a ransom message.
    SupportFamily,
    /// Take the content down.
    Remove,
    /// Limit the content's reach (no recommendation, no search).
    Restrict,
    /// Block a phone number, link or account across the platform.
    BlockEntity,
    /// Record a strike against the author (warning, then suspension: DSA Art. 23).
    Strike,
    /// Suspend the author's account (repeated manifestly illegal content, after a warning:
    /// DSA Art. 23).
    SuspendAuthor,
    /// Send the author a notice with the statement of reasons.
    NotifyAuthor,
    /// Show the person a help interstitial or help reply (seekers: risks, legal pathways).
    ShowHelp,
    /// Warn people who see the content (deceptive job offer).
    WarnViewers,
    /// Link the item's entities into the network graph for network-level action.
    ClusterNetwork,
    /// Share the media hashes with partner hash banks.
    ShareHash,
    /// Put back content an earlier decision removed or restricted (a reviewer overturned it,
    /// on review or on appeal).
    Restore,
}

impl ActionType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::QueueReview => "queue_review",
            ActionType::PreserveEvidence => "preserve_evidence",
            ActionType::ReferLawEnforcement => "refer_law_enforcement",
            ActionType::ApplySensitiveScreen => "apply_sensitive_screen",
            ActionType::SupportFamily => "support_family",
            ActionType::Remove => "remove",
            ActionType::Restrict => "restrict",
            ActionType::BlockEntity => "block_entity",
            ActionType::Strike => "strike",
            ActionType::SuspendAuthor => "suspend_author",
            ActionType::NotifyAuthor => "notify_author",
            ActionType::ShowHelp => "show_help",
            ActionType::WarnViewers => "warn_viewers",
            ActionType::ClusterNetwork => "cluster_network",
            ActionType::ShareHash => "share_hash",
            ActionType::Restore => "restore",
        }
    }

    /// Actions that punish the author. A seeker (`smuggling.solicitation`) never gets these.
    pub fn is_punitive(self) -> bool {
        matches!(
            self,
            ActionType::Remove
                | ActionType::Restrict
                | ActionType::BlockEntity
                | ActionType::Strike
                | ActionType::SuspendAuthor
                | ActionType::NotifyAuthor
        )
    }
}

impl fmt::Display for ActionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One proposed action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    /// What to do.
    #[serde(rename = "type")]
    pub action_type: ActionType,
    /// The notice or interstitial template (`smuggling.illegal`, `seeker.help`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The language to write the notice in (BCP 47).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Review-queue priority, for `queue_review`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
    /// The notice, interstitial or message rendered from `template`, ready to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Notice>,
}

impl Action {
    /// An action with no template, language, priority or notice.
    pub fn new(action_type: ActionType) -> Action {
        Action {
            action_type,
            template: None,
            lang: None,
            priority: None,
            notice: None,
        }
    }
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notice {
    /// The language it is written in (after the fallback chain: requested locale, then the
    /// item's language, then English).
    pub lang: String,
    /// `machine-draft` or `reviewed`.
    pub status: String,
    /// The text.
    pub text: String,
}

/// Why an action was proposed: the rule that fired and the facts it saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// The policy rule, named after the evidence it matches (`smuggling_offer_with_contact`).
    pub rule: String,
    /// The facts, one short line each (`phone +218912345678`, `place Zuwara`).
    pub evidence: Vec<String>,
    /// The legal or policy ground cited in a statement of reasons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ground: Option<String>,
}

/// What Vigie decided for one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The item's id.
    pub id: String,
    /// The outcome in one word.
    pub verdict: Verdict,
    /// How serious.
    pub severity: Severity,
    /// Labels whose score passed the policy's threshold, highest first; `benign` alone if none.
    pub labels: Vec<LabelScore>,
    /// Proposed actions, deduplicated, in a fixed order.
    pub actions: Vec<Action>,
    /// One reason per rule that fired.
    pub reasons: Vec<Reason>,
    /// Entities extracted from the text.
    pub entities: Vec<Entity>,
    /// Actions that rules in shadow mode would have proposed: reported, never applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadow_actions: Vec<Action>,
    /// The shadow rules that fired.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shadow_rules: Vec<String>,
    /// The language Vigie detected (BCP 47, `und` if unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Whether the decision was made without a human (always true from the engine; a
    /// reviewer's decision sets it false).
    #[serde(default = "default_automated")]
    pub automated: bool,
    /// The policy version that decided.
    pub policy_version: String,
    /// The scorer or model version that scored.
    pub model_version: String,
    /// Non-fatal problems met while evaluating (an engine error also lands here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

fn default_automated() -> bool {
    true
}
