//! The error every application service returns, mapped once to a gRPC status.
//!
//! A status carries, besides its code and message, a `google.rpc.ErrorInfo` whose `reason`
//! is a stable, machine-readable name (`BILL_NOT_FOUND`, `FILE_CONFLICT`, …) that clients
//! branch on instead of parsing messages, and for a malformed request a `google.rpc.BadRequest`
//! naming the field. Each service declares its own reasons in one enum implementing
//! [`ServiceError`]; the runtime's own (a reused idempotency key, a concurrent update, a
//! database that does not answer) live here.
//!
//! Messages speak in the caller's terms and name the field; they never carry personal data
//! (resident numbers, names, phone numbers, addresses).

use seip_core::InvalidField;
use seip_rules::RuleError;
use tonic::Code;
use tonic_types::{ErrorDetails, StatusExt};

/// The `ErrorInfo.domain` of every Seip error.
pub const ERROR_DOMAIN: &str = "seip";

/// Reasons the runtime itself gives (services add their own through [`ServiceError`]).
pub mod reason {
    /// A field of the request is malformed; a `BadRequest` names it.
    pub const INVALID_FIELD: &str = "INVALID_FIELD";
    /// The idempotency key was already used for a different request.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    /// Another writer changed the same records first; the call is safe to retry as it is.
    pub const CONCURRENT_UPDATE: &str = "CONCURRENT_UPDATE";
    /// The database could not be reached; the call is safe to retry as it is.
    pub const DATABASE_UNAVAILABLE: &str = "DATABASE_UNAVAILABLE";
    /// Something that should not happen did; the detail is in the service's log.
    pub const INTERNAL: &str = "INTERNAL";
    /// A computation left the range of representable won.
    pub const AMOUNT_OUT_OF_RANGE: &str = "AMOUNT_OUT_OF_RANGE";
}

/// A service's own failure: the gRPC code it maps to and its stable reason. The message is
/// the error's `Display`. Every service has one enum implementing this; `?` turns it into an
/// [`AppError`].
pub trait ServiceError: std::fmt::Display {
    /// The gRPC code.
    fn code(&self) -> Code;
    /// The stable `ErrorInfo.reason`, in `UPPER_SNAKE_CASE`.
    fn reason(&self) -> &'static str;
}

/// A failure with a code and reason chosen by the service that rejected the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The gRPC code.
    pub code: Code,
    /// The stable `ErrorInfo.reason`.
    pub reason: &'static str,
    /// What went wrong, in the caller's terms.
    pub message: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What went wrong, by kind.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A field of the request is malformed.
    #[error("{}: {}", .0.field, .0.reason)]
    InvalidField(InvalidField),
    /// A service refused the call for a reason of its own (not found, already exists, not
    /// allowed in this state, a malformed file, …).
    #[error("{0}")]
    Rejected(Rejection),
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
        Self::InvalidField(InvalidField::new(field, reason.to_string()))
    }

    /// The stable reason this error reports to the caller.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::InvalidField(_) => reason::INVALID_FIELD,
            Self::Rejected(r) => r.reason,
            Self::Conflict(_) => reason::CONCURRENT_UPDATE,
            Self::Database(e) => match classify(e) {
                DbFailure::Conflict => reason::CONCURRENT_UPDATE,
                DbFailure::Unavailable => reason::DATABASE_UNAVAILABLE,
                DbFailure::Other => reason::INTERNAL,
            },
            Self::Internal(_) => reason::INTERNAL,
        }
    }
}

impl<E: ServiceError> From<E> for AppError {
    fn from(e: E) -> Self {
        Self::Rejected(Rejection {
            code: e.code(),
            reason: e.reason(),
            message: e.to_string(),
        })
    }
}

impl From<InvalidField> for AppError {
    fn from(e: InvalidField) -> Self {
        Self::InvalidField(e)
    }
}

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::InvalidFact { fact, reason } => {
                Self::InvalidField(InvalidField::new(fact, reason))
            }
            RuleError::Overflow { .. } => Self::Rejected(Rejection {
                code: Code::InvalidArgument,
                reason: reason::AMOUNT_OUT_OF_RANGE,
                message: e.to_string(),
            }),
            #[allow(unreachable_patterns, reason = "RuleError may grow")]
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// What a database failure means for the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// Lost a race: a unique index took another writer's row first, a serialisation failure,
    /// a deadlock, a busy SQLite file. Retrying the same call (same idempotency key) is safe.
    Conflict,
    /// The database did not answer: no connection, a broken one, the pool exhausted or closed.
    Unavailable,
    /// Anything else: a bug or a corrupt row.
    Other,
}

/// Classify a database error by what the caller can do about it.
pub fn classify(e: &sea_orm::DbErr) -> DbFailure {
    use sea_orm::{DbErr, RuntimeErr, SqlErr};
    if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return DbFailure::Conflict;
    }
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return DbFailure::Unavailable,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::Conn(_) => return DbFailure::Unavailable,
        _ => return DbFailure::Other,
    };
    use sea_orm::sqlx::Error as X;
    use sea_orm::sqlx::sqlite::SqliteError;
    match &**sqlx {
        X::Io(_) | X::Tls(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed => {
            DbFailure::Unavailable
        }
        X::Database(d) if d.try_downcast_ref::<SqliteError>().is_some() => {
            if d.code().as_deref().is_some_and(sqlite_busy) {
                DbFailure::Conflict
            } else {
                DbFailure::Other
            }
        }
        X::Database(d) => match d.code().as_deref() {
            // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available; then
            // admin or crash shutdown and cannot_connect_now (the server is going away).
            Some("40001" | "40P01" | "55P03") => DbFailure::Conflict,
            // Connection exceptions (08…), insufficient resources (53…: too many
            // connections, out of memory or disk), a statement cancelled or timed out
            // (57014), the server shutting down or starting (57P01–57P03).
            Some(c) if c.starts_with("08") || c.starts_with("53") => DbFailure::Unavailable,
            Some("57014" | "57P01" | "57P02" | "57P03") => DbFailure::Unavailable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// Whether a SQLite result code is busy (5) or locked (6): the primary code is the low byte
/// of an extended one.
fn sqlite_busy(code: &str) -> bool {
    code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
}

fn status(code: Code, message: String, reason: &'static str) -> tonic::Status {
    tonic::Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(reason, ERROR_DOMAIN, []),
    )
}

impl From<AppError> for tonic::Status {
    fn from(e: AppError) -> Self {
        let reason = e.reason();
        match e {
            AppError::InvalidField(f) => {
                let mut details = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, []);
                details.add_bad_request_violation(&f.field, &f.reason);
                tonic::Status::with_error_details(
                    Code::InvalidArgument,
                    format!("{}: {}", f.field, f.reason),
                    details,
                )
            }
            AppError::Rejected(r) => status(r.code, r.message, reason),
            AppError::Conflict(m) => status(Code::Aborted, m, reason),
            AppError::Database(err) => match classify(&err) {
                DbFailure::Conflict => {
                    tracing::info!(error = %err, "database conflict; the caller may retry");
                    status(
                        Code::Aborted,
                        "another request changed the same records; retry with the same idempotency key".into(),
                        reason,
                    )
                }
                DbFailure::Unavailable => {
                    tracing::error!(error = %err, "database unavailable");
                    status(
                        Code::Unavailable,
                        "database unavailable; retry with the same idempotency key".into(),
                        reason,
                    )
                }
                DbFailure::Other => {
                    tracing::error!(error = %err, "database error");
                    status(Code::Internal, "internal error".into(), reason)
                }
            },
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                status(Code::Internal, "internal error".into(), reason)
            }
        }
    }
}

/// Result of an application service call.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Missing;

    impl std::fmt::Display for Missing {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bill_id: no such bill")
        }
    }

    impl ServiceError for Missing {
        fn code(&self) -> Code {
            Code::NotFound
        }
        fn reason(&self) -> &'static str {
            "BILL_NOT_FOUND"
        }
    }

    #[test]
    fn a_service_reason_reaches_the_status() {
        let s = tonic::Status::from(AppError::from(Missing));
        assert_eq!(s.code(), Code::NotFound);
        assert_eq!(s.message(), "bill_id: no such bill");
        let info = s.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, "BILL_NOT_FOUND");
        assert_eq!(info.domain, ERROR_DOMAIN);
    }

    #[test]
    fn a_bad_field_is_named_in_bad_request() {
        let s = tonic::Status::from(AppError::invalid("tenant_code", "5 digits"));
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "tenant_code: 5 digits");
        assert_eq!(
            s.get_details_error_info().expect("ErrorInfo").reason,
            reason::INVALID_FIELD
        );
        let bad = s.get_details_bad_request().expect("BadRequest");
        assert_eq!(bad.field_violations.len(), 1);
        assert_eq!(bad.field_violations[0].field, "tenant_code");
        assert_eq!(bad.field_violations[0].description, "5 digits");
    }

    #[test]
    fn database_failures_are_classified() {
        use sea_orm::{DbErr, RuntimeErr};
        let io = |kind: std::io::ErrorKind| {
            DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
                sea_orm::sqlx::Error::Io(kind.into()),
            )))
        };
        assert_eq!(
            classify(&io(std::io::ErrorKind::ConnectionReset)),
            DbFailure::Unavailable
        );
        assert_eq!(
            classify(&DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
            DbFailure::Unavailable
        );
        assert_eq!(classify(&DbErr::Custom("corrupt".into())), DbFailure::Other);
        let s = tonic::Status::from(AppError::Database(io(std::io::ErrorKind::BrokenPipe)));
        assert_eq!(s.code(), Code::Unavailable);
        assert_eq!(
            s.get_details_error_info().expect("ErrorInfo").reason,
            reason::DATABASE_UNAVAILABLE
        );
        let s = tonic::Status::from(AppError::Database(DbErr::Custom("corrupt".into())));
        assert_eq!(s.code(), Code::Internal);
        assert_eq!(s.message(), "internal error");
    }

    #[test]
    fn sqlite_busy_codes_are_recognised() {
        assert!(sqlite_busy("5"));
        assert!(sqlite_busy("517")); // SQLITE_BUSY_SNAPSHOT
        assert!(sqlite_busy("6"));
        assert!(!sqlite_busy("2067")); // SQLITE_CONSTRAINT_UNIQUE
        assert!(!sqlite_busy("23505"));
    }
}
