//! Frozen migration `m20261122_000004_collection_chunk_compression`: never edited once landed.

use sea_orm_migration::prelude::*;

/// Stored treasury files compressed with LZ4 where the server has it: fixed-width records
/// padded with blanks and zeros shrink to a fraction, so storing a file and reading it back
/// writes and reads far less (see [`seip_runtime::migration::compress_fast`]).
#[derive(Debug)]
pub(super) struct M20261122ChunkCompression;

impl MigrationName for M20261122ChunkCompression {
    fn name(&self) -> &str {
        "m20261122_000004_collection_chunk_compression"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261122ChunkCompression {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        seip_runtime::migration::compress_fast(
            manager.get_connection(),
            "treasury_file_chunk",
            "bytes",
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() == sea_orm::DbBackend::Postgres {
            db.execute_unprepared(
                "ALTER TABLE treasury_file_chunk ALTER COLUMN bytes SET STORAGE EXTERNAL",
            )
            .await?;
        }
        Ok(())
    }
}
