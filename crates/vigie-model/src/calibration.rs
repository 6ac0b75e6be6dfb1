//! Calibration: how a trained model's raw logits become the scores decisions use. Fitted on
//! held-out logits (each from a model that did not train on its example: `vigie train` uses
//! out-of-fold logits from cross-validation by family): the temperature, then a recall boost
//! for ransom and the benign bias that keeps the false-positive budget.

use crate::eval::{evaluate, Report, Scored};
use vigie_core::Label;

/// Raw logits of an example a model did not train on, with the example's label.
pub type HeldOut = ([f32; 6], Label);

/// What calibration adds to a trained model: a shift per label on the logits and the
/// temperature dividing them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adjustment {
    /// Added to each label's logit (the ransom boost, the benign bias).
    pub shift: [f32; 6],
    /// Temperature dividing the shifted logits.
    pub temperature: f32,
}

impl Default for Adjustment {
    fn default() -> Self {
        Adjustment {
            shift: [0.0; 6],
            temperature: 1.0,
        }
    }
}

/// How a pair of shifts ranks: the budget kept, the recall reached, then the figure to
/// maximise (macro-F1, ransom recall or the negated false-positive rate), then macro-F1.
type FitKey = (bool, bool, f64, f64);

/// The targets calibration fits to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Ransom recall the ransom boost aims for.
    pub ransom_recall: f64,
    /// The largest benign false-positive rate the benign bias may leave.
    pub max_benign_fpr: f64,
}

impl Adjustment {
    /// Fits the temperature (minimum negative log-likelihood), then the ransom boost and the
    /// benign bias together, in steps of 0.1 (ransom 0 to 2, benign 0 to 4): the best macro-F1
    /// among the pairs that meet both targets with one standard error to spare. When none does,
    /// the pair that keeps the benign false-positive budget with the highest ransom recall; when
    /// none keeps the budget, the lowest false-positive rate. Returns the adjustment and the
    /// ransom boost.
    ///
    /// The margin: fitted right at the targets on held-out data, new data misses them about half
    /// the time (the 3% budget met on dev gave 3.9% on test). One standard error of each rate
    /// at the held-out counts (0.2 points of false positives at 7,500 benign items, 0.6 points
    /// of ransom recall at 1,500 ransom items, out of fold on train and dev) shrinks as the
    /// corpus grows.
    ///
    /// Ransom is always reviewed, never removed: a miss costs a hostage, an extra alert costs
    /// reviewer time. Chosen one after the other (ransom first, then benign spending the
    /// budget), the benign bias undid part of the boost: 0.931 dev ransom recall against 0.95.
    pub fn fit(held: &[HeldOut], targets: Targets) -> (Adjustment, f32) {
        let mut adjustment = Adjustment {
            temperature: fit_temperature(held),
            ..Adjustment::default()
        };
        let count = |label| held.iter().filter(|(_, t)| *t == label).count().max(1) as f64;
        let se = |p: f64, n: f64| (p * (1.0 - p) / n).sqrt();
        let (fpr, recall) = (targets.max_benign_fpr, targets.ransom_recall);
        let max_fpr = (fpr - se(fpr, count(Label::Benign))).max(0.0);
        let min_recall = (recall + se(recall, count(Label::ExtortionRansom))).min(1.0);
        let (ransom, benign) = (Label::ExtortionRansom.index(), Label::Benign.index());
        let mut best: Option<(FitKey, [f32; 6])> = None;
        for r in 0..=20 {
            for b in 0..=40 {
                adjustment.shift[ransom] = r as f32 * 0.1;
                adjustment.shift[benign] = b as f32 * 0.1;
                let report = adjustment.report(held);
                let budget = report.benign_fpr <= max_fpr;
                let recall = report.ransom_recall >= min_recall;
                let primary = match (budget, recall) {
                    (true, true) => report.macro_f1,
                    (true, false) => report.ransom_recall,
                    _ => -report.benign_fpr,
                };
                let key = (budget, recall, primary, report.macro_f1);
                if best.as_ref().is_none_or(|(k, _)| key > *k) {
                    best = Some((key, adjustment.shift));
                }
            }
        }
        adjustment.shift = best.map_or([0.0; 6], |(_, shift)| shift);
        (adjustment, adjustment.shift[ransom])
    }

    /// Calibrated probabilities from raw logits.
    pub fn probabilities(&self, logits: [f32; 6]) -> [f32; 6] {
        let mut l = logits;
        for (v, shift) in l.iter_mut().zip(self.shift) {
            *v = (*v + shift) / self.temperature;
        }
        softmax(&mut l);
        l
    }

    /// The held-out examples' figures with this adjustment.
    pub fn report(&self, held: &[HeldOut]) -> Report {
        evaluate(
            &held
                .iter()
                .map(|(l, truth)| Scored {
                    truth: *truth,
                    scores: self.probabilities(*l),
                })
                .collect::<Vec<_>>(),
        )
    }
}

/// The temperature with the least negative log-likelihood, from 0.3 to 4 in steps of 0.05
/// (1 when nothing is held out).
fn fit_temperature(held: &[HeldOut]) -> f32 {
    let nll = |t: f32| -> f64 {
        held.iter()
            .map(|(l, truth)| {
                let mut p = l.map(|v| v / t);
                softmax(&mut p);
                -f64::from(p[truth.index()].max(1e-9)).ln()
            })
            .sum()
    };
    let mut best = (1.0f32, nll(1.0));
    for step in 6..=80 {
        let t = step as f32 * 0.05;
        let value = nll(t);
        if value < best.1 {
            best = (t, value);
        }
    }
    best.0
}

/// Softmax in place.
pub(crate) fn softmax(logits: &mut [f32; 6]) {
    let max = logits.iter().cloned().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = (*l - max).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANSOM: usize = 4;
    const BENIGN: usize = 5;

    fn logits(winner: usize, margin: f32) -> [f32; 6] {
        let mut l = [0.0; 6];
        l[winner] = margin;
        l
    }

    const TARGETS: Targets = Targets {
        ransom_recall: 0.95,
        max_benign_fpr: 0.03,
    };

    #[test]
    fn ransom_gets_the_smallest_boost_that_reaches_its_recall() {
        // Ten ransom items, four of them read as benign by 0.35; twenty benign items.
        let mut held: Vec<HeldOut> = Vec::new();
        for i in 0..10 {
            let l = if i < 4 {
                logits(BENIGN, 0.35)
            } else {
                logits(RANSOM, 1.0)
            };
            held.push((l, Label::ExtortionRansom));
        }
        held.extend((0..20).map(|_| (logits(BENIGN, 2.0), Label::Benign)));
        let (adjustment, boost) = Adjustment::fit(&held, TARGETS);
        // 0.4 is the smallest step that lifts the four misses over benign's 0.35.
        assert!((boost - 0.4).abs() < 1e-6, "{boost}");
        assert_eq!(adjustment.shift[BENIGN], 0.0);
        assert_eq!(adjustment.report(&held).ransom_recall, 1.0);
    }

    #[test]
    fn benign_rises_until_the_false_positive_budget_is_kept() {
        // Ten offers; twenty benign items, one read as an offer by 0.25: 5% false positives.
        let mut held: Vec<HeldOut> = (0..10)
            .map(|_| (logits(0, 1.0), Label::SmugglingAdvertisement))
            .collect();
        held.push((logits(0, 0.25), Label::Benign));
        held.extend((0..19).map(|_| (logits(BENIGN, 2.0), Label::Benign)));
        assert!(Adjustment::default().report(&held).benign_fpr > 0.03);
        let (adjustment, boost) = Adjustment::fit(&held, TARGETS);
        assert_eq!(boost, 0.0, "no ransom held out: nothing to boost");
        assert!((adjustment.shift[BENIGN] - 0.3).abs() < 1e-6);
        let report = adjustment.report(&held);
        assert_eq!((report.benign_fpr, report.accuracy), (0.0, 1.0));
    }

    #[test]
    fn the_budget_is_kept_with_one_standard_error_to_spare() {
        // 1,000 benign items, 28 of them read as offers by 0.25: 2.8%, inside the 3% budget
        // but not inside it by one standard error (0.54 points). A hundred offers lead benign
        // by only 0.27, so winning the false positives back costs them.
        let mut held: Vec<HeldOut> = (0..100)
            .map(|_| (logits(0, 0.27), Label::SmugglingAdvertisement))
            .collect();
        held.extend((0..28).map(|_| (logits(0, 0.25), Label::Benign)));
        held.extend((0..972).map(|_| (logits(BENIGN, 2.0), Label::Benign)));
        let (adjustment, _) = Adjustment::fit(&held, TARGETS);
        assert!((adjustment.shift[BENIGN] - 0.3).abs() < 1e-6);
        let report = adjustment.report(&held);
        assert_eq!(report.benign_fpr, 0.0);
        assert_eq!(
            report.labels[0].recall, 0.0,
            "the budget comes before the offers"
        );
    }

    #[test]
    fn the_temperature_softens_overconfident_logits() {
        // Confident logits, right only two times in three: the best temperature is above 1.
        let held: Vec<HeldOut> = (0..30)
            .map(|i| {
                let truth = if i % 3 == 0 {
                    Label::Benign
                } else {
                    Label::ExtortionRansom
                };
                (logits(RANSOM, 6.0), truth)
            })
            .collect();
        let t = fit_temperature(&held);
        assert!(t > 2.0, "{t}");
        let p = Adjustment {
            temperature: t,
            ..Adjustment::default()
        }
        .probabilities(logits(RANSOM, 6.0));
        assert!(p[RANSOM] < 0.9 && p[RANSOM] > 0.5, "{p:?}");
        assert_eq!(fit_temperature(&[]), 1.0);
    }
}
