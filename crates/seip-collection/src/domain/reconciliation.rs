//! Reconciliation (specs/treasury-feed.md §4): whether the bank's deposits bear out the
//! treasury files of a tenant, bank and accounting date, and what a deposit statement's
//! import found for each day it touched.

use chrono::NaiveDate;
use uuid::Uuid;

/// Where a file, or a day's files, stand against the deposits (`treasury_import.reconciliation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sea_orm::DeriveValueType)]
#[sea_orm(value_type = "String")]
pub enum Reconciliation {
    /// No deposit names the file yet, or a file the deposits name is still being applied.
    AwaitingDeposit,
    /// Deposits equal the files: stamped.
    Reconciled,
    /// Deposits differ: an exception blocks stamping.
    Exception,
    /// An operator resolved the exception: stamped.
    Resolved,
}

seip_core::stored_names!(Reconciliation {
    AwaitingDeposit => "awaiting_deposit",
    Reconciled => "reconciled",
    Exception => "exception",
    Resolved => "resolved",
});

/// One day's reconciliation, as a deposit statement (or a file finishing) left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayReconciliation {
    /// Treasury bank code.
    pub bank_code: String,
    /// Accounting date.
    pub accounting_date: NaiveDate,
    /// Sum of the day's deposit lines, won.
    pub deposited_won: i64,
    /// Sum of the trailer totals of the files the deposits name, won (zero until every one
    /// of them is applied).
    pub files_total_won: i64,
    /// Awaiting deposit (or a file), reconciled, or an exception.
    pub status: Reconciliation,
    /// Files stamped now.
    pub files_stamped: i32,
    /// Receipts stamped now.
    pub receipts_stamped: i64,
    /// The exception opened or updated, when deposits and files differ.
    pub exception_id: Option<Uuid>,
}

/// What importing a deposit statement found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementImported {
    /// The statement.
    pub statement_id: Uuid,
    /// True when the same statement had been imported before: the answer is the first one.
    pub already_imported: bool,
    /// Deposit lines.
    pub lines: i64,
    /// Sum of the lines, won.
    pub total_won: i64,
    /// One per bank and accounting date the statement touched.
    pub reconciliations: Vec<DayReconciliation>,
}
