//! Evaluation: confusion matrix, per-label precision/recall/F1, macro-F1, the benign
//! false-positive rate, ransom recall, precision-recall curves (and an SVG of them).

use vigie_core::Label;

/// One scored example: the true label and a score per label.
#[derive(Debug, Clone, Copy)]
pub struct Scored {
    /// The true label.
    pub truth: Label,
    /// Scores in `Label::ALL` order.
    pub scores: [f32; 6],
}

impl Scored {
    /// The predicted label: the highest score (ties to the earlier label).
    pub fn predicted(&self) -> Label {
        let mut best = 0;
        for k in 1..6 {
            if self.scores[k] > self.scores[best] {
                best = k;
            }
        }
        Label::ALL[best]
    }
}

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelMetrics {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Examples with this true label.
    pub support: usize,
}

/// The evaluation of a set.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// `confusion[truth][predicted]`.
    pub confusion: [[usize; 6]; 6],
    /// Per label, in `Label::ALL` order.
    pub labels: [LabelMetrics; 6],
    /// Mean F1 over the six labels.
    pub macro_f1: f64,
    /// Share of benign examples predicted as any harmful label.
    pub benign_fpr: f64,
    /// Recall of `extortion.ransom`.
    pub ransom_recall: f64,
    /// Share predicted right.
    pub accuracy: f64,
    /// Examples.
    pub n: usize,
}

/// Evaluates predictions.
pub fn evaluate(examples: &[Scored]) -> Report {
    let mut confusion = [[0usize; 6]; 6];
    for e in examples {
        confusion[e.truth.index()][e.predicted().index()] += 1;
    }
    let mut labels = [LabelMetrics {
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
        support: 0,
    }; 6];
    for k in 0..6 {
        let tp = confusion[k][k] as f64;
        let predicted: usize = (0..6).map(|t| confusion[t][k]).sum();
        let support: usize = confusion[k].iter().sum();
        let precision = if predicted == 0 {
            0.0
        } else {
            tp / predicted as f64
        };
        let recall = if support == 0 {
            0.0
        } else {
            tp / support as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        labels[k] = LabelMetrics {
            precision,
            recall,
            f1,
            support,
        };
    }
    let present: Vec<&LabelMetrics> = labels.iter().filter(|m| m.support > 0).collect();
    let macro_f1 = present.iter().map(|m| m.f1).sum::<f64>() / present.len().max(1) as f64;
    let benign = Label::Benign.index();
    let benign_total: usize = confusion[benign].iter().sum();
    let benign_fpr = if benign_total == 0 {
        0.0
    } else {
        (benign_total - confusion[benign][benign]) as f64 / benign_total as f64
    };
    let correct: usize = (0..6).map(|k| confusion[k][k]).sum();
    Report {
        confusion,
        ransom_recall: labels[Label::ExtortionRansom.index()].recall,
        labels,
        macro_f1,
        benign_fpr,
        accuracy: correct as f64 / examples.len().max(1) as f64,
        n: examples.len(),
    }
}

/// The precision-recall curve of one label (one-vs-rest, by score): `(recall, precision)`.
pub fn pr_curve(examples: &[Scored], label: Label) -> Vec<(f64, f64)> {
    let mut ranked: Vec<(f32, bool)> = examples
        .iter()
        .map(|e| (e.scores[label.index()], e.truth == label))
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = ranked.iter().filter(|(_, t)| *t).count().max(1) as f64;
    let mut points = Vec::new();
    let (mut tp, mut seen) = (0usize, 0usize);
    for (_, truth) in ranked {
        seen += 1;
        if truth {
            tp += 1;
            points.push((tp as f64 / positives, tp as f64 / seen as f64));
        }
    }
    points
}

/// An SVG with one precision-recall curve per label.
pub fn pr_svg(examples: &[Scored], title: &str) -> String {
    const COLOURS: [&str; 6] = [
        "#d62728", "#1f77b4", "#9467bd", "#ff7f0e", "#2ca02c", "#7f7f7f",
    ];
    let (w, h, m) = (640.0, 480.0, 50.0);
    let x = |r: f64| m + r * (w - 2.0 * m);
    let y = |p: f64| h - m - p * (h - 2.0 * m);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
        w / 2.0,
        escape(title)
    );
    svg.push_str(&format!(
        "<line x1=\"{m}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/><line x1=\"{m}\" y1=\"{m}\" x2=\"{m}\" y2=\"{}\" stroke=\"black\"/>\n",
        h - m, w - m, h - m, h - m
    ));
    for tick in 0..=10 {
        let v = f64::from(tick) / 10.0;
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v:.1}</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text>\n",
            x(v), h - m + 16.0, m - 6.0, y(v) + 4.0
        ));
    }
    svg.push_str(&format!(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">recall</text><text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">precision</text>\n",
        w / 2.0, h - 12.0, h / 2.0, h / 2.0
    ));
    for (k, label) in Label::ALL.iter().enumerate() {
        let points = pr_curve(examples, *label);
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .map(|(r, p)| format!("{:.1},{:.1}", x(*r), y(*p)))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" fill=\"{}\">{}</text>\n",
            COLOURS[k],
            path.join(" "),
            m + 12.0,
            m + 16.0 + 16.0 * k as f64,
            COLOURS[k],
            label
        ));
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_hot(truth: Label, predicted: Label) -> Scored {
        let mut scores = [0.0; 6];
        scores[predicted.index()] = 1.0;
        Scored { truth, scores }
    }

    #[test]
    fn hand_checked_metrics() {
        use Label::*;
        // 4 benign (1 wrongly called an offer), 2 offers (both right), 2 ransom (1 missed).
        let examples = [
            one_hot(Benign, Benign),
            one_hot(Benign, Benign),
            one_hot(Benign, Benign),
            one_hot(Benign, SmugglingAdvertisement),
            one_hot(SmugglingAdvertisement, SmugglingAdvertisement),
            one_hot(SmugglingAdvertisement, SmugglingAdvertisement),
            one_hot(ExtortionRansom, ExtortionRansom),
            one_hot(ExtortionRansom, Benign),
        ];
        let r = evaluate(&examples);
        assert_eq!(
            r.confusion[Benign.index()][SmugglingAdvertisement.index()],
            1
        );
        assert!((r.benign_fpr - 0.25).abs() < 1e-9);
        assert!((r.ransom_recall - 0.5).abs() < 1e-9);
        let offer = r.labels[SmugglingAdvertisement.index()];
        assert!((offer.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((offer.recall - 1.0).abs() < 1e-9);
        assert!((offer.f1 - 0.8).abs() < 1e-9);
        let benign = r.labels[Benign.index()];
        assert!((benign.precision - 0.75).abs() < 1e-9 && (benign.recall - 0.75).abs() < 1e-9);
        // Macro over the three labels present: (0.8 + 0.75 + 2/3) / 3.
        assert!((r.macro_f1 - (0.8 + 0.75 + 2.0 / 3.0) / 3.0).abs() < 1e-9);
        assert!((r.accuracy - 6.0 / 8.0).abs() < 1e-9);
        assert!(pr_svg(&examples, "t").starts_with("<svg"));
    }
}
