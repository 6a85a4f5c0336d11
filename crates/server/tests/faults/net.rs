//! The network between the phones and the server, with faults: each round
//! trip the engine makes goes through [`Phone::sync`], which may lose the
//! request, lose the answer after the server committed, deliver twice (now,
//! or a copy later), hold the request and deliver it after later ones, or
//! restart the server before or after delivering.

use crate::cluster::ServerCtl;
use crate::prng::Rng;
use sothon_domain::protocol::{ApiError, MutationResult, SyncRequest, SyncResponse};
use sothon_sync::{Transport, TransportError};
use std::cell::{Cell, RefCell};

/// What happens to one round trip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Delivered, answered.
    None,
    /// Lost on the way: the server never sees it.
    DropRequest,
    /// The server commits, the answer is lost.
    DropResponse,
    /// Delivered twice at once; the phone gets the second answer.
    DuplicateNow,
    /// Delivered and answered; a copy arrives again at some later point.
    DuplicateLater,
    /// Held in the network, delivered after later requests; the phone times out.
    Reorder,
    /// The server crashes before the request arrives.
    RestartBefore,
    /// The server commits, then crashes before answering.
    RestartAfter,
}

const FAULTS: &[(u32, Fault)] = &[
    (40, Fault::None),
    (10, Fault::DropRequest),
    (12, Fault::DropResponse),
    (8, Fault::DuplicateNow),
    (9, Fault::DuplicateLater),
    (12, Fault::Reorder),
    (4, Fault::RestartBefore),
    (5, Fault::RestartAfter),
];

/// A request as it travelled: who sent it, with which token.
#[derive(Debug, Clone)]
pub struct Sent {
    pub phone: usize,
    pub token: String,
    pub req: SyncRequest,
}

/// The network of one lane: the server, the client, and what travelled.
pub struct Net {
    pub server: RefCell<ServerCtl>,
    client: RefCell<reqwest::Client>,
    pub rng: RefCell<Rng>,
    /// Faults on (the schedule) or off (healing, checking).
    pub faulty: Cell<bool>,
    /// Requests held in the network, to be delivered later.
    pub held: RefCell<Vec<Sent>>,
    /// Every request a phone sent (delivered or not), for the final replay.
    pub sent: RefCell<Vec<Sent>>,
    /// Every result the server answered with (delivered to a phone or not).
    pub results: RefCell<Vec<MutationResult>>,
    /// Things that must not happen: HTTP errors, refused pushes.
    pub anomalies: RefCell<Vec<String>>,
    /// What happened, for the failure report.
    pub trace: RefCell<Vec<String>>,
    pub verbose: bool,
}

fn new_client() -> reqwest::Client {
    reqwest::Client::builder().build().expect("http client")
}

impl Net {
    pub fn new(server: ServerCtl, verbose: bool) -> Self {
        Self {
            server: RefCell::new(server),
            client: RefCell::new(new_client()),
            rng: RefCell::new(Rng::new(0)),
            faulty: Cell::new(false),
            held: RefCell::default(),
            sent: RefCell::default(),
            results: RefCell::default(),
            anomalies: RefCell::default(),
            trace: RefCell::default(),
            verbose,
        }
    }

    /// Forgets one schedule's traffic and starts the next one's faults.
    pub fn reset(&self, seed: u64) {
        *self.rng.borrow_mut() = Rng::new(seed ^ 0x5eed_f00d_0bad_cafe);
        self.faulty.set(false);
        self.held.borrow_mut().clear();
        self.sent.borrow_mut().clear();
        self.results.borrow_mut().clear();
        self.anomalies.borrow_mut().clear();
        self.trace.borrow_mut().clear();
    }

    pub fn log(&self, line: String) {
        if self.verbose {
            eprintln!("  {line}");
        }
        self.trace.borrow_mut().push(line);
    }

    pub fn anomaly(&self, line: String) {
        self.log(format!("ANOMALY {line}"));
        self.anomalies.borrow_mut().push(line);
    }

    pub fn base(&self) -> String {
        self.server.borrow().base()
    }

    pub fn client(&self) -> reqwest::Client {
        self.client.borrow().clone()
    }

    /// Crashes and restarts the server; connections kept by the client died
    /// with it, so the client starts afresh too.
    pub fn restart(&self) {
        let same_port = self.rng.borrow_mut().chance(50);
        self.server.borrow_mut().restart(same_port);
        *self.client.borrow_mut() = new_client();
        self.log(format!("server restarted at {} (same port: {same_port})", self.base()));
    }

    /// Delivers one request to the server for real.
    pub async fn deliver(&self, s: &Sent) -> Result<SyncResponse, TransportError> {
        let url = format!("{}/api/v1/sync", self.base());
        let res = match self.client().post(url).bearer_auth(&s.token).json(&s.req).send().await {
            Ok(r) => r,
            Err(e) => {
                self.anomaly(format!("phone {} request failed on a healthy network: {e}", s.phone));
                return Err(TransportError::Unreachable(e.to_string()));
            }
        };
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        if status == 200 {
            match serde_json::from_str::<SyncResponse>(&text) {
                Ok(resp) => {
                    self.results.borrow_mut().extend(resp.results.iter().cloned());
                    Ok(resp)
                }
                Err(e) => {
                    self.anomaly(format!("unreadable sync answer ({e}): {text}"));
                    Err(TransportError::Unreachable(e.to_string()))
                }
            }
        } else {
            self.anomaly(format!("phone {}: HTTP {status}: {text}", s.phone));
            if status == 401 {
                return Err(TransportError::Unauthorized);
            }
            let error = serde_json::from_str::<ApiError>(&text).unwrap_or(ApiError {
                error: "http".into(),
                message: text,
                fields: Vec::new(),
            });
            Err(TransportError::Rejected { status, error })
        }
    }

    /// Delivers one of the held requests (if any), answer discarded.
    pub async fn deliver_held(&self, which: usize) {
        let s = {
            let mut held = self.held.borrow_mut();
            if held.is_empty() {
                return;
            }
            let i = which % held.len();
            held.remove(i)
        };
        self.log(format!("late delivery of phone {}'s request {}", s.phone, ids(&s.req)));
        let _ = self.deliver(&s).await;
    }
}

/// The mutation ids in a request, for the trace.
pub fn ids(req: &SyncRequest) -> String {
    let v: Vec<&str> = req.push.iter().map(|m| m.id.rsplit_once(':').map(|(_, s)| s).unwrap_or("")).collect();
    format!("[{}]", v.join(","))
}

/// One phone's view of the network.
pub struct Phone<'a> {
    pub net: &'a Net,
    pub idx: usize,
    pub token: String,
}

impl Transport for Phone<'_> {
    async fn sync(&self, req: &SyncRequest) -> Result<SyncResponse, TransportError> {
        let net = self.net;
        let fault = if net.faulty.get() { net.rng.borrow_mut().weighted(FAULTS) } else { Fault::None };
        let s = Sent { phone: self.idx, token: self.token.clone(), req: req.clone() };
        net.sent.borrow_mut().push(s.clone());
        net.log(format!("phone {} sends {} cursor {:?}: {fault:?}", self.idx, ids(req), req.cursor));
        let lost = || Err(TransportError::Unreachable(format!("{fault:?}")));
        match fault {
            Fault::None => net.deliver(&s).await,
            Fault::DropRequest => lost(),
            Fault::DropResponse => {
                let _ = net.deliver(&s).await;
                lost()
            }
            Fault::DuplicateNow => {
                let _ = net.deliver(&s).await;
                net.deliver(&s).await
            }
            Fault::DuplicateLater => {
                let r = net.deliver(&s).await;
                net.held.borrow_mut().push(s);
                r
            }
            Fault::Reorder => {
                net.held.borrow_mut().push(s);
                lost()
            }
            Fault::RestartBefore => {
                net.restart();
                lost()
            }
            Fault::RestartAfter => {
                let _ = net.deliver(&s).await;
                net.restart();
                lost()
            }
        }
    }
}
