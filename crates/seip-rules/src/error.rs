//! Typed errors for facts a rule cannot accept.

/// A fact that a rule cannot accept. The message names the fact and what was expected;
/// it never carries personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A fact is outside the range the law (or common sense) allows.
    #[error("invalid {fact}: {reason}")]
    InvalidFact {
        /// Name of the fact, as the caller knows it (e.g. `displacement_cc`).
        fact: &'static str,
        /// What was expected.
        reason: String,
    },
    /// A computation would leave the range of representable won.
    #[error("amount overflow computing {what}")]
    Overflow {
        /// What was being computed.
        what: &'static str,
    },
}

impl RuleError {
    pub(crate) fn invalid(fact: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidFact {
            fact,
            reason: reason.into(),
        }
    }
}
