//! Frozen migration `m20261208_000001_assessment_notices`: never edited once landed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use seip_runtime::migration::{allow_only, drop_allow_only};

/// Document kinds as this migration knows them.
pub(crate) const DOCUMENT_KINDS: &[&str] = &[
    "tax_notice",
    "demand_notice",
    "arrears_guidance",
    "admin_fine_notice",
    "refund_notice",
    "list_prior_notice",
];
/// Notice sources as this migration knows them.
pub(crate) const NOTICE_SOURCES: &[&str] = &["assessment", "arrears_enforcement", "clerk"];
/// Tax items as this migration knows them: the known-states migration's and enforcement
/// costs, which a demand may name.
pub(crate) const TAX_ITEMS: &[&str] = &[
    "automobile_tax",
    "local_education_tax",
    "resident_tax_individual",
    "resident_tax_premises",
    "resident_tax_payroll",
    "admin_fine",
    "enforcement_cost",
];

#[derive(DeriveIden)]
enum Notice {
    Table,
    Id,
    TenantCode,
    TaxpayerId,
    Kind,
    Source,
    Reference,
    IssuedOn,
    Deadline,
    TotalWon,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NoticeItem {
    Table,
    NoticeId,
    LineNo,
    BillId,
    TaxItem,
    Basis,
    EPaymentNumber,
    VirtualAccount,
    DueDate,
    PrincipalWon,
    LateChargeWon,
}

/// Notices handed over for delivery (송달): what each says and which bills it names, one
/// per kind, sender and the sender's reference.
#[derive(Debug)]
pub(super) struct M20261208Notices;

impl MigrationName for M20261208Notices {
    fn name(&self) -> &str {
        "m20261208_000001_assessment_notices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261208Notices {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notice::Table)
                    .col(uuid(Notice::Id).primary_key())
                    .col(string_len(Notice::TenantCode, 5))
                    .col(uuid(Notice::TaxpayerId))
                    .col(string(Notice::Kind))
                    .col(string(Notice::Source))
                    .col(string(Notice::Reference))
                    .col(date(Notice::IssuedOn))
                    .col(date(Notice::Deadline))
                    .col(big_integer(Notice::TotalWon))
                    .col(timestamp_with_time_zone(Notice::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NoticeItem::Table)
                    .col(uuid(NoticeItem::NoticeId))
                    .col(small_integer(NoticeItem::LineNo))
                    .col(uuid_null(NoticeItem::BillId))
                    .col(string(NoticeItem::TaxItem))
                    .col(string(NoticeItem::Basis))
                    .col(string_len_null(NoticeItem::EPaymentNumber, 19))
                    .col(string_null(NoticeItem::VirtualAccount))
                    .col(date(NoticeItem::DueDate))
                    .col(big_integer(NoticeItem::PrincipalWon))
                    .col(big_integer(NoticeItem::LateChargeWon))
                    .primary_key(
                        Index::create()
                            .col(NoticeItem::NoticeId)
                            .col(NoticeItem::LineNo),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(NoticeItem::Table, NoticeItem::NoticeId)
                            .to(Notice::Table, Notice::Id),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for statement in [
            "CREATE UNIQUE INDEX notice_once ON notice (tenant_code, kind, source, reference)",
            "CREATE INDEX notice_taxpayer ON notice (tenant_code, taxpayer_id, id)",
            "CREATE INDEX notice_item_bill ON notice_item (bill_id)",
        ] {
            db.execute_unprepared(statement).await?;
        }
        allow_only(
            db,
            &[
                ("notice", "kind", DOCUMENT_KINDS),
                ("notice", "source", NOTICE_SOURCES),
                ("notice_item", "tax_item", TAX_ITEMS),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_allow_only(
            manager.get_connection(),
            &[
                ("notice", "kind", DOCUMENT_KINDS),
                ("notice", "source", NOTICE_SOURCES),
                ("notice_item", "tax_item", TAX_ITEMS),
            ],
        )
        .await?;
        manager
            .drop_table(Table::drop().table(NoticeItem::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Notice::Table).to_owned())
            .await
    }
}
