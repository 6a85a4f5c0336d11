//! `sothon-server`: parses the command line and calls the library.

use anyhow::{bail, Context};
use sothon_server::db::accounts::{self, parse_role};
use sothon_server::db::demo::village_name;
use sothon_server::{Config, NewUser};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
Sổ Thôn server

Usage:
  sothon-server [serve] [--port N] [--bind ADDR] [--db PATH] [--web DIR] [--no-demo] [--demo-history]
  sothon-server user add --username U --password P --name NAME
                         --role village_head|digital_team|officer|admin|province
                         [--village ID] [--commune ID] [--db PATH]
  sothon-server commune add --id ID --name NAME [--db PATH]
  sothon-server village add --id ID --name NAME [--commune ID] [--db PATH]
  sothon-server backup OUT.db [--db PATH]     a consistent copy of a SQLite database,
                                              also while the server runs (PostgreSQL: pg_dump)
  sothon-server import communes FILE.csv [--db PATH]   load communes (and provinces) from CSV:
                      province_id,province_name,commune_id,commune_name
  sothon-server import villages FILE.csv [--db PATH]   load villages: commune_id,village_id,village_name
                      (whole file checked first: a bad line is named and nothing is imported;
                      importing again changes nothing)
  sothon-server bench-seed --out SESSIONS.tsv [--villages N] [--communes N] [--history-months N]
                         [--prefix P] [--password PW] [--db URL]
                                              for a benchmark's own database only: a province of
                                              communes and villages, a head per village and an
                                              officer per commune with a live session each (their
                                              tokens in SESSIONS.tsv), months of approved history
  sothon-server migrate [--db URL]            migrate the schema and exit (run once before
                                              starting several servers on one PostgreSQL)

Options (environment variable, default):
  --port N      port to listen on, 0 for any free one (SOTHON_PORT, 8080)
  --bind ADDR   address to listen on (SOTHON_BIND, 127.0.0.1)
  --db PATH|URL  SQLite database file, created if missing, or sqlite: URL; or a
                postgres://user@host:port/db URL (PostgreSQL, CockroachDB, YugabyteDB,
                Citus; the database must exist) (SOTHON_DB, data/sothon.db)
  --web DIR     the built PWA to serve (SOTHON_WEB, dist; skipped if missing)
  --no-demo     do not seed the sample commune into an empty database
  --demo-history  with the sample commune, also seed a year of sample reports and incidents

RUST_LOG=warn|info|debug sets the log level (default info); SOTHON_LOG_FORMAT=json
writes one JSON object a line, with the request id of each request's lines.
";

/// `--name value` pairs and bare flags, in any order.
struct Args {
    words: Vec<String>,
    opts: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(raw: impl Iterator<Item = String>) -> anyhow::Result<Self> {
        const FLAGS: &[&str] = &["--no-demo", "--demo-history", "--help", "-h"];
        let mut words = Vec::new();
        let mut opts = Vec::new();
        let mut raw = raw.peekable();
        while let Some(a) = raw.next() {
            if let Some((k, v)) = a.split_once('=').filter(|_| a.starts_with("--")) {
                opts.push((k.to_string(), Some(v.to_string())));
            } else if FLAGS.contains(&a.as_str()) {
                opts.push((a, None));
            } else if a.starts_with('-') {
                let v = raw.next().with_context(|| format!("{a} needs a value"))?;
                opts.push((a, Some(v)));
            } else {
                words.push(a);
            }
        }
        Ok(Self { words, opts })
    }

    fn flag(&self, name: &str) -> bool {
        self.opts.iter().any(|(k, _)| k == name)
    }

    fn get(&self, name: &str) -> Option<String> {
        self.opts.iter().rev().find(|(k, _)| k == name).and_then(|(_, v)| v.clone())
    }

    fn require(&self, name: &str) -> anyhow::Result<String> {
        self.get(name).with_context(|| format!("{name} is required\n\n{USAGE}"))
    }

    /// Refuses options the command does not know (a typo must not be ignored).
    fn only(&self, known: &[&str]) -> anyhow::Result<()> {
        for (k, _) in &self.opts {
            if !known.contains(&k.as_str()) {
                bail!("unknown option {k}\n\n{USAGE}");
            }
        }
        Ok(())
    }
}

fn env_or(opt: Option<String>, var: &str, default: &str) -> String {
    opt.or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty())).unwrap_or_else(|| default.into())
}

fn db_path(args: &Args) -> String {
    env_or(args.get("--db"), "SOTHON_DB", "data/sothon.db")
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The chain of causes, without a backtrace: this is for whoever
            // typed the command.
            eprintln!("Lỗi: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse(std::env::args().skip(1))?;
    if args.flag("--help") || args.flag("-h") {
        print!("{USAGE}");
        return Ok(());
    }
    let words: Vec<&str> = args.words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => serve(&args).await,
        ["user", "add"] => {
            args.only(&["--username", "--password", "--name", "--role", "--village", "--commune", "--db"])?;
            let role = args.require("--role")?;
            let role = parse_role(&role)
                .with_context(|| format!("unknown role {role}: village_head, digital_team, officer or admin"))?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            let user = NewUser {
                username: args.require("--username")?,
                password: args.require("--password")?,
                name: args.require("--name")?,
                role,
                commune: args.get("--commune"),
                village: args.get("--village"),
            };
            let username = accounts::normalize_username(&user.username);
            sothon_server::add_user(&db, user).await?;
            println!("Đã tạo tài khoản {username} ({}).", role.label_vi());
            Ok(())
        }
        ["commune", "add"] => {
            args.only(&["--id", "--name", "--db"])?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            accounts::add_commune(&db, &args.require("--id")?, &args.require("--name")?).await?;
            println!("Đã tạo xã.");
            Ok(())
        }
        ["village", "add"] => {
            args.only(&["--id", "--name", "--commune", "--db"])?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            let commune = args.get("--commune");
            accounts::add_village(&db, &args.require("--id")?, commune.as_deref(), &args.require("--name")?).await?;
            println!("Đã tạo thôn.");
            Ok(())
        }
        ["import", what @ ("communes" | "villages"), file] => {
            args.only(&["--db"])?;
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
            let parsed = match *what {
                "communes" => sothon_server::import::parse_communes(&text).map(Either::Communes),
                _ => sothon_server::import::parse_villages(&text).map(Either::Villages),
            };
            let lines = match parsed {
                Ok(l) => l,
                Err(errs) => return import_failed(file, &errs),
            };
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            let done = match &lines {
                Either::Communes(l) => sothon_server::db::units::import_communes(&db, l).await?,
                Either::Villages(l) => sothon_server::db::units::import_villages(&db, l).await?,
            };
            match done {
                Ok(o) => {
                    println!("Đã nhập {file}: {} mới, {} đổi tên, {} giữ nguyên.", o.added, o.renamed, o.unchanged);
                    Ok(())
                }
                Err(errs) => import_failed(file, &errs),
            }
        }
        ["bench-seed"] => {
            args.only(&["--db", "--out", "--villages", "--communes", "--history-months", "--prefix", "--password"])?;
            let num = |name: &str, default: usize| -> anyhow::Result<usize> {
                args.get(name)
                    .map_or(Ok(default), |v| v.parse().with_context(|| format!("{name}: not a whole number: {v}")))
            };
            let plan = sothon_server::bench_seed::Plan {
                prefix: args.get("--prefix").unwrap_or_else(|| "bench".into()),
                communes: num("--communes", 92)?,
                villages: num("--villages", 1_000)?,
                history_months: u32::try_from(num("--history-months", 0)?)?,
                password: args.get("--password").unwrap_or_else(|| "bench-mat-khau-2026".into()),
            };
            sothon_server::bench_seed::check(&plan)?;
            let out = args.require("--out")?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            let started = std::time::Instant::now();
            let seeded = sothon_server::bench_seed::seed(&db, &plan, sothon_server::db::now_ms()).await?;
            let mut text = String::new();
            for s in &seeded.sessions {
                text.push_str(&s.line());
                text.push('\n');
            }
            std::fs::write(&out, text).with_context(|| format!("writing {out}"))?;
            db.close().await;
            println!(
                "Đã tạo {} xã, {} thôn, {} phiên đăng nhập, {} báo cáo lịch sử ({} dòng, {:.1} s); phiên ở {out}.",
                plan.communes,
                plan.villages,
                seeded.sessions.len(),
                seeded.history,
                seeded.rows,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        ["migrate"] => {
            args.only(&["--db"])?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            db.close().await;
            println!("Cơ sở dữ liệu đã ở phiên bản mới nhất.");
            Ok(())
        }
        ["backup", out] => {
            args.only(&["--db"])?;
            let db = sothon_server::db::connect(&db_path(&args)).await?;
            sothon_server::db::backup(&db, std::path::Path::new(out)).await?;
            println!("Đã sao lưu vào {out}.");
            Ok(())
        }
        _ => bail!("unknown command {}\n\n{USAGE}", words.join(" ")),
    }
}

enum Either {
    Communes(Vec<sothon_server::import::CommuneLine>),
    Villages(Vec<sothon_server::import::VillageLine>),
}

/// Every bad line on stderr, nothing imported, exit non-zero.
fn import_failed(file: &str, errs: &[sothon_server::import::LineError]) -> anyhow::Result<()> {
    for e in errs {
        eprintln!("{file}: {e}");
    }
    bail!("{file}: {} dòng lỗi, không nhập gì", errs.len())
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    args.only(&["--port", "--bind", "--db", "--web", "--no-demo", "--demo-history"])?;
    // RUST_LOG as a plain level (`warn`, `debug`, `off`…); per-module filters
    // would need the heavier env-filter feature.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    // Logs go to stderr (stdout has the address and the sample logins).
    // SOTHON_LOG_FORMAT=json: one JSON object a line (for a log collector),
    // each request's lines carrying its id.
    if std::env::var("SOTHON_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_writer(std::io::stderr)
            .with_max_level(level)
            .init();
    } else {
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(level).init();
    }
    let port: u16 = env_or(args.get("--port"), "SOTHON_PORT", "8080").parse().context("--port must be a number")?;
    let bind = env_or(args.get("--bind"), "SOTHON_BIND", "127.0.0.1");
    let bind: SocketAddr = match bind.parse::<IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, port),
        Err(_) => bind.parse().with_context(|| format!("--bind {bind}: not an address"))?,
    };
    let database_url = db_path(args);
    let web = PathBuf::from(env_or(args.get("--web"), "SOTHON_WEB", "dist"));
    let web_dir = if web.join("index.html").is_file() {
        Some(web)
    } else {
        eprintln!(
            "Không thấy {0}/index.html: chỉ phục vụ API / no web app at {0}: serving the API only (`make web` builds it).",
            web.display()
        );
        None
    };
    let config = Config {
        bind,
        database_url: database_url.clone(),
        web_dir,
        demo: !args.flag("--no-demo"),
        demo_history: args.flag("--demo-history"),
        ..Config::default()
    };
    let server = sothon_server::build(config).await?;
    let url = match server.addr() {
        a if a.ip().is_unspecified() => format!("http://127.0.0.1:{}/", a.port()),
        a => format!("http://{a}/"),
    };
    println!();
    println!("  Sổ Thôn đang chạy tại / running at:  {url}");
    println!("  Cơ sở dữ liệu / database:           {database_url}");
    if let Some(accounts) = server.demo_accounts() {
        println!();
        println!("  DỮ LIỆU MẪU / SAMPLE DATA: xã Phong Quang và các thôn (mẫu) không phải dữ liệu thật.");
        println!("  Tài khoản mẫu / sample logins:");
        println!("  {:<13} {:<16} {:<27} thôn / village", "tên đăng nhập", "mật khẩu", "vai trò / role");
        for a in accounts {
            let village = a.village.map(|v| format!("{v} {}", village_name(v).unwrap_or(""))).unwrap_or_default();
            println!("  {:<13} {:<16} {:<27} {village}", a.username, a.password, a.role.label_vi());
        }
    }
    println!();
    println!("  Dừng / stop: Ctrl-C");
    println!();
    server.run().await
}
