//! The real server binary as a child process, for the tests that signal it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server binary, running.
pub struct Proc {
    pub child: Child,
    pub base: String,
}

impl Proc {
    pub fn start(db: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sothon-server"))
            .args(["serve", "--port", "0", "--db", db, "--web", "/nonexistent"])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("server binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the address, then keeps draining so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(i) = line.find("http://127.0.0.1:") {
                    let _ = tx.send(line[i..].trim().trim_end_matches('/').to_string());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(60)).expect("the server prints its address");
        Self { child, base }
    }

    /// SIGKILL: no shutdown, no checkpoint, open requests cut.
    #[allow(dead_code)] // sigkill.rs only
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Logs a sample account in over HTTP; its token.
#[allow(dead_code)] // each test binary uses what it needs
pub async fn login(client: &reqwest::Client, base: &str, username: &str) -> String {
    let res = client
        .post(format!("{base}/api/v1/login"))
        .json(&serde_json::json!({"username": username, "password": sothon_server::DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200, "login {username}");
    let v: serde_json::Value = res.json().await.expect("login answer");
    v["token"].as_str().expect("token").to_string()
}
