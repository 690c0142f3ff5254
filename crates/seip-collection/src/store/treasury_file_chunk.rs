//! `treasury_file_chunk`: the data records of an imported file, as received (200 bytes each, no CRLF), in chunks that are applied one transaction each.

use sea_orm::entity::prelude::*;

/// A `treasury_file_chunk` row.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "treasury_file_chunk")]
pub struct Model {
    /// Import.
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: Uuid,
    /// Chunk number from 0.
    #[sea_orm(primary_key, auto_increment = false)]
    pub chunk_no: i32,
    /// Serial of the first record.
    pub first_serial: i32,
    /// Records in the chunk.
    pub records: i32,
    /// The records.
    pub bytes: Vec<u8>,
    /// True when a record of the chunk is a cancellation (`C`): it is applied only after
    /// every chunk before it.
    pub has_cancel: bool,
    /// Applied (in the transaction that applied it).
    pub applied: bool,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
