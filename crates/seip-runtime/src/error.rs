//! The error every application service returns, mapped once to a gRPC status.
//!
//! Messages speak in the caller's terms and name the field; they never carry personal data
//! (resident numbers, names, phone numbers, addresses).

use seip_core::InvalidField;
use seip_rules::RuleError;

/// What went wrong, by kind; each kind maps to one `tonic::Code`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed: names the field.
    #[error("{0}")]
    InvalidArgument(String),
    /// A referenced record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with a record that exists (or an idempotency key reused for
    /// another request).
    #[error("{0}")]
    AlreadyExists(String),
    /// The system is not in a state that allows the request.
    #[error("{0}")]
    FailedPrecondition(String),
    /// A concurrent writer changed the same records first; the whole unit of work is safe to
    /// retry.
    #[error("{0}")]
    Conflict(String),
    /// A database failure; the detail is logged, not returned.
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Anything else unexpected; the detail is logged, not returned.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// A malformed field.
    pub fn invalid(field: &str, reason: impl std::fmt::Display) -> Self {
        Self::InvalidArgument(format!("{field}: {reason}"))
    }

    /// A missing record.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::NotFound(what.to_string())
    }
}

impl From<InvalidField> for AppError {
    fn from(e: InvalidField) -> Self {
        Self::InvalidArgument(e.to_string())
    }
}

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::InvalidFact { .. } => Self::InvalidArgument(e.to_string()),
            RuleError::Overflow { .. } => Self::Internal(e.to_string()),
            #[allow(unreachable_patterns, reason = "RuleError may grow")]
            _ => Self::InvalidArgument(e.to_string()),
        }
    }
}

impl From<AppError> for tonic::Status {
    fn from(e: AppError) -> Self {
        match e {
            AppError::InvalidArgument(m) => tonic::Status::invalid_argument(m),
            AppError::NotFound(m) => tonic::Status::not_found(m),
            AppError::AlreadyExists(m) => tonic::Status::already_exists(m),
            AppError::FailedPrecondition(m) => tonic::Status::failed_precondition(m),
            AppError::Conflict(m) => tonic::Status::aborted(m),
            AppError::Database(err) => {
                tracing::error!(error = %err, "database error");
                tonic::Status::unavailable(
                    "database unavailable; retry with the same idempotency key",
                )
            }
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                tonic::Status::internal("internal error")
            }
        }
    }
}

/// Result of an application service call.
pub type AppResult<T> = Result<T, AppError>;
