//! The phone's side of sync: a durable outbox over a key-value [`Store`] and a
//! push/pull round trip over a [`Transport`]. No web-sys and no tokio: the PWA
//! plugs in localStorage and `fetch`, the tests plug in memory and HTTP.
//!
//! What a person sees follows what is stored, never what is hoped:
//!
//! * a record is "saved on this phone" only after [`Engine::submit`] returned
//!   `Ok` — every write it made succeeded;
//! * it leaves the outbox only when the server's acknowledgement (sent after
//!   its commit) is applied by [`Engine::apply_response`];
//! * the sequence number is reserved *before* the mutation is written, so a
//!   crash between writes can waste a number but never reuse one (a reused
//!   id would make the server drop a different edit as a duplicate).

mod engine;
mod store;

pub use engine::{
    backoff_ms, Engine, LocalRecord, LocalState, Parsed, SyncError, SyncSummary, Transport, TransportError,
};
pub use store::{MemStore, Store, StoreError};

pub mod testkit;
