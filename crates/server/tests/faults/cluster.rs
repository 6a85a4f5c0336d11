//! The real server, in this process but on its own runtime, so that a
//! "restart" really drops everything it had in memory: the listener, every
//! open connection and its request, the database pool. Only the SQLite file
//! survives, as it would a crash of the process.

use sothon_server::{build, Config};
use std::net::SocketAddr;
use std::time::Duration;

pub struct ServerCtl {
    db: String,
    rt: Option<tokio::runtime::Runtime>,
    addr: SocketAddr,
    pub restarts: u32,
}

/// Builds a server on `port` (0: any) over `db` on a fresh runtime.
fn boot(db: &str, port: u16) -> Result<(tokio::runtime::Runtime, SocketAddr), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("faults-server")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], port)),
        database_url: db.to_string(),
        web_dir: None,
        demo: true,
        demo_history: false,
        token_ttl_days: 30,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(async move {
        match build(config).await {
            Ok(server) => {
                let _ = tx.send(Ok(server.addr()));
                let _ = server.run().await;
            }
            Err(e) => {
                let _ = tx.send(Err(format!("{e:#}")));
            }
        }
    });
    // A blocking wait is fine even inside the caller's runtime: the server
    // builds on its own threads.
    match rx.recv().map_err(|e| e.to_string()).and_then(|r| r) {
        Ok(addr) => Ok((rt, addr)),
        Err(e) => {
            // Dropping a runtime inside the caller's runtime panics and hides
            // why the server did not start; let it go in the background.
            rt.shutdown_background();
            Err(e)
        }
    }
}

/// Stops a runtime and waits until its tasks are gone (from a plain thread:
/// a runtime may not be dropped inside another one).
fn halt(rt: tokio::runtime::Runtime) {
    std::thread::spawn(move || rt.shutdown_timeout(Duration::from_secs(10))).join().expect("server runtime stops");
}

impl ServerCtl {
    pub fn start(db: &str) -> Self {
        let (rt, addr) = boot(db, 0).expect("server starts");
        Self { db: db.to_string(), rt: Some(rt), addr, restarts: 0 }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills the server and starts a new one on the same database, on the
    /// same port or (`same_port == false`, or the port is taken) a new one.
    pub fn restart(&mut self, same_port: bool) {
        if let Some(rt) = self.rt.take() {
            halt(rt);
        }
        let old = self.addr.port();
        let mut booted = None;
        if same_port {
            for _ in 0..20 {
                match boot(&self.db, old) {
                    Ok(b) => {
                        booted = Some(b);
                        break;
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        }
        let (rt, addr) = booted.unwrap_or_else(|| boot(&self.db, 0).expect("server restarts"));
        self.rt = Some(rt);
        self.addr = addr;
        self.restarts += 1;
    }
}

impl Drop for ServerCtl {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            halt(rt);
        }
    }
}
