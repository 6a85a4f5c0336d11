//! Prometheus-format metrics (`GET /api/v1/metrics`): requests by route and
//! status, push round-trip latency as a histogram, mutations by outcome
//! (applied, superseded, conflict, refused, replayed from the store) and the
//! database pool. Counters only, no names or content: safe to scrape, but
//! like any operations endpoint best reached from the internal network.
//! Per process: each instance behind a load balancer is scraped on its own.

use sothon_domain::protocol::{MutationResult, Status};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the push latency buckets, in seconds.
pub const PUSH_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default)]
pub struct Metrics {
    /// (method, route template, status) → count.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    push_buckets: [AtomicU64; PUSH_BUCKETS.len()],
    push_count: AtomicU64,
    push_micros: AtomicU64,
    /// applied, superseded, conflict, refused, replayed.
    mutations: [AtomicU64; 5],
}

const OUTCOMES: [&str; 5] = ["applied", "superseded", "conflict", "refused", "replayed"];

impl Metrics {
    /// One answered request.
    pub fn request(&self, method: &str, route: &str, status: u16) {
        let mut m = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((method.to_string(), route.to_string(), status)).or_insert(0) += 1;
    }

    /// One push round trip (a sync request that carried mutations).
    pub fn push_took(&self, d: Duration) {
        let secs = d.as_secs_f64();
        for (i, le) in PUSH_BUCKETS.iter().enumerate() {
            if secs <= *le {
                self.push_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.push_count.fetch_add(1, Ordering::Relaxed);
        self.push_micros.fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    /// A push's results; `replayed` of them were answered from the store.
    pub fn mutations(&self, results: &[MutationResult], replayed: usize) {
        let mut fresh = [0u64; 4];
        for r in results {
            let i = match r.status {
                Status::Applied => 0,
                Status::Superseded => 1,
                Status::Conflict => 2,
                Status::Refused => 3,
            };
            fresh[i] += 1;
        }
        // Replays come back with their first status; count them apart.
        let mut left = replayed as u64;
        for n in fresh.iter_mut().take(3) {
            let take = left.min(*n);
            *n -= take;
            left -= take;
        }
        for (i, n) in fresh.iter().enumerate() {
            self.mutations[i].fetch_add(*n, Ordering::Relaxed);
        }
        self.mutations[4].fetch_add(replayed as u64, Ordering::Relaxed);
    }

    /// The text exposition format (version 0.0.4).
    /// `retries` is [`crate::db::retry_counts`]: transactions run again after
    /// a collision, and collisions that outlasted the retries (each a 503).
    pub fn render(&self, pool_size: u32, pool_idle: usize, retries: (u64, u64)) -> String {
        let mut out = String::new();
        out.push_str("# HELP sothon_requests_total Answered API requests.\n# TYPE sothon_requests_total counter\n");
        for ((method, route, status), n) in self.requests.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let _ =
                writeln!(out, "sothon_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str(
            "# HELP sothon_push_seconds Push round trips in the server (sync requests carrying mutations).\n\
             # TYPE sothon_push_seconds histogram\n",
        );
        for (i, le) in PUSH_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "sothon_push_seconds_bucket{{le=\"{le}\"}} {}",
                self.push_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.push_count.load(Ordering::Relaxed);
        let _ = writeln!(out, "sothon_push_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "sothon_push_seconds_sum {}", self.push_micros.load(Ordering::Relaxed) as f64 / 1e6);
        let _ = writeln!(out, "sothon_push_seconds_count {count}");
        out.push_str(
            "# HELP sothon_mutations_total Pushed mutations by outcome.\n# TYPE sothon_mutations_total counter\n",
        );
        for (i, name) in OUTCOMES.iter().enumerate() {
            let _ = writeln!(
                out,
                "sothon_mutations_total{{outcome=\"{name}\"}} {}",
                self.mutations[i].load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP sothon_db_pool_connections Database pool connections.\n# TYPE sothon_db_pool_connections gauge\n",
        );
        let _ = writeln!(out, "sothon_db_pool_connections{{state=\"open\"}} {pool_size}");
        let _ = writeln!(out, "sothon_db_pool_connections{{state=\"idle\"}} {pool_idle}");
        out.push_str(
            "# HELP sothon_db_retries_total Write transactions run again whole after a collision \
             (SQLITE_BUSY, 40001, 40P01).\n# TYPE sothon_db_retries_total counter\n",
        );
        let _ = writeln!(out, "sothon_db_retries_total {}", retries.0);
        out.push_str(
            "# HELP sothon_db_gave_up_total Collisions that outlasted the retries (answered 503).\n\
             # TYPE sothon_db_gave_up_total counter\n",
        );
        let _ = writeln!(out, "sothon_db_gave_up_total {}", retries.1);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: Status) -> MutationResult {
        serde_json::from_value(serde_json::json!({
            "id": "d:1", "record": "a.pq-t01.x", "status": status, "rev": 1, "receipt": "", "received": 0, "ver": 1
        }))
        .unwrap()
    }

    #[test]
    fn the_exposition_counts_what_happened() {
        let m = Metrics::default();
        m.request("POST", "/api/v1/sync", 200);
        m.request("POST", "/api/v1/sync", 200);
        m.request("GET", "/api/v1/health", 200);
        m.push_took(Duration::from_millis(7));
        m.push_took(Duration::from_millis(300));
        m.mutations(&[result(Status::Applied), result(Status::Applied), result(Status::Conflict)], 1);
        let text = m.render(3, 2, (7, 1));
        assert!(
            text.contains("sothon_requests_total{method=\"POST\",route=\"/api/v1/sync\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(text.contains("sothon_push_seconds_bucket{le=\"0.005\"} 0"));
        assert!(text.contains("sothon_push_seconds_bucket{le=\"0.01\"} 1"));
        assert!(text.contains("sothon_push_seconds_bucket{le=\"0.5\"} 2"));
        assert!(text.contains("sothon_push_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("sothon_push_seconds_count 2"));
        assert!(text.contains("sothon_mutations_total{outcome=\"applied\"} 1"));
        assert!(text.contains("sothon_mutations_total{outcome=\"replayed\"} 1"));
        assert!(text.contains("sothon_mutations_total{outcome=\"conflict\"} 1"));
        assert!(text.contains("sothon_db_pool_connections{state=\"idle\"} 2"));
        assert!(text.contains("sothon_db_retries_total 7"), "{text}");
        assert!(text.contains("sothon_db_gave_up_total 1"), "{text}");
    }
}
