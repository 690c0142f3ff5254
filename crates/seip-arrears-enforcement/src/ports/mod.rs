//! The outside world arrears enforcement talks to: each a trait, a client of the real
//! system's protocol, and a simulator speaking the same protocol for tests and the demo.

pub mod registry;
