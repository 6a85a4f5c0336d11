//! Mounts the app; everything else lives in the library so browser tests can
//! reach it.

fn main() {
    sothon::start();
}
