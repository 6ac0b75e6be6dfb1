//! The engine: `Engine::evaluate(&Item) -> Decision`.
//!
//! Built once from a data directory (lexicon, gazetteer, policy; later models and banks) and
//! shared across threads: the CLI, the HTTP server and stream workers all call the same
//! engine. Evaluation is a pure function of the item and the loaded data: no I/O, no clock, no
//! randomness; the same item and data versions give the same decision.
//!
//! ```
//! use vigie_core::{Item, Verdict};
//! let engine = vigie_engine::Engine::embedded().unwrap();
//! let item = Item::from_json(r#"{"id": "n-1", "kind": "post",
//!   "text": "Smugglers charged 2,900 dinars per person from Zuwara, police said."}"#).unwrap();
//! let decision = engine.evaluate(&item);
//! assert_eq!(decision.verdict, Verdict::Allow);
//! ```
#![deny(missing_docs)]

mod data;
pub mod media;
mod policy_signals;
mod search;

pub use data::{DataFiles, EngineError, MODEL_FILE, NOTICES_DIR, POLICY_DIR};
pub use search::{SearchCheck, SearchIntent};

use policy_signals::SignalSlots;
use rayon::prelude::*;
use sha2::Digest;
use std::panic::{catch_unwind, AssertUnwindSafe};
use vigie_core::{
    Action, ActionType, Decision, Item, Label, LabelScore, Priority, Reason, Severity, Verdict,
};
use vigie_model::{EvidenceScorer, ScoreInput, Scored, Scorer};
use vigie_policy::notices::{Fill, Notices};
pub use vigie_policy::ReviewInput;
use vigie_policy::{Policy, PolicyInput};
use vigie_text::{Analysis, Analyzer, Hints};

/// One item analysed, scored and turned into policy signals ([`Engine::policy_context`]).
#[derive(Debug, Clone)]
pub struct PolicyContext {
    analysis: Analysis,
    scored: Scored,
    signals: vigie_policy::signals::Signals,
    notice_lang: String,
    media: media::MediaReport,
}

impl PolicyContext {
    /// The seeking score (`smuggling.solicitation`).
    pub fn solicitation_score(&self) -> f32 {
        self.scored.scores.get(Label::SmugglingSolicitation)
    }

    /// The detected language.
    pub fn detected_lang(&self) -> &'static str {
        self.analysis.language.code
    }
}

/// The engine. Cheap to share (`&Engine` or `Arc<Engine>`), `Send + Sync`.
pub struct Engine {
    analyzer: Analyzer,
    banks: Option<std::sync::Arc<vigie_index::BankSet>>,
    scorer: Box<dyn Scorer>,
    policy: Policy,
    slots: SignalSlots,
    notices: Notices,
    model_version: String,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policy_version", &self.policy.version())
            .field("model_version", &self.model_version)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// The engine on the data embedded in the binary at build time (the repository's `data/`).
    pub fn embedded() -> Result<Engine, EngineError> {
        Engine::from_files(&DataFiles::embedded())
    }

    /// The engine on a data directory laid out like the repository's `data/`.
    pub fn from_dir(dir: &std::path::Path) -> Result<Engine, EngineError> {
        Engine::from_files(&DataFiles::from_dir(dir)?)
    }

    /// The engine on a set of data files.
    pub fn from_files(files: &DataFiles) -> Result<Engine, EngineError> {
        let lexicon = vigie_text::lexicon::Lexicon::from_tsv(&files.lexicon_files())?;
        let (places_name, places) = files.required("places.tsv")?;
        let gazetteer = vigie_text::gazetteer::Gazetteer::from_tsv(places_name, places)?;
        let policy = Policy::from_files(&files.under(POLICY_DIR))?;
        let notices = Notices::from_files(&files.under(NOTICES_DIR))?;
        for rule in policy.rules() {
            for action in &rule.actions {
                if let Some(template) = &action.template {
                    if !notices.has_template(template) {
                        return Err(EngineError::MissingTemplate(template.clone()));
                    }
                }
            }
        }
        let search_model = search_model(&lexicon, files.get("search/queries.jsonl"));
        let evidence = EvidenceScorer::with_search_model(search_model);
        let scorer: Box<dyn Scorer> = match files.model() {
            Some(bytes) => {
                let model = vigie_model::linear::LinearModel::from_bytes(bytes)?;
                let digest: String = sha2::Sha256::digest(bytes)[..4]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                Box::new(vigie_model::CombinedScorer::new(evidence, model, &digest))
            }
            None => Box::new(evidence),
        };
        let model_version = format!("{}+data.{}", scorer.version(), files.digest());
        Ok(Engine {
            analyzer: Analyzer::new(lexicon, gazetteer),
            banks: None,
            scorer,
            slots: SignalSlots::new(policy.schema()),
            policy,
            notices,
            model_version,
        })
    }

    /// The same engine, matching items' media against these hash banks (opened by the caller:
    /// the engine does no I/O).
    pub fn with_banks(mut self, banks: std::sync::Arc<vigie_index::BankSet>) -> Engine {
        self.banks = Some(banks);
        self
    }

    /// The hash banks media are matched against, if any.
    pub fn banks(&self) -> Option<&vigie_index::BankSet> {
        self.banks.as_deref()
    }

    /// What the hash banks say about an item's media (empty with no banks or no media).
    pub fn match_media(&self, item: &Item) -> media::MediaReport {
        match (&self.banks, item.media.is_empty()) {
            (Some(banks), false) => media::match_media(banks, item),
            _ => media::MediaReport::default(),
        }
    }

    /// The notices.
    pub fn notices(&self) -> &Notices {
        &self.notices
    }

    /// What the trained model reads of one item (for training and evaluation): the analysis
    /// and this engine's scores as evidence (train with an engine that has no model).
    pub fn model_example(&self, item: &Item) -> vigie_model::linear::Example {
        let analysis = self.analyze(item.text(), item.author_country());
        let input = ScoreInput {
            item,
            analysis: &analysis,
            lexicon: self.analyzer.lexicon(),
        };
        let evidence = self.scorer.score(input).scores;
        vigie_model::example(input, &evidence)
    }

    /// The scorer's version.
    pub fn scorer_version(&self) -> &str {
        self.scorer.version()
    }

    /// The text pipeline (for `inspect` and tools that write lexicons).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The scorer's version plus a digest of the data files.
    pub fn model_version(&self) -> &str {
        &self.model_version
    }

    /// Runs the text pipeline on one text.
    pub fn analyze(&self, text: &str, country: Option<&str>) -> Analysis {
        self.analyzer.analyze(text, Hints { country })
    }

    /// Scores one item without applying the policy (what `vigie classify` prints).
    pub fn score(&self, item: &Item) -> Scored {
        let analysis = self.analyze(item.text(), item.author_country());
        self.score_analysis(item, &analysis)
    }

    fn score_analysis(&self, item: &Item, analysis: &Analysis) -> Scored {
        self.scorer.score(ScoreInput {
            item,
            analysis,
            lexicon: self.analyzer.lexicon(),
        })
    }

    /// Decides for one item. Never fails: odd content gives a decision with warnings, and an
    /// internal error sends the item to review with no enforcement (fail closed).
    pub fn evaluate(&self, item: &Item) -> Decision {
        match catch_unwind(AssertUnwindSafe(|| self.evaluate_unguarded(item))) {
            Ok(decision) => decision,
            Err(panic) => self.failed_closed(item, &panic_message(&panic)),
        }
    }

    /// Decides for a batch, on all cores, in input order.
    pub fn evaluate_batch(&self, items: &[Item]) -> Vec<Decision> {
        items.par_iter().map(|item| self.evaluate(item)).collect()
    }

    /// Analyses and scores one item and fills the policy's signals: everything the policy
    /// needs, computed once (for benchmarks and tools that replay the policy).
    pub fn policy_context(&self, item: &Item) -> PolicyContext {
        let analysis = self.analyze(item.text(), item.author_country());
        self.policy_context_for(item, analysis)
    }

    fn policy_context_for(&self, item: &Item, analysis: Analysis) -> PolicyContext {
        let mut scored = self.score_analysis(item, &analysis);
        let media = self.match_media(item);
        // A bank match is evidence for the bank's label: its score is at least the match's
        // confidence, and the match is written among the label's facts.
        for m in &media.matches {
            let label = m.hit.label;
            let floor = media::confidence(&m.hit);
            if scored.scores.get(label) < floor {
                scored.scores.set(label, floor);
            }
            scored.evidence[label.index()].push(media::evidence(m));
        }
        let detected = analysis.language.code;
        let notice_lang = item
            .locale
            .as_deref()
            .filter(|l| !l.is_empty())
            .unwrap_or(if detected == "und" { "en" } else { detected });
        let notice_lang = notice_lang
            .strip_suffix("-Latn")
            .unwrap_or(notice_lang)
            .to_string();
        let signals = self.slots.fill(
            self.policy.schema(),
            item,
            &analysis,
            self.analyzer.lexicon(),
            &scored,
            &media,
        );
        PolicyContext {
            analysis,
            scored,
            signals,
            notice_lang,
            media,
        }
    }

    /// Applies the policy to a prepared context.
    pub fn apply_policy(&self, context: &PolicyContext) -> vigie_policy::Outcome {
        self.policy.evaluate(PolicyInput {
            signals: &context.signals,
            scores: &context.scored.scores,
            evidence: &context.scored.evidence,
            scorer_version: self.scorer.version(),
            notice_lang: &context.notice_lang,
        })
    }

    fn evaluate_unguarded(&self, item: &Item) -> Decision {
        let analysis = self.analyze(item.text(), item.author_country());
        let context = self.policy_context_for(item, analysis);
        let mut outcome = self.apply_policy(&context);
        let PolicyContext {
            analysis, media, ..
        } = context;
        let detected = analysis.language.code;
        self.render_notices(&mut outcome.actions, &outcome.reasons, item, detected);
        self.render_notices(
            &mut outcome.shadow_actions,
            &outcome.reasons,
            item,
            detected,
        );
        let mut warnings: Vec<String> = outcome
            .errors
            .iter()
            .map(|e| format!("policy error, item sent to review: {e}"))
            .collect();
        if item.text.as_deref().is_none_or(|t| t.trim().is_empty()) && item.media.is_empty() {
            warnings.push("item has no text and no media: nothing to evaluate".to_string());
        }
        if analysis.entities_truncated {
            warnings.push(format!(
                "more than {} entities in the text: the list was cut there",
                vigie_text::entities::MAX_ENTITIES
            ));
        }
        if !item.media.is_empty() && self.banks.is_none() {
            warnings.push(format!(
                "{} media attachment(s) not matched: no hash banks are loaded",
                item.media.len()
            ));
        }
        warnings.extend(media.warnings);
        Decision {
            id: item.id.clone(),
            verdict: outcome.verdict,
            severity: outcome.severity,
            labels: outcome.labels,
            actions: outcome.actions,
            reasons: outcome.reasons,
            entities: analysis.entities,
            shadow_actions: outcome.shadow_actions,
            shadow_rules: outcome.shadow_rules,
            lang: Some(detected.to_string()),
            automated: true,
            policy_version: self.policy.version().to_string(),
            model_version: self.model_version.clone(),
            warnings,
        }
    }

    /// Fills each templated action with its notice, in the first language that has it among
    /// the action's language (the item's locale), the item's detected language and English.
    fn render_notices(
        &self,
        actions: &mut [Action],
        reasons: &[Reason],
        item: &Item,
        detected: &str,
    ) {
        self.render_notices_as(actions, reasons, item, detected, true);
    }

    fn render_notices_as(
        &self,
        actions: &mut [Action],
        reasons: &[Reason],
        item: &Item,
        detected: &str,
        automated: bool,
    ) {
        let facts = notice_facts(reasons, self.scorer.version());
        for action in actions.iter_mut() {
            let Some(template) = &action.template else {
                continue;
            };
            let requested = action.lang.as_deref().unwrap_or("en");
            let fill = Fill {
                facts: &facts,
                country: item.author_country(),
                automated,
            };
            action.notice = self.notices.render(template, &[requested, detected], fill);
        }
    }

    /// The decision a reviewer's confirm or overturn produces for an item already decided:
    /// the policy's `[[reviewed]]` actions for the labels the reviewer stands behind (with
    /// `restore` when an earlier removal is no longer warranted), notices written as decided by
    /// a person, `automated: false`. The facts of the decision under review are kept in its
    /// reasons, after the reviewer's own; notices cite those facts only (a reviewer's name and
    /// note never reach the author).
    pub fn review_decision(
        &self,
        item: &Item,
        prior: &Decision,
        review: ReviewInput<'_>,
    ) -> Decision {
        let mut outcome = self.policy.review_outcome(review);
        let detected = prior.lang.clone().unwrap_or_else(|| "und".to_string());
        let facts: Vec<Reason> = prior
            .reasons
            .iter()
            .filter(|r| !r.rule.starts_with("reviewed."))
            .cloned()
            .collect();
        // The author's notice cites the facts, never the reviewer's name or note.
        self.render_notices_as(&mut outcome.actions, &facts, item, &detected, false);
        let mut reasons = outcome.reasons;
        reasons.extend(facts);
        Decision {
            id: item.id.clone(),
            verdict: outcome.verdict,
            severity: outcome.severity,
            labels: outcome.labels,
            actions: outcome.actions,
            reasons,
            entities: prior.entities.clone(),
            shadow_actions: Vec::new(),
            shadow_rules: Vec::new(),
            lang: prior.lang.clone(),
            automated: false,
            policy_version: self.policy.version().to_string(),
            model_version: prior.model_version.clone(),
            warnings: Vec::new(),
        }
    }

    /// Renders one template for a reader (see [`Notices::render`] for the fallback chain).
    pub fn render_notice(
        &self,
        template: &str,
        requested_lang: &str,
        item_lang: &str,
        country: Option<&str>,
    ) -> Option<vigie_core::Notice> {
        self.render_with(template, requested_lang, item_lang, &[], country)
    }

    fn render_with(
        &self,
        template: &str,
        requested_lang: &str,
        item_lang: &str,
        facts: &[String],
        country: Option<&str>,
    ) -> Option<vigie_core::Notice> {
        let fill = Fill {
            facts,
            country,
            automated: true,
        };
        self.notices
            .render(template, &[requested_lang, item_lang], fill)
    }

    /// The decision for an item whose evaluation failed: review, no enforcement.
    fn failed_closed(&self, item: &Item, message: &str) -> Decision {
        Decision {
            id: item.id.clone(),
            verdict: Verdict::Review,
            severity: Severity::Medium,
            labels: vec![LabelScore {
                label: Label::Benign,
                score: 0.0,
            }],
            actions: vec![Action {
                priority: Some(Priority::High),
                ..Action::new(ActionType::QueueReview)
            }],
            reasons: vec![Reason {
                rule: "engine_error".to_string(),
                evidence: vec![format!("evaluation failed: {message}")],
                ground: Some(
                    "Fail closed: a person reviews what the engine could not evaluate".to_string(),
                ),
            }],
            entities: Vec::new(),
            shadow_actions: Vec::new(),
            shadow_rules: Vec::new(),
            lang: None,
            automated: true,
            policy_version: self.policy.version().to_string(),
            model_version: self.model_version.clone(),
            warnings: vec![format!("engine error: {message}")],
        }
    }
}

/// Trains the search-query model: the lexicon's own terms (seeking, actors, boats, routes and
/// documents as positive; news, legal and personal context as negative) and the train split of
/// the search query set, when the data has one. The test split is never read.
fn search_model(
    lexicon: &vigie_text::lexicon::Lexicon,
    queries: Option<&str>,
) -> vigie_model::ngram::NgramClassifier {
    use vigie_text::lexicon::Category;
    let mut examples: Vec<(String, bool)> = Vec::new();
    for term in lexicon.terms() {
        if term.weight < 0.5 {
            continue;
        }
        let label = match term.category {
            Category::Seek
            | Category::Activity
            | Category::Actor
            | Category::Vessel
            | Category::Document
            | Category::Route => true,
            Category::News | Category::Legal | Category::Personal => false,
            _ => continue,
        };
        examples.push((term.normalized.clone(), label));
    }
    for line in queries.unwrap_or("").lines() {
        let Ok(query) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if query["split"] != "train" {
            continue;
        }
        let (Some(text), Some(intent)) = (query["query"].as_str(), query["intent"].as_str()) else {
            continue;
        };
        let normalized = vigie_text::normalize::normalize(text)
            .as_str()
            .trim()
            .to_string();
        examples.push((normalized, intent == "smuggling_seeking"));
    }
    vigie_model::ngram::NgramClassifier::train(&examples, Default::default())
}

/// The facts an author notice states: each rule's reason sentence, then the entities found
/// (numbers, links, prices, places), then the words quoted; at most six, no scores.
fn notice_facts(reasons: &[Reason], scorer_version: &str) -> Vec<String> {
    const ENTITY_WORDS: [&str; 10] = [
        "phone ",
        "whatsapp ",
        "telegram ",
        "viber ",
        "handle ",
        "money_transfer ",
        "iban ",
        "crypto ",
        "price ",
        "place ",
    ];
    let lines = || reasons.iter().flat_map(|r| r.evidence.iter());
    let mut facts: Vec<String> = Vec::new();
    let push = |fact: &String, facts: &mut Vec<String>| {
        if facts.len() < 6 && !facts.contains(fact) {
            facts.push(fact.clone());
        }
    };
    for reason in reasons {
        if let Some(first) = reason
            .evidence
            .first()
            .filter(|f| !f.starts_with(scorer_version))
        {
            push(first, &mut facts);
        }
    }
    // Entity facts read `phone +218...`; lexicon facts quote the words (`price "دينار"`).
    for fact in
        lines().filter(|f| !f.contains('"') && ENTITY_WORDS.iter().any(|w| f.starts_with(w)))
    {
        push(fact, &mut facts);
    }
    for fact in lines().filter(|f| f.contains('"')) {
        push(fact, &mut facts);
    }
    facts
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}
