//! `treasury_import`: one imported receipt-notice file.

use sea_orm::entity::prelude::*;

use crate::domain::reconciliation::Reconciliation;

/// An import row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treasury_import")]
pub struct Model {
    /// Import id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality (from the header).
    pub tenant_code: String,
    /// Treasury bank code.
    pub bank_code: String,
    /// 회계일자.
    pub accounting_date: Date,
    /// File sequence for the date.
    pub file_seq: i32,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
    /// File name as received.
    pub file_name: String,
    /// Data records.
    pub records: i64,
    /// Net total paid (trailer), won.
    pub total_won: i64,
    /// When the file was stored.
    pub imported_at: DateTimeUtc,
    /// `applying` or `applied`.
    pub status: ImportStatus,
    /// Whether the deposits bear the file out.
    pub reconciliation: Reconciliation,
    /// Chunks of records stored.
    pub chunks: i32,
    /// The header record as received.
    pub header_raw: Option<Vec<u8>>,
    /// The trailer record as received.
    pub trailer_raw: Option<Vec<u8>>,
    /// Whether the file ended with a CRLF after the trailer.
    pub final_crlf: bool,
    /// Records applied so far.
    pub records_applied: i64,
    /// Records that settled a bill exactly.
    pub paid_count: i64,
    /// Partial payments.
    pub partial_count: i64,
    /// Records that left an over-payment.
    pub overpaid_count: i64,
    /// Records that went to suspense.
    pub suspense_count: i64,
    /// Cancellations that reversed a receipt.
    pub cancelled_count: i64,
    /// Won applied to bills.
    pub applied_won: i64,
    /// Won held as over-payments.
    pub overpaid_won: i64,
    /// Won held in suspense.
    pub suspense_won: i64,
    /// When the last chunk was applied.
    pub finished_at: Option<DateTimeUtc>,
    /// Trace context of the upload: the job's batches join the uploader's trace.
    pub traceparent: String,
    /// Failures in a row of the part that quarantined the import.
    pub failures: i32,
    /// Why it was quarantined.
    pub last_error: Option<String>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How far the job applying a file has come (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum ImportStatus {
    /// Records are being applied.
    Applying,
    /// Every record applied.
    Applied,
    /// Given up after a part of the file failed the same way again and again (`last_error`);
    /// an operator retries it once the cause is put right.
    Quarantined,
}

seip_core::stored_names!(ImportStatus {
    Applying => "applying",
    Applied => "applied",
    Quarantined => "quarantined",
});
