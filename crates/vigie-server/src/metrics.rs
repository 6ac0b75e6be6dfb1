//! Prometheus metrics, written in the text exposition format by hand: request counts and
//! latencies by route, decisions by label, verdict and action, errors by code, queue depths.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;
use vigie_core::Decision;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    decisions_by_label: BTreeMap<String, u64>,
    decisions_by_verdict: BTreeMap<String, u64>,
    actions: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    items_ingested: u64,
    items_replayed: u64,
}

/// The server's counters and histograms.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one HTTP request.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut inner = self.lock();
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let histogram = inner.latency.entry(route.to_string()).or_default();
        let seconds = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                histogram.counts[i] += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Counts an error answer by its code.
    pub fn observe_error(&self, code: &str) {
        *self.lock().errors.entry(code.to_string()).or_default() += 1;
    }

    /// Counts a new decision (not a replay of a stored one).
    pub fn observe_decision(&self, decision: &Decision) {
        let mut inner = self.lock();
        inner.items_ingested += 1;
        for label in &decision.labels {
            *inner
                .decisions_by_label
                .entry(label.label.as_str().to_string())
                .or_default() += 1;
        }
        *inner
            .decisions_by_verdict
            .entry(decision.verdict.as_str().to_string())
            .or_default() += 1;
        for action in &decision.actions {
            *inner
                .actions
                .entry(action.action_type.as_str().to_string())
                .or_default() += 1;
        }
    }

    /// Counts an item whose stored decision was returned again (same id).
    pub fn observe_replay(&self) {
        self.lock().items_replayed += 1;
    }

    /// The exposition text; `queues` are the waiting cases per queue, then the webhook
    /// deliveries pending and dead, and the items stored.
    pub fn render(
        &self,
        queues: &[(String, u64)],
        outbox_pending: Option<u64>,
        outbox_dead: u64,
        items_stored: u64,
    ) -> String {
        let inner = self.lock();
        let mut out = String::new();
        out.push_str("# HELP vigie_http_requests_total HTTP requests by method, route and status.\n# TYPE vigie_http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "vigie_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str("# HELP vigie_http_request_duration_seconds HTTP request latency by route.\n# TYPE vigie_http_request_duration_seconds histogram\n");
        for (route, h) in &inner.latency {
            let route = escape(route);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "vigie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "vigie_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "vigie_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "vigie_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP vigie_items_total Items decided (new) and replayed (same id again).\n# TYPE vigie_items_total counter\n");
        let _ = writeln!(
            out,
            "vigie_items_total{{outcome=\"decided\"}} {}",
            inner.items_ingested
        );
        let _ = writeln!(
            out,
            "vigie_items_total{{outcome=\"replayed\"}} {}",
            inner.items_replayed
        );
        counter_family(
            &mut out,
            "vigie_decisions_by_label_total",
            "New decisions by label.",
            "label",
            &inner.decisions_by_label,
        );
        counter_family(
            &mut out,
            "vigie_decisions_by_verdict_total",
            "New decisions by verdict.",
            "verdict",
            &inner.decisions_by_verdict,
        );
        counter_family(
            &mut out,
            "vigie_actions_total",
            "Actions proposed by new decisions, by type.",
            "action",
            &inner.actions,
        );
        counter_family(
            &mut out,
            "vigie_errors_total",
            "Error answers by code.",
            "code",
            &inner.errors,
        );
        out.push_str("# HELP vigie_queue_depth Open review cases by queue.\n# TYPE vigie_queue_depth gauge\n");
        for (queue, n) in queues {
            let _ = writeln!(out, "vigie_queue_depth{{queue=\"{}\"}} {n}", escape(queue));
        }
        if let Some(n) = outbox_pending {
            out.push_str("# HELP vigie_webhook_outbox_pending Webhook deliveries waiting.\n# TYPE vigie_webhook_outbox_pending gauge\n");
            let _ = writeln!(out, "vigie_webhook_outbox_pending {n}");
        }
        out.push_str("# HELP vigie_webhook_dead_letters Webhook deliveries given up on.\n# TYPE vigie_webhook_dead_letters gauge\n");
        let _ = writeln!(out, "vigie_webhook_dead_letters {outbox_dead}");
        out.push_str(
            "# HELP vigie_items_stored Items in the store.\n# TYPE vigie_items_stored gauge\n",
        );
        let _ = writeln!(out, "vigie_items_stored {items_stored}");
        out
    }
}

fn counter_family(
    out: &mut String,
    name: &str,
    help: &str,
    label: &str,
    values: &BTreeMap<String, u64>,
) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
    for (key, n) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(key));
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_histograms() {
        let metrics = Metrics::default();
        metrics.observe_request("POST", "/v1/items", 200, Duration::from_millis(2));
        metrics.observe_error("rate_limited");
        let text = metrics.render(&[("ransom".into(), 3)], Some(1), 0, 5);
        assert!(text.contains(
            "vigie_http_requests_total{method=\"POST\",route=\"/v1/items\",status=\"200\"} 1"
        ));
        assert!(text.contains(
            "vigie_http_request_duration_seconds_bucket{route=\"/v1/items\",le=\"+Inf\"} 1"
        ));
        assert!(text.contains("vigie_errors_total{code=\"rate_limited\"} 1"));
        assert!(text.contains("vigie_queue_depth{queue=\"ransom\"} 3"));
    }
}
