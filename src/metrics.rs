//! Metrics in the Prometheus text format: request counts and latencies by
//! route and status, scheduled job runs, process memory, and gauges read at
//! scrape time from collectors that the rest of the server registers with
//! `Metrics::add_collector` (the database sizes do; the outbox and the live
//! sockets add theirs the same way).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, RwLock};
use std::time::Duration;

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Upper bounds of the request latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Methods that get their own label; any other is counted as `other`.
const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

type Collector = Box<dyn Fn(&mut Exposition) + Send + Sync>;

/// The server's metrics, shared by the request log, the jobs and `/metrics`.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<RequestKey, Histogram>>,
    jobs: Mutex<BTreeMap<&'static str, JobRuns>>,
    collectors: RwLock<Vec<Collector>>,
}

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RequestKey {
    method: &'static str,
    route: String,
    status: u16,
}

impl RequestKey {
    fn labels<'a>(&'a self, status: &'a str) -> [(&'static str, &'a str); 3] {
        [
            ("method", self.method),
            ("route", &self.route),
            ("status", status),
        ]
    }
}

#[derive(Default)]
struct Histogram {
    /// Observations at or under each bound of `LATENCY_BUCKETS` (not cumulative).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct JobRuns {
    ok: u64,
    failed: u64,
    last_success: Option<i64>,
}

impl Metrics {
    /// Records one request: `route` is the matched route pattern
    /// (`/api/v1/accounts/{account_id}/conversations`), never the raw path.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = METHODS
            .iter()
            .copied()
            .find(|m| *m == method)
            .unwrap_or("other");
        let key = RequestKey {
            method,
            route: route.to_string(),
            status,
        };
        let seconds = elapsed.as_secs_f64();
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let histogram = requests.entry(key).or_default();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| seconds <= *b) {
            histogram.buckets[i] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// Records a run of the scheduled job `job`.
    pub fn job_ran(&self, job: &'static str, ok: bool) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let runs = jobs.entry(job).or_default();
        if ok {
            runs.ok += 1;
            runs.last_success = Some(crate::db::now());
        } else {
            runs.failed += 1;
        }
    }

    /// Adds a collector, called at every scrape (on a blocking thread) to
    /// write its own metric families: gauges read from the database or from
    /// a component's state (outbox depth and age, open websockets by kind),
    /// or counters the component keeps itself (webhook deliveries by result).
    pub fn add_collector(&self, collector: impl Fn(&mut Exposition) + Send + Sync + 'static) {
        self.collectors
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(collector));
    }

    /// Every metric in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Exposition::default();
        out.family("deskwoot_build_info", Kind::Gauge, "The running version.");
        out.sample(
            "deskwoot_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        self.render_requests(&mut out);
        self.render_jobs(&mut out);
        if let Some(bytes) = resident_memory_bytes() {
            out.gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                bytes,
            );
        }
        for collector in self
            .collectors
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            collector(&mut out);
        }
        out.text
    }

    fn render_requests(&self, out: &mut Exposition) {
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        const TOTAL: &str = "deskwoot_http_requests_total";
        const LATENCY: &str = "deskwoot_http_request_duration_seconds";
        out.family(
            TOTAL,
            Kind::Counter,
            "HTTP requests by method, route and status.",
        );
        for (key, h) in requests.iter() {
            let status = key.status.to_string();
            out.sample(TOTAL, &key.labels(&status), h.count as f64);
        }
        out.family(
            LATENCY,
            Kind::Histogram,
            "HTTP request latency in seconds by method, route and status.",
        );
        for (key, h) in requests.iter() {
            let status = key.status.to_string();
            let labels = key.labels(&status);
            let mut cumulative = 0;
            for (bound, count) in LATENCY_BUCKETS.iter().zip(h.buckets) {
                cumulative += count;
                let le = bound.to_string();
                out.sample_with(
                    &format!("{LATENCY}_bucket"),
                    &labels,
                    ("le", &le),
                    cumulative as f64,
                );
            }
            out.sample_with(
                &format!("{LATENCY}_bucket"),
                &labels,
                ("le", "+Inf"),
                h.count as f64,
            );
            out.sample(&format!("{LATENCY}_sum"), &labels, h.sum);
            out.sample(&format!("{LATENCY}_count"), &labels, h.count as f64);
        }
    }

    fn render_jobs(&self, out: &mut Exposition) {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        const RUNS: &str = "deskwoot_job_runs_total";
        const LAST: &str = "deskwoot_job_last_success_timestamp_seconds";
        out.family(RUNS, Kind::Counter, "Scheduled job runs by job and result.");
        for (job, runs) in jobs.iter() {
            out.sample(RUNS, &[("job", job), ("result", "ok")], runs.ok as f64);
            out.sample(
                RUNS,
                &[("job", job), ("result", "error")],
                runs.failed as f64,
            );
        }
        out.family(
            LAST,
            Kind::Gauge,
            "When each scheduled job last succeeded, in Unix seconds.",
        );
        for (job, runs) in jobs.iter() {
            if let Some(at) = runs.last_success {
                out.sample(LAST, &[("job", job)], at as f64);
            }
        }
    }
}

/// The kind of a metric family, for its `# TYPE` line.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// The text being written for one scrape.
#[derive(Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// Starts a metric family with its `# HELP` and `# TYPE` lines; its
    /// samples follow.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One sample of the current family. `name` may carry a suffix such as
    /// `_bucket`, `_sum` or `_count`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (label, value)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let value = value
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
                    .replace('\n', "\\n");
                let _ = write!(self.text, "{label}=\"{value}\"");
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// A family with one unlabelled gauge sample.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, Kind::Gauge, help);
        self.sample(name, &[], value);
    }

    fn sample_with(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        extra: (&str, &str),
        value: f64,
    ) {
        let mut all = labels.to_vec();
        all.push(extra);
        self.sample(name, &all, value);
    }
}

/// The process's resident set size, where /proc tells it (Linux).
fn resident_memory_bytes() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_render_as_a_counter_and_a_cumulative_histogram() {
        let metrics = Metrics::default();
        let route = "/api/v1/accounts/{account_id}";
        metrics.observe_request("GET", route, 200, Duration::from_millis(3));
        metrics.observe_request("GET", route, 200, Duration::from_millis(70));
        metrics.observe_request("BREW", "/healthz", 404, Duration::from_secs(20));
        let text = metrics.render();
        let labels = r#"method="GET",route="/api/v1/accounts/{account_id}",status="200""#;
        for line in [
            format!("deskwoot_http_requests_total{{{labels}}} 2"),
            format!(r#"deskwoot_http_request_duration_seconds_bucket{{{labels},le="0.005"}} 1"#),
            format!(r#"deskwoot_http_request_duration_seconds_bucket{{{labels},le="0.05"}} 1"#),
            format!(r#"deskwoot_http_request_duration_seconds_bucket{{{labels},le="0.1"}} 2"#),
            format!(r#"deskwoot_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} 2"#),
            format!("deskwoot_http_request_duration_seconds_count{{{labels}}} 2"),
            r#"deskwoot_http_requests_total{method="other",route="/healthz",status="404"} 1"#
                .to_string(),
            r#"deskwoot_http_request_duration_seconds_bucket{method="other",route="/healthz",status="404",le="10"} 0"#.to_string(),
            "# TYPE deskwoot_http_request_duration_seconds histogram".to_string(),
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn job_runs_and_collectors_are_rendered() {
        let metrics = Metrics::default();
        metrics.job_ran("backup", true);
        metrics.job_ran("backup", false);
        metrics.job_ran("backup", true);
        metrics.add_collector(|out| out.gauge("deskwoot_test_gauge", "A\ntest.", 4.5));
        let text = metrics.render();
        assert!(text.contains("deskwoot_job_runs_total{job=\"backup\",result=\"ok\"} 2\n"));
        assert!(text.contains("deskwoot_job_runs_total{job=\"backup\",result=\"error\"} 1\n"));
        assert!(text.contains("deskwoot_job_last_success_timestamp_seconds{job=\"backup\"} "));
        assert!(text.contains("# HELP deskwoot_test_gauge A\\ntest.\n"));
        assert!(text.contains("deskwoot_test_gauge 4.5\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition::default();
        out.sample("m", &[("route", "a\"b\\c\nd")], 1.0);
        assert_eq!(out.text, "m{route=\"a\\\"b\\\\c\\nd\"} 1\n");
    }
}
