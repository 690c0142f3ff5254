//! Why collection refuses a call: one variant per reason a client can act on, each with its
//! gRPC code and stable `ErrorInfo.reason`. Malformed fields, reused idempotency keys of the
//! common kind and database failures are the runtime's ([`seip_runtime::error`]).

use chrono::NaiveDate;
use seip_runtime::error::AppError;
use seip_runtime::error::ServiceError;
use tonic::Code;
use uuid::Uuid;

/// Collection's own refusals.
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    /// The treasury file breaks the bank's format; names the line and field.
    #[error("treasury file: {0}")]
    MalformedTreasuryFile(String),
    /// The bank's file of this date and sequence was already imported with other bytes.
    #[error(
        "treasury file: bank {bank_code} date {accounting_date} sequence {file_seq:04} was already imported with different content"
    )]
    FileConflict {
        /// The bank.
        bank_code: String,
        /// The accounting date of the file.
        accounting_date: NaiveDate,
        /// The file's sequence on that date.
        file_seq: u32,
    },
    /// The deposit statement breaks its format; names the line and column.
    #[error("deposit statement: {0}")]
    MalformedDepositStatement(String),
    /// The idempotency key was already used for another deposit statement.
    #[error("idempotency_key: {key} was used for another deposit statement ({file_name})")]
    DepositStatementKeyReused {
        /// The key.
        key: String,
        /// The statement first sent under it.
        file_name: String,
    },
    /// No import with this id in the municipality.
    #[error("import_id: no import {0} in this municipality")]
    ImportNotFound(Uuid),
    /// No bill with this electronic payment number in the municipality.
    #[error("e_payment_number: no bill with this number in this municipality")]
    BillNotFound,
    /// No receipt with this id in the municipality.
    #[error("receipt_id: no receipt {0}")]
    ReceiptNotFound(Uuid),
    /// The receipt repeats a bank receipt id already posted: it is settled with the bank.
    #[error(
        "receipt_id: {receipt_id} repeats bank receipt id {bank_receipt_id} that was already posted; it is settled with the bank, not assigned to a bill"
    )]
    DuplicateReceipt {
        /// The receipt.
        receipt_id: Uuid,
        /// The bank's id it repeats.
        bank_receipt_id: String,
    },
    /// The receipt holds no money in suspense.
    #[error(
        "receipt_id: {receipt_id} holds no money in suspense to assign ({suspense_won} won; a cancellation debit is settled with the bank, not assigned)"
    )]
    NothingInSuspense {
        /// The receipt.
        receipt_id: Uuid,
        /// What it holds in suspense.
        suspense_won: i64,
    },
    /// No reconciliation exception with this id in the municipality.
    #[error("exception_id: no exception {0}")]
    ExceptionNotFound(Uuid),
    /// The exception was already resolved.
    #[error("exception_id: {id} was already resolved by {resolved_by}")]
    ExceptionAlreadyResolved {
        /// The exception.
        id: Uuid,
        /// The operator who resolved it.
        resolved_by: String,
    },
    /// The client stopped sending a treasury file part way: the upload is dropped.
    #[error(
        "treasury file: nothing arrived for {seconds} s; the upload was dropped, nothing stored"
    )]
    UploadStalled {
        /// The idle limit.
        seconds: u64,
    },
    /// As many treasury files as the service takes at once are being uploaded.
    #[error("treasury file: {limit} uploads are under way already; retry shortly")]
    TooManyUploads {
        /// The limit.
        limit: usize,
    },
    /// The same record already has a proposal awaiting a decision.
    #[error(
        "{subject}: already proposed (proposal {proposal_id}), awaiting a supervisor's decision"
    )]
    AlreadyProposed {
        /// The record.
        subject: String,
        /// The pending proposal.
        proposal_id: Uuid,
    },
    /// No proposal with this id in the municipality.
    #[error("proposal_id: no proposal {0}")]
    ProposalNotFound(Uuid),
    /// The proposal was decided already.
    #[error("proposal_id: {id} was already {state} by {by}")]
    ProposalDecided {
        /// The proposal.
        id: Uuid,
        /// `approved` or `rejected`.
        state: String,
        /// Who decided it.
        by: String,
    },
    /// Four eyes: the person who proposed may not decide.
    #[error("{subject} proposed {id}; another supervisor must decide it")]
    ApproverIsProposer {
        /// The caller.
        subject: String,
        /// The proposal.
        id: Uuid,
    },
    /// What the proposal would move changed since it was proposed.
    #[error(
        "proposal_id: {id} was for {proposed} won, but it now moves {now} won; reject it and propose again"
    )]
    ProposalStale {
        /// The proposal.
        id: Uuid,
        /// The amount proposed.
        proposed: i64,
        /// The amount now.
        now: i64,
    },
    /// A month accrues once its last day has come.
    #[error("month: {month} ends on {as_of}; it accrues from then on (today is {today})")]
    AccrualMonthNotEnded {
        /// The month asked for, `YYYY-MM`.
        month: String,
        /// Its last day.
        as_of: NaiveDate,
        /// The business date today.
        today: NaiveDate,
    },
    /// A later month's accrual carried the charges past this month already.
    #[error("month: {later} has accrued already, carrying the increments of {month} with it")]
    AccrualSuperseded {
        /// The month asked for.
        month: String,
        /// The later month that ran.
        later: String,
    },
    /// An earlier month's accrual stopped part way: its increments are not all raised.
    #[error(
        "month: the accrual of {earlier} stopped part way; run {earlier} to its end before {month}"
    )]
    AccrualUnfinished {
        /// The month asked for.
        month: String,
        /// The earlier month not finished.
        earlier: String,
    },
    /// A due date can be closed only once it has passed.
    #[error("due_date: {due_date} has not passed yet (today is {today})")]
    DueDateNotPassed {
        /// The due date asked for.
        due_date: NaiveDate,
        /// The business date today.
        today: NaiveDate,
    },
}

impl ServiceError for CollectionError {
    fn code(&self) -> Code {
        match self {
            Self::MalformedTreasuryFile(_) | Self::MalformedDepositStatement(_) => {
                Code::InvalidArgument
            }
            Self::FileConflict { .. } | Self::DepositStatementKeyReused { .. } => {
                Code::AlreadyExists
            }
            Self::ImportNotFound(_)
            | Self::BillNotFound
            | Self::ReceiptNotFound(_)
            | Self::ExceptionNotFound(_)
            | Self::ProposalNotFound(_) => Code::NotFound,
            Self::DuplicateReceipt { .. }
            | Self::NothingInSuspense { .. }
            | Self::ExceptionAlreadyResolved { .. }
            | Self::DueDateNotPassed { .. }
            | Self::AccrualMonthNotEnded { .. }
            | Self::AccrualSuperseded { .. }
            | Self::AccrualUnfinished { .. }
            | Self::AlreadyProposed { .. }
            | Self::ProposalDecided { .. }
            | Self::ProposalStale { .. } => Code::FailedPrecondition,
            Self::ApproverIsProposer { .. } => Code::PermissionDenied,
            Self::UploadStalled { .. } => Code::DeadlineExceeded,
            Self::TooManyUploads { .. } => Code::ResourceExhausted,
        }
    }

    fn reason(&self) -> &'static str {
        match self {
            Self::MalformedTreasuryFile(_) => "MALFORMED_TREASURY_FILE",
            Self::FileConflict { .. } => "FILE_CONFLICT",
            Self::MalformedDepositStatement(_) => "MALFORMED_DEPOSIT_STATEMENT",
            Self::DepositStatementKeyReused { .. } => {
                seip_runtime::error::reason::IDEMPOTENCY_KEY_REUSED
            }
            Self::ImportNotFound(_) => "IMPORT_NOT_FOUND",
            Self::BillNotFound => "BILL_NOT_FOUND",
            Self::ReceiptNotFound(_) => "RECEIPT_NOT_FOUND",
            Self::DuplicateReceipt { .. } => "DUPLICATE_RECEIPT",
            Self::NothingInSuspense { .. } => "NOTHING_IN_SUSPENSE",
            Self::ExceptionNotFound(_) => "EXCEPTION_NOT_FOUND",
            Self::ExceptionAlreadyResolved { .. } => "EXCEPTION_ALREADY_RESOLVED",
            Self::DueDateNotPassed { .. } => "DUE_DATE_NOT_PASSED",
            Self::AccrualMonthNotEnded { .. } => "ACCRUAL_MONTH_NOT_ENDED",
            Self::AccrualSuperseded { .. } => "ACCRUAL_SUPERSEDED",
            Self::AccrualUnfinished { .. } => "ACCRUAL_UNFINISHED",
            Self::UploadStalled { .. } => "UPLOAD_STALLED",
            Self::TooManyUploads { .. } => "TOO_MANY_UPLOADS",
            Self::AlreadyProposed { .. } => "ALREADY_PROPOSED",
            Self::ProposalNotFound(_) => "PROPOSAL_NOT_FOUND",
            Self::ProposalDecided { .. } => "PROPOSAL_DECIDED",
            Self::ApproverIsProposer { .. } => "APPROVER_IS_PROPOSER",
            Self::ProposalStale { .. } => "PROPOSAL_STALE",
        }
    }
}

/// A rule of law that failed on facts collection stored itself (a late charge, an allocation):
/// not the caller's doing, so internal.
pub(crate) fn rule(e: seip_rules::RuleError) -> AppError {
    AppError::Internal(format!("late charge: {e}"))
}

/// A treasury file that breaks the bank's format, naming the line and field.
pub(crate) fn feed_error(e: crate::domain::feed::FeedError) -> AppError {
    CollectionError::MalformedTreasuryFile(e.to_string()).into()
}
