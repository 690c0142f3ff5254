//! The outside world assessment talks to when it delivers notices: each a trait, a client of
//! the real system's protocol, and a simulator speaking the same protocol for tests and the
//! demo.

pub mod receivables;
pub mod relay;
