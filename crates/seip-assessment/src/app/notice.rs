//! Notices: handed over by a levy, a demand or a clerk, kept once per kind, sender and
//! reference, and rendered for their recipient — whose name and address are opened from the
//! sealed taxpayer record only for the document, never returned or logged otherwise.

use std::sync::{Arc, OnceLock};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use seip_core::{BillId, EPaymentNumber, TaxpayerId, TenantCode, Won};
use seip_documents::Typeface;
use seip_runtime::config::NoticeSettings;
use seip_runtime::convert::fit;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::paging::PageRequest;
use uuid::Uuid;

use super::{AssessmentApp, taxpayer_field};
use crate::domain::delivery::NoticeDelivery;
use crate::domain::notice::{
    DocumentKind, Notice, NoticeContent, NoticeItem, NoticeSource, Recipient, compose,
};
use crate::error::AssessmentError;
use crate::store::{notice, notice_item, taxpayer};

/// The list `ListNotices` pages through (its tokens are bound to it).
pub const NOTICES_LIST: &str = "assessment.ListNotices";

/// The most items one notice may name.
pub const MAX_ITEMS: usize = 200;

/// The documents' configuration and the font, found on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct Documents {
    config: NoticeSettings,
    typeface: Arc<OnceLock<Result<Typeface, String>>>,
}

impl Documents {
    pub(crate) fn new(config: NoticeSettings) -> Self {
        Self {
            config,
            typeface: Arc::default(),
        }
    }

    pub(crate) fn issuer(&self, tenant: TenantCode) -> String {
        self.config
            .municipality(tenant.as_str())
            .issuer
            .unwrap_or_else(|| format!("지방자치단체({tenant})장"))
    }

    /// The sender a municipality's messages name.
    pub(crate) fn sender(&self, tenant: TenantCode) -> String {
        self.config
            .municipality(tenant.as_str())
            .sender
            .unwrap_or_else(|| format!("지방자치단체({tenant})"))
    }

    pub(crate) fn config(&self) -> &NoticeSettings {
        &self.config
    }

    pub(crate) fn typeface(&self) -> AppResult<&Typeface> {
        self.typeface
            .get_or_init(|| {
                Typeface::find(self.config.font_file.as_deref()).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| AssessmentError::FontMissing(e.clone()).into())
    }
}

/// A notice to hand over.
#[derive(Debug, Clone)]
pub struct NewNotice {
    /// Recipient.
    pub taxpayer_id: TaxpayerId,
    /// Who hands it over.
    pub source: NoticeSource,
    /// The sender's id of what it is for.
    pub reference: String,
    /// What it says.
    pub content: NoticeContent,
}

/// How a document is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentFormat {
    /// HTML for the phone.
    Html,
    /// PDF for paper.
    Pdf,
}

impl DocumentFormat {
    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentFormat::Html => "text/html; charset=utf-8",
            DocumentFormat::Pdf => "application/pdf",
        }
    }
}

/// Which notices a list shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoticeFilter {
    /// One taxpayer's.
    pub taxpayer_id: Option<TaxpayerId>,
    /// One kind.
    pub kind: Option<DocumentKind>,
}

/// What the law and the documents need of a notice's content; names the field at fault. A
/// deadline before the issue date is not refused: a notice served late moves its deadline
/// (C-5), which delivery records.
fn check(tenant: TenantCode, content: &NoticeContent) -> AppResult<()> {
    if content.items.is_empty() {
        return Err(AppError::invalid(
            "items",
            "a notice names at least one bill",
        ));
    }
    if content.items.len() > MAX_ITEMS {
        return Err(AppError::invalid(
            "items",
            format!("at most {MAX_ITEMS} on one notice"),
        ));
    }
    for (i, item) in content.items.iter().enumerate() {
        let field = |name: &str| format!("items[{i}].{name}");
        if item.principal.is_negative() || item.late_charge.is_negative() {
            return Err(AppError::invalid(
                &field("principal_won"),
                "amounts are not below zero",
            ));
        }
        if item.basis.chars().count() > 200 {
            return Err(AppError::invalid(&field("basis"), "at most 200 characters"));
        }
        match item.e_payment_number {
            Some(n) if n.tenant().ok() != Some(tenant) => {
                return Err(AppError::invalid(
                    &field("e_payment_number"),
                    format!("not a number of municipality {tenant}"),
                ));
            }
            None if content.kind.is_payable() => {
                return Err(AppError::invalid(
                    &field("e_payment_number"),
                    format!("a {} names how to pay each bill", content.kind),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

impl AssessmentApp {
    /// Keep a notice handed over, or return the one handed over before with the same kind,
    /// sender and reference.
    pub async fn submit_notice(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        new: NewNotice,
    ) -> AppResult<Notice> {
        if new.reference.trim().is_empty() || new.reference.len() > 100 {
            return Err(AppError::invalid("reference", "1 to 100 characters"));
        }
        check(tenant, &new.content)?;
        let existing = notice::Entity::find()
            .filter(notice::Column::TenantCode.eq(tenant.as_str()))
            .filter(notice::Column::Kind.eq(new.content.kind))
            .filter(notice::Column::Source.eq(new.source))
            .filter(notice::Column::Reference.eq(new.reference.as_str()))
            .one(txn)
            .await?;
        if let Some(n) = existing {
            return load(txn, n).await;
        }
        self.find_taxpayer(txn, tenant, new.taxpayer_id).await?;
        let id = Uuid::now_v7();
        let now = self.clock.now();
        let total = new.content.total();
        notice::ActiveModel {
            id: Set(id),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(new.taxpayer_id.uuid()),
            kind: Set(new.content.kind),
            source: Set(new.source),
            reference: Set(new.reference.clone()),
            issued_on: Set(new.content.issued_on),
            deadline: Set(new.content.deadline),
            total_won: Set(total.to_i64()),
            created_at: Set(now),
            delivery: Set(NoticeDelivery::Pending),
            served_on: Set(None),
            served_by: Set(None),
        }
        .insert(txn)
        .await?;
        let rows = new
            .content
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                Ok(notice_item::ActiveModel {
                    notice_id: Set(id),
                    line_no: Set(fit(i, "notice line_no")?),
                    bill_id: Set(item.bill_id.map(|b| b.uuid())),
                    tax_item: Set(item.tax_item),
                    basis: Set(item.basis.clone()),
                    e_payment_number: Set(item.e_payment_number.map(|n| n.to_string())),
                    virtual_account: Set(item.virtual_account.clone()),
                    due_date: Set(item.due_date),
                    principal_won: Set(item.principal.to_i64()),
                    late_charge_won: Set(item.late_charge.to_i64()),
                })
            })
            .collect::<AppResult<Vec<_>>>()?;
        notice_item::Entity::insert_many(rows).exec(txn).await?;
        tracing::info!(notice_id = %id, kind = %new.content.kind, source = %new.source, items = new.content.items.len(), total_won = total.to_i64(), "notice handed over");
        Ok(Notice {
            id,
            taxpayer_id: new.taxpayer_id,
            source: new.source,
            reference: new.reference,
            content: new.content,
            created_at: now,
            delivery: NoticeDelivery::Pending,
            served: None,
        })
    }

    /// Notice `id` of the municipality.
    pub async fn get_notice(&self, tenant: TenantCode, id: Uuid) -> AppResult<Notice> {
        let n = notice::Entity::find_by_id(id)
            .filter(notice::Column::TenantCode.eq(tenant.as_str()))
            .one(&self.db)
            .await?
            .ok_or(AssessmentError::NoticeNotFound(id))?;
        load(&self.db, n).await
    }

    /// Notice `id` and its document as its recipient receives it.
    pub async fn render_notice(
        &self,
        tenant: TenantCode,
        id: Uuid,
        format: DocumentFormat,
    ) -> AppResult<(Notice, Vec<u8>)> {
        let notice = self.get_notice(tenant, id).await?;
        let to = self.recipient(tenant, notice.taxpayer_id).await?;
        let doc = compose(
            &notice.content,
            &to,
            &self.documents.issuer(tenant),
            &notice.document_number(),
        );
        let bytes = match format {
            DocumentFormat::Html => seip_documents::html(&doc).map(String::into_bytes),
            DocumentFormat::Pdf => seip_documents::pdf(&doc, self.documents.typeface()?),
        }
        .map_err(|e| AppError::Internal(format!("notice {id}: {e}")))?;
        Ok((notice, bytes))
    }

    /// The recipient's name and address, opened for a document.
    pub(crate) async fn recipient(
        &self,
        tenant: TenantCode,
        id: TaxpayerId,
    ) -> AppResult<Recipient> {
        let t = taxpayer::Entity::find_by_id(id.uuid())
            .filter(taxpayer::Column::TenantCode.eq(tenant.as_str()))
            .one(&self.db)
            .await?
            .ok_or(AssessmentError::TaxpayerNotFound(id, tenant))?;
        let open = |column: &str, data: &[u8]| {
            self.pii
                .decrypt(data, taxpayer_field(column, t.id))
                .ok_or_else(|| {
                    AppError::Internal(format!(
                        "taxpayer {}: no configured pii key opens its {column}",
                        t.id
                    ))
                })
        };
        Ok(Recipient {
            name: open("name_encrypted", &t.name_encrypted)?,
            address: open("address_encrypted", &t.address_encrypted)?,
        })
    }

    /// A page of the municipality's notices, newest first.
    pub async fn list_notices(
        &self,
        tenant: TenantCode,
        filter: NoticeFilter,
        page: &PageRequest,
    ) -> AppResult<(Vec<Notice>, String)> {
        let mut q = notice::Entity::find().filter(notice::Column::TenantCode.eq(tenant.as_str()));
        if let Some(t) = filter.taxpayer_id {
            q = q.filter(notice::Column::TaxpayerId.eq(t.uuid()));
        }
        if let Some(k) = filter.kind {
            q = q.filter(notice::Column::Kind.eq(k));
        }
        if let Some(after) = page.after_uuid()? {
            q = q.filter(notice::Column::Id.lt(after));
        }
        let rows = q
            .order_by_desc(notice::Column::Id)
            .limit(page.fetch())
            .all(&self.db)
            .await?;
        let (rows, token) = page.finish(NOTICES_LIST, rows, |n| vec![n.id.to_string()]);
        Ok((load_all(&self.db, rows).await?, token))
    }
}

async fn load<C: ConnectionTrait>(conn: &C, n: notice::Model) -> AppResult<Notice> {
    let mut loaded = load_all(conn, vec![n]).await?;
    loaded
        .pop()
        .ok_or_else(|| AppError::Internal("a notice loaded as none".into()))
}

/// `rows` with their items, in one query for all.
pub(crate) async fn load_all<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<notice::Model>,
) -> AppResult<Vec<Notice>> {
    let mut items: std::collections::HashMap<Uuid, Vec<NoticeItem>> =
        std::collections::HashMap::new();
    for i in notice_item::Entity::find()
        .filter(notice_item::Column::NoticeId.is_in(rows.iter().map(|n| n.id)))
        .order_by_asc(notice_item::Column::NoticeId)
        .order_by_asc(notice_item::Column::LineNo)
        .all(conn)
        .await?
    {
        let e_payment_number = i
            .e_payment_number
            .map(|s| EPaymentNumber::parse_field(&s, "e_payment_number"))
            .transpose()
            .map_err(|e| AppError::Internal(format!("notice {}: {e}", i.notice_id)))?;
        items.entry(i.notice_id).or_default().push(NoticeItem {
            bill_id: i.bill_id.map(BillId::from_uuid),
            tax_item: i.tax_item,
            basis: i.basis,
            e_payment_number,
            virtual_account: i.virtual_account,
            due_date: i.due_date,
            principal: Won::new(i.principal_won),
            late_charge: Won::new(i.late_charge_won),
        });
    }
    Ok(rows
        .into_iter()
        .map(|n| Notice {
            id: n.id,
            taxpayer_id: TaxpayerId::from_uuid(n.taxpayer_id),
            source: n.source,
            reference: n.reference,
            content: NoticeContent {
                kind: n.kind,
                issued_on: n.issued_on,
                deadline: n.deadline,
                items: items.remove(&n.id).unwrap_or_default(),
            },
            created_at: n.created_at,
            delivery: n.delivery,
            served: n.served_on.zip(n.served_by),
        })
        .collect())
}
