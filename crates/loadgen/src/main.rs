//! `sothon-loadgen`: N simulated phones against a running server.
//!
//! ```text
//! sothon-loadgen --server http://127.0.0.1:8080 --devices 1000 --villages 200 \
//!     --records 10 --concurrency 100 --delay-ms 0 --fail-rate 0.05
//! ```
//!
//! It makes its own villages and accounts in the admin's commune (named after
//! the run), so run it against a test or staging server, never production.
//! Exit status 1 when the server does not hold exactly what was sent.

use anyhow::{bail, Context};
use sothon_loadgen::burst::{burst, parse_sessions, BurstConfig};
use sothon_loadgen::{run, Check, Config};

const HELP: &str = "sothon-loadgen — simulated phones pushing and pulling over HTTP

  --server URL        the server (default http://127.0.0.1:8080)
  --admin NAME[,NAME…] a commune admin account (default quantri, the demo's); several spread
                      the villages over their communes
  --password PW       its password (default the demo's)
  --devices N         simulated phones (default 100)
  --villages N        villages they belong to, ≤ devices (default = devices)
  --records N         records each phone sends (default 10: a monthly report, then activities)
  --concurrency N     phones in a round trip at once (default 50)
  --delay-ms N        added to every round trip (default 0)
  --fail-rate X       share of answers lost after the server handled them, 0–1 (default 0)
  --seed N            repeatable runs (default: the time)

The deadline burst, against a database seeded by `sothon-server bench-seed --out SESSIONS.tsv`:
  --burst SESSIONS.tsv  every village head in the file pushes one monthly report (a phone each,
                      made when its turn comes), then the officers pull their communes from
                      scratch and the pulls are checked against what was sent
  --pull-officers N   how many officers pull afterwards (default all)
  --server-pid PID    the server's process on this machine: its CPU seconds per phase are printed
";

fn main() -> anyhow::Result<()> {
    let mut cfg = Config {
        server: "http://127.0.0.1:8080".into(),
        admin: "quantri".into(),
        password: "phongquang2026".into(),
        devices: 100,
        villages: 0,
        records: 10,
        concurrency: 50,
        delay_ms: 0,
        fail_rate: 0.0,
        seed: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
        run: String::new(),
    };
    let (mut sessions_file, mut pull_officers, mut server_pid) = (None, 0usize, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            print!("{HELP}");
            return Ok(());
        }
        let value = args.next().with_context(|| format!("{flag} needs a value"))?;
        let num = || value.parse::<u64>().with_context(|| format!("{flag}: not a whole number: {value}"));
        match flag.as_str() {
            "--server" => cfg.server = value.clone(),
            "--admin" => cfg.admin = value.clone(),
            "--password" => cfg.password = value.clone(),
            "--devices" => cfg.devices = num()? as usize,
            "--villages" => cfg.villages = num()? as usize,
            "--records" => cfg.records = num()? as usize,
            "--concurrency" => cfg.concurrency = num()? as usize,
            "--delay-ms" => cfg.delay_ms = num()?,
            "--seed" => cfg.seed = num()?,
            "--burst" => sessions_file = Some(value.clone()),
            "--pull-officers" => pull_officers = num()? as usize,
            "--server-pid" => server_pid = Some(u32::try_from(num()?)?),
            "--fail-rate" => {
                cfg.fail_rate = value.parse().with_context(|| format!("--fail-rate: not a number: {value}"))?
            }
            _ => bail!("unknown flag {flag}\n\n{HELP}"),
        }
    }
    if let Some(file) = sessions_file {
        let text = std::fs::read_to_string(&file).with_context(|| format!("reading {file}"))?;
        let bcfg = BurstConfig {
            server: cfg.server.clone(),
            sessions: parse_sessions(&text).with_context(|| file.clone())?,
            concurrency: cfg.concurrency,
            seed: cfg.seed,
            pull_officers,
            server_pid,
        };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let outcome = rt.block_on(burst(&bcfg))?;
        println!("{}", outcome.report(&bcfg));
        finish(&outcome.errors, &outcome.check);
        return Ok(());
    }
    if cfg.villages == 0 {
        cfg.villages = cfg.devices;
    }
    cfg.run = format!("lg{}", cfg.seed % 1_000_000);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let outcome = rt.block_on(run(&cfg))?;
    println!("{}", outcome.report(&cfg));
    finish(&outcome.errors, &outcome.check);
    Ok(())
}

/// The first errors, and exit status 1 unless the server holds exactly what was sent.
fn finish(errors: &[String], check: &Check) {
    for e in errors.iter().take(5) {
        eprintln!("error: {e}");
    }
    if !check.exact() {
        eprintln!("{}", check.details());
        std::process::exit(1);
    }
}
