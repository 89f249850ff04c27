//! The Prometheus text exposition format (version 0.0.4): `# HELP`/`# TYPE` once per family,
//! then one line per series, label values escaped (`\\`, `\"`, `\n`).

use std::fmt::Write;
use std::sync::atomic::Ordering;

use super::{lock, CheckKind, DeliveryChannel, Histogram, RetryCause, BUCKETS, REGISTRY};

/// The pool's numbers at scrape time (read from r2d2 by the caller: this module knows no pool).
#[derive(Debug, Clone, Copy)]
pub struct PoolGauges {
    pub max: u32,
    pub connections: u32,
    pub idle: u32,
}

/// Every metric, as a Prometheus scrape body.
pub fn render(pool: Option<PoolGauges>) -> String {
    let mut out = String::new();

    header(
        &mut out,
        "gatehouse_http_requests_total",
        "counter",
        "HTTP requests by method, matched route pattern and status.",
    );
    let mut requests: Vec<_> = lock(&REGISTRY.requests)
        .iter()
        .map(|(k, h)| (k.clone(), h.clone()))
        .collect();
    requests.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, hist) in &requests {
        let labels = request_labels(key.method, &key.route, key.status);
        let _ = writeln!(
            out,
            "gatehouse_http_requests_total{{{labels}}} {}",
            hist.count
        );
    }
    header(
        &mut out,
        "gatehouse_http_request_duration_seconds",
        "histogram",
        "HTTP request latency by method, matched route pattern and status.",
    );
    for (key, hist) in &requests {
        let labels = request_labels(key.method, &key.route, key.status);
        histogram(
            &mut out,
            "gatehouse_http_request_duration_seconds",
            &labels,
            hist,
        );
    }

    header(
        &mut out,
        "gatehouse_db_transaction_retries_total",
        "counter",
        "Whole transactions run again, by cause.",
    );
    for cause in RetryCause::ALL {
        let n = REGISTRY.retries[cause.index()].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "gatehouse_db_transaction_retries_total{{cause=\"{}\"}} {n}",
            cause.as_str()
        );
    }

    if let Some(pool) = pool {
        gauge(
            &mut out,
            "gatehouse_db_pool_max_connections",
            "Largest number of pooled connections.",
            pool.max,
        );
        gauge(
            &mut out,
            "gatehouse_db_pool_connections_in_use",
            "Pooled connections checked out now.",
            pool.connections.saturating_sub(pool.idle),
        );
        gauge(
            &mut out,
            "gatehouse_db_pool_connections_idle",
            "Pooled connections open and idle now.",
            pool.idle,
        );
    }
    header(
        &mut out,
        "gatehouse_db_pool_checkout_wait_seconds",
        "histogram",
        "Time a request waited for a pooled connection.",
    );
    let wait = lock(&REGISTRY.checkout_wait).clone();
    histogram(
        &mut out,
        "gatehouse_db_pool_checkout_wait_seconds",
        "",
        &wait,
    );
    header(
        &mut out,
        "gatehouse_db_pool_checkout_timeouts_total",
        "counter",
        "Checkouts that gave up: the pool was exhausted or the database unreachable.",
    );
    let _ = writeln!(
        out,
        "gatehouse_db_pool_checkout_timeouts_total {}",
        REGISTRY.checkout_timeouts.load(Ordering::Relaxed)
    );

    header(
        &mut out,
        "gatehouse_idp_connection_last_request_timestamp_seconds",
        "gauge",
        "Unix time of the last authenticated SCIM request of each IdP connection.",
    );
    let mut last: Vec<(String, f64)> = lock(&REGISTRY.idp_last_request)
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    last.sort_by(|a, b| a.0.cmp(&b.0));
    for (connection, at) in last {
        let _ = writeln!(
            out,
            "gatehouse_idp_connection_last_request_timestamp_seconds{{connection_id=\"{}\"}} {at}",
            escape(&connection)
        );
    }

    header(
        &mut out,
        "gatehouse_outbox_backlog",
        "gauge",
        "Notifications neither delivered nor dead letters, as this instance's worker last counted.",
    );
    let _ = writeln!(
        out,
        "gatehouse_outbox_backlog {}",
        REGISTRY.outbox_backlog.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "gatehouse_outbox_delivery_failures_total",
        "counter",
        "Failed delivery attempts to one target, by channel.",
    );
    for channel in DeliveryChannel::ALL {
        let _ = writeln!(
            out,
            "gatehouse_outbox_delivery_failures_total{{channel=\"{}\"}} {}",
            channel.as_str(),
            REGISTRY.delivery_failures[channel as usize].load(Ordering::Relaxed)
        );
    }
    header(
        &mut out,
        "gatehouse_outbox_without_channel_total",
        "counter",
        "Notifications finished with no channel to deliver them to (no webhook endpoint, no email).",
    );
    let _ = writeln!(
        out,
        "gatehouse_outbox_without_channel_total {}",
        REGISTRY.without_channel.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "gatehouse_db_transactions_past_retry_window_total",
        "counter",
        "Conflicting writes given up because their request was older than the retry window.",
    );
    let _ = writeln!(
        out,
        "gatehouse_db_transactions_past_retry_window_total {}",
        REGISTRY.past_retry_window.load(Ordering::Relaxed)
    );
    header(
        &mut out,
        "gatehouse_authorize_checks_total",
        "counter",
        "/authorize checks by kind, answered from memory or after reading the database.",
    );
    for kind in CheckKind::ALL {
        for (source, from_memory) in [("memory", 1), ("database", 0)] {
            let _ = writeln!(
                out,
                "gatehouse_authorize_checks_total{{kind=\"{}\",source=\"{source}\"}} {}",
                kind.as_str(),
                REGISTRY.checks[kind as usize][from_memory].load(Ordering::Relaxed)
            );
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: u32) {
    header(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

fn request_labels(method: &str, route: &str, status: u16) -> String {
    format!(
        "method=\"{method}\",route=\"{}\",status=\"{status}\"",
        escape(route)
    )
}

fn histogram(out: &mut String, name: &str, labels: &str, hist: &Histogram) {
    let sep = if labels.is_empty() { "" } else { "," };
    for (bound, count) in BUCKETS.iter().zip(hist.counts) {
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
    }
    let _ = writeln!(
        out,
        "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
        hist.count
    );
    let braced = if labels.is_empty() {
        String::new()
    } else {
        format!("{{{labels}}}")
    };
    let _ = writeln!(out, "{name}_sum{braced} {}", hist.sum);
    let _ = writeln!(out, "{name}_count{braced} {}", hist.count);
}

/// Label value escaping of the text format: backslash, double quote and line feed.
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
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_inf() {
        let mut h = Histogram::default();
        h.observe(0.003);
        h.observe(0.2);
        h.observe(20.0);
        let mut out = String::new();
        histogram(&mut out, "x", "route=\"/a\"", &h);
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.005\"} 1\n"));
        assert!(out.contains("x_bucket{route=\"/a\",le=\"0.25\"} 2\n"));
        assert!(out.contains("x_bucket{route=\"/a\",le=\"10\"} 2\n"));
        assert!(out.contains("x_bucket{route=\"/a\",le=\"+Inf\"} 3\n"));
        assert!(out.contains("x_count{route=\"/a\"} 3\n"));
    }

    #[test]
    fn unlabelled_histogram_has_no_empty_braces() {
        let mut out = String::new();
        histogram(&mut out, "y", "", &Histogram::default());
        assert!(out.contains("y_bucket{le=\"+Inf\"} 0\n"));
        assert!(out.contains("y_count 0\n"));
    }

    #[test]
    fn every_retry_cause_is_rendered_even_at_zero() {
        let out = render(None);
        for cause in RetryCause::ALL {
            let line = format!(
                "gatehouse_db_transaction_retries_total{{cause=\"{}\"}}",
                cause.as_str()
            );
            assert!(out.contains(&line), "{line}");
        }
    }
}
