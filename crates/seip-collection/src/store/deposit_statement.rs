//! `deposit_statement`: one imported revenue-account deposit statement (세입계좌 입금내역).

use prost::Message;
use sea_orm::entity::prelude::*;
use seip_proto::collection::v1 as pb;
use seip_runtime::error::{AppError, AppResult};

use crate::domain::reconciliation::StatementImported;
use crate::wire::{statement_imported_from_proto, statement_imported_to_proto};

/// A `deposit_statement` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "deposit_statement")]
pub struct Model {
    /// Statement id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Municipality.
    pub tenant_code: String,
    /// SHA-256 of the bytes.
    pub sha256: String,
    /// Key of the call that imported it.
    pub idempotency_key: String,
    /// File name as received.
    pub file_name: String,
    /// Deposit lines.
    pub lines: i64,
    /// Sum of the lines.
    pub total_won: i64,
    /// The answer its import gave, as the client received it (see [`answer_to_keep`]).
    pub response: Vec<u8>,
    /// When imported.
    pub imported_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The answer to keep with a statement, to give again to a repeat of it: the response as
/// the client received it (`ImportDepositStatementResponse`), so that the repeat's answer is
/// the first one to the byte, whichever version of Seip gave it.
pub fn answer_to_keep(answer: &StatementImported) -> Vec<u8> {
    statement_imported_to_proto(answer).encode_to_vec()
}

/// The answer `statement`'s import gave; an error names the statement when it does not read.
pub fn first_answer(statement: &Model) -> AppResult<StatementImported> {
    let kept =
        pb::ImportDepositStatementResponse::decode(statement.response.as_slice()).map_err(|e| {
            AppError::Internal(format!(
                "deposit statement {}: its kept answer: {e}",
                statement.id
            ))
        })?;
    statement_imported_from_proto(&kept).map_err(|e| {
        AppError::Internal(format!(
            "deposit statement {}: its kept answer: {e}",
            statement.id
        ))
    })
}
