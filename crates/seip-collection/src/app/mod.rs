//! Collection use cases: each is one or more transactions, idempotent, and emits its
//! events through the outbox in the same transaction as the change. Here: receivables and
//! the due-date close; the treasury feed's upload and queries in [`import`], deposits and
//! reconciliation in [`reconcile`], suspense, over-payments and the audit trail in
//! [`operator`]. Applying a stored file is a job ([`crate::jobs`]).

use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use seip_core::{Clock, EPaymentNumber, TenantCode, Won};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::{ServiceName, outbox};
use tokio::sync::{Notify, mpsc, watch};
use uuid::Uuid;

use crate::app::operator::{Audit, audit};
use crate::domain::receivable::{Bill, NewReceivable, Status};
use crate::error::{CollectionError, rule};
use crate::store::bills::{Loaded, load_bills, save_bills};
use crate::store::receivable;
use crate::wire::bill_overdue;

pub mod accrual;
pub mod approval;
pub mod distribution;
pub mod import;
pub mod operator;
pub mod reconcile;

/// Who receives collection's events.
pub const CONSUMERS: [ServiceName; 2] = [ServiceName::ArrearsEnforcement, ServiceName::Reporting];

/// Bills closed per transaction by the due-date close: a crash loses at most one batch of
/// work, which the next run redoes.
const CLOSE_BATCH: u64 = 500;

/// Bills per page of an export.
const EXPORT_PAGE: u64 = 1000;

/// Times a read of bills outside a posting is tried again when a cancellation commits
/// between reading the bills and reading their receipts.
const READ_RETRIES: u32 = 3;

/// The collection application service.
#[derive(Debug, Clone)]
pub struct CollectionApp {
    pub(crate) db: DatabaseConnection,
    pub(crate) clock: Clock,
    pub(crate) relay: Arc<Notify>,
    /// New import jobs for the runner.
    pub(crate) jobs: mpsc::UnboundedSender<Uuid>,
    pub(crate) jobs_rx: Arc<Mutex<Option<mpsc::UnboundedReceiver<Uuid>>>>,
    /// Woken after every applied batch, for watchers.
    pub(crate) progress: Arc<Notify>,
    /// Set when the job runner is told to stop: chunks being applied commit, and no other
    /// starts.
    pub(crate) stopping: Arc<watch::Sender<bool>>,
    /// How treasury files are stored and applied.
    pub(crate) feed: seip_runtime::config::FeedSettings,
    /// Uploads under way (at most `feed.max_concurrent_uploads`).
    pub(crate) uploads: Arc<tokio::sync::Semaphore>,
    /// Above which amounts money moved by hand takes a second person.
    pub(crate) approval: seip_runtime::config::ApprovalSettings,
}

/// What a due-date close did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CloseSummary {
    /// Open bills due by the date, examined.
    pub bills_examined: i64,
    /// Of which gone overdue.
    pub bills_overdue: i64,
    /// Their unpaid principal.
    pub overdue_principal: Won,
    /// The late charges raised on them.
    pub late_charge: Won,
}

/// `read` (of bills outside a posting), tried again up to [`READ_RETRIES`] times while it
/// meets a conflict: a cancellation committed between its reading bills and their receipts.
async fn retry_raced<T, F, Fut>(mut read: F) -> AppResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    let mut raced = 0;
    loop {
        match read().await {
            Err(AppError::Conflict(_)) if raced < READ_RETRIES => raced += 1,
            done => return done,
        }
    }
}

/// What one bill owes on a day, as another service asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AmountDue {
    /// The bill.
    pub bill_id: Uuid,
    /// Who owes it.
    pub taxpayer_id: Uuid,
    /// Principal and late charges unpaid on the day asked.
    pub amount: Won,
    /// Where it stands.
    pub status: Status,
    /// The day its principal was paid in full, if it was.
    pub paid_in_full_on: Option<NaiveDate>,
}

impl CollectionApp {
    /// The service over `db`; `relay` is woken after each commit that wrote events.
    pub fn new(db: DatabaseConnection, clock: Clock, relay: Arc<Notify>) -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        Self {
            db,
            clock,
            relay,
            jobs,
            jobs_rx: Arc::new(Mutex::new(Some(rx))),
            progress: Arc::new(Notify::new()),
            stopping: Arc::new(watch::Sender::new(false)),
            feed: seip_runtime::config::FeedSettings::default(),
            uploads: Arc::new(tokio::sync::Semaphore::new(
                seip_runtime::config::FeedSettings::default().max_concurrent_uploads,
            )),
            approval: seip_runtime::config::ApprovalSettings::default(),
        }
    }

    /// Take money moved by hand to a second person above the thresholds of `approval`.
    pub fn with_approval(mut self, approval: seip_runtime::config::ApprovalSettings) -> Self {
        self.approval = approval;
        self
    }

    /// Store and apply treasury files in chunks of `n` records (at least 1).
    pub fn with_chunk_records(mut self, n: usize) -> Self {
        self.feed.chunk_records = n.max(1);
        self
    }

    /// Store and apply treasury files as `feed` says.
    pub fn with_feed(mut self, feed: seip_runtime::config::FeedSettings) -> Self {
        let chunk_records = feed.chunk_records;
        self.uploads = Arc::new(tokio::sync::Semaphore::new(
            feed.max_concurrent_uploads.max(1),
        ));
        self.feed = feed;
        self.with_chunk_records(chunk_records)
    }

    /// Open the receivable of a newly decided levy (from `LevyDecided`), inside the
    /// consumer's transaction. A bill already open is left as it is.
    pub async fn open_receivable(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        new: NewReceivable,
    ) -> AppResult<()> {
        if receivable::Entity::find_by_id(new.bill_id)
            .one(txn)
            .await?
            .is_some()
        {
            return Ok(());
        }
        if new.lines.iter().any(|l| l.principal < Won::ZERO) {
            return Err(AppError::invalid("bill.lines.amount_won", "negative"));
        }
        let principal = new
            .lines
            .iter()
            .try_fold(0_i64, |total, l| total.checked_add(l.principal.to_i64()))
            .ok_or_else(|| {
                AppError::invalid(
                    "bill.lines.amount_won",
                    "the lines add up to more than a bill can hold",
                )
            })?;
        receivable::ActiveModel {
            bill_id: Set(new.bill_id),
            tenant_code: Set(tenant.to_string()),
            taxpayer_id: Set(new.taxpayer_id),
            e_payment_number: Set(new.e_payment_number.to_string()),
            tax_year: Set(new.tax_year),
            period_half: Set(new.period_half),
            liability_established_on: Set(new.liability_established_on),
            due_date: Set(new.due_date),
            status: Set(Status::Open),
            issued_at: Set(new.issued_at),
            overdue_at: Set(None),
            paid_at: Set(None),
            overdue_withdrawn_at: Set(None),
            principal_won: Set(principal),
            principal_paid_won: Set(0),
            late_charge_won: Set(0),
            late_charge_paid_won: Set(0),
            version: Set(0),
            lines: Set(receivable::StoredLines::new(&new.lines)),
            payment_receipt_ids: Set(receivable::PaymentReceipts::default()),
        }
        .insert(txn)
        .await?;
        Ok(())
    }

    /// The bill with electronic payment number `number`, loaded whole.
    pub(crate) async fn load_by_number<C: ConnectionTrait>(
        conn: &C,
        tenant: TenantCode,
        number: &EPaymentNumber,
    ) -> AppResult<Loaded> {
        retry_raced(|| async move {
            let m = receivable::Entity::find()
                .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
                .filter(receivable::Column::EPaymentNumber.eq(number.to_string()))
                .one(conn)
                .await?
                .ok_or(CollectionError::BillNotFound)?;
            load_bills(conn, vec![m])
                .await?
                .pop()
                .ok_or_else(|| AppError::Internal("bill vanished while loading".into()))
        })
        .await
    }

    /// The receivable of a bill with its amount due on `as_of`.
    pub async fn get_receivable(
        &self,
        tenant: TenantCode,
        number: EPaymentNumber,
    ) -> AppResult<Bill> {
        Ok(Self::load_by_number(&self.db, tenant, &number).await?.bill)
    }

    /// What is due on each of `bill_ids` on `as_of`, with whose it is, its status and the day it was paid
    /// in full (if it was), for the bills of the
    /// municipality collection holds (others are left out), in the order asked.
    pub async fn amounts_due(
        &self,
        tenant: TenantCode,
        bill_ids: &[Uuid],
        as_of: NaiveDate,
    ) -> AppResult<Vec<AmountDue>> {
        let models = receivable::Entity::find()
            .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
            .filter(receivable::Column::BillId.is_in(bill_ids.iter().copied()))
            .all(&self.db)
            .await?;
        let loaded = load_bills(&self.db, models).await?;
        let mut due = std::collections::HashMap::new();
        for l in loaded {
            let amount = l.bill.amount_due(as_of).map_err(rule)?;
            due.insert(
                l.bill.bill_id,
                AmountDue {
                    bill_id: l.bill.bill_id,
                    taxpayer_id: l.bill.taxpayer_id,
                    amount,
                    status: l.bill.status,
                    paid_in_full_on: l.bill.paid_in_full_on(),
                },
            );
        }
        Ok(bill_ids.iter().filter_map(|id| due.remove(id)).collect())
    }

    /// One page of the bill export: bills after payment number `after`, in number order, each
    /// with its tax year.
    pub async fn export_bills_page(
        &self,
        tenant: TenantCode,
        after: &str,
    ) -> AppResult<Vec<(Bill, i32)>> {
        let bills = retry_raced(|| async {
            let models = receivable::Entity::find()
                .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
                .filter(receivable::Column::EPaymentNumber.gt(after))
                .order_by_asc(receivable::Column::EPaymentNumber)
                .limit(EXPORT_PAGE)
                .all(&self.db)
                .await?;
            load_bills(&self.db, models).await
        })
        .await?;
        Ok(bills.into_iter().map(|l| (l.bill, l.tax_year)).collect())
    }

    /// Due-date close (납기마감, Seoul rule §9): every open bill of the municipality due on or
    /// before `due_date` that is not paid becomes overdue with the late charge of the day
    /// after its due date, and `BillOverdue` is emitted. Works in batches, each its own
    /// transaction, so a large close resumes where it stopped; repeating it changes nothing.
    pub async fn close_due_date(
        &self,
        tenant: TenantCode,
        due_date: NaiveDate,
        actor: &str,
    ) -> AppResult<CloseSummary> {
        let today = self.clock.today();
        if due_date >= today {
            return Err(CollectionError::DueDateNotPassed { due_date, today }.into());
        }
        let mut summary = CloseSummary::default();
        let too_much = || AppError::Internal("the close's sums left the range of i64 won".into());
        loop {
            let txn = self.db.begin().await?;
            let batch = receivable::Entity::find()
                .filter(receivable::Column::TenantCode.eq(tenant.as_str()))
                .filter(receivable::Column::Status.eq(Status::Open))
                .filter(receivable::Column::DueDate.lte(due_date))
                .order_by_asc(receivable::Column::DueDate)
                .order_by_asc(receivable::Column::BillId)
                .limit(CLOSE_BATCH)
                .all(&txn)
                .await?;
            if batch.is_empty() {
                txn.rollback().await?;
                break;
            }
            let mut bills = load_bills(&txn, batch).await?;
            let now = self.clock.now();
            for l in &mut bills {
                summary.bills_examined += 1;
                let tax_year = l.tax_year;
                let b = &mut l.bill;
                let Some(raised) = b.close().map_err(rule)? else {
                    continue;
                };
                summary.bills_overdue += 1;
                for (principal, charge) in &raised {
                    summary.overdue_principal = summary
                        .overdue_principal
                        .checked_add(*principal)
                        .ok_or_else(too_much)?;
                    summary.late_charge = summary
                        .late_charge
                        .checked_add(*charge)
                        .ok_or_else(too_much)?;
                }
                let event = bill_overdue(b, tax_year, &raised);
                outbox::enqueue(&txn, &CONSUMERS, tenant.as_str(), &event, now).await?;
            }
            save_bills(&txn, &bills, now).await?;
            txn.commit().await?;
            self.relay.notify_one();
        }
        tracing::info!(%due_date, bills_overdue = summary.bills_overdue, late_charge_won = summary.late_charge.to_i64(), "due-date close");
        // The close commits in batches; its audit entry records the run that finished it.
        let txn = self.db.begin().await?;
        audit(
            &txn,
            tenant,
            self.clock.now(),
            Audit {
                actor,
                action: "close_due_date",
                subject: due_date.to_string(),
                reason: "due-date close (납기마감)",
                detail: serde_json::json!({
                    "bills_examined": summary.bills_examined,
                    "bills_overdue": summary.bills_overdue,
                    "overdue_principal_won": summary.overdue_principal.to_i64(),
                    "late_charge_won": summary.late_charge.to_i64(),
                }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use seip_core::NoticeKind;
    use seip_proto::assessment::v1::{Bill as LevyBill, BillLine};
    use seip_proto::common::v1::{Date, TaxItem as PbTaxItem};

    use super::*;
    use crate::domain::receivable::PrincipalPayment;
    use crate::store::receipt;
    use seip_runtime::bulk::{self, Cell, Rows};

    /// A levied bill with lines of `won`, each a separate tax item in order.
    fn levied(serial: u64, won: &[i64]) -> LevyBill {
        let tenant = TenantCode::parse_field("11110", "t").unwrap();
        let items = [PbTaxItem::AutomobileTax, PbTaxItem::LocalEducationTax];
        let date = |month, day| {
            Some(Date {
                year: 2026,
                month,
                day,
            })
        };
        LevyBill {
            bill_id: Uuid::now_v7().to_string(),
            taxpayer_id: Uuid::now_v7().to_string(),
            e_payment_number: EPaymentNumber::compose(
                tenant,
                NoticeKind::Periodic,
                2026,
                "10",
                serial,
            )
            .unwrap()
            .to_string(),
            tax_year: 2026,
            liability_established_on: date(6, 1),
            due_date: date(6, 30),
            lines: won
                .iter()
                .zip(items)
                .map(|(w, item)| BillLine {
                    tax_item: item as i32,
                    tax_item_code: String::new(),
                    amount_won: *w,
                })
                .collect(),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_raced_read_is_tried_again_a_bounded_number_of_times_and_nothing_else_is() {
        use std::cell::Cell as Calls;
        let calls = &Calls::new(0);
        let read = |conflicts: u32| {
            calls.set(0);
            retry_raced(move || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move {
                    if n <= conflicts {
                        Err(AppError::Conflict("raced".into()))
                    } else {
                        Ok(n)
                    }
                }
            })
        };
        // Two races, then the read goes through on its third try.
        assert_eq!(read(2).await.unwrap(), 3);
        // Racing every time, it gives up after the first try and READ_RETRIES more.
        assert!(matches!(read(u32::MAX).await, Err(AppError::Conflict(_))));
        assert_eq!(calls.get(), READ_RETRIES + 1);
        // Any other error is returned at once.
        calls.set(0);
        let once = retry_raced(|| {
            calls.set(calls.get() + 1);
            async { Err::<u32, _>(AppError::Internal("ledger".into())) }
        })
        .await;
        assert!(matches!(once, Err(AppError::Internal(_))));
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test]
    async fn a_levied_bill_opens_with_its_lines_and_one_adding_up_past_i64_is_refused() {
        let (db, _file) = crate::testing::sqlite().await;
        let app = CollectionApp::new(db.clone(), Clock::system(), Arc::new(Notify::new()));
        let tenant = TenantCode::parse_field("11110", "t").unwrap();

        let too_much = levied(1, &[i64::MAX, 10]);
        let txn = db.begin().await.unwrap();
        let err = app
            .open_receivable(
                &txn,
                tenant,
                crate::wire::new_receivable_from_proto(&too_much).unwrap(),
            )
            .await
            .unwrap_err()
            .to_string();
        txn.rollback().await.unwrap();
        assert!(err.contains("bill.lines.amount_won"), "{err}");
        assert!(
            receivable::Entity::find()
                .all(&db)
                .await
                .unwrap()
                .is_empty()
        );

        let bill = levied(2, &[700, 300]);
        let txn = db.begin().await.unwrap();
        app.open_receivable(
            &txn,
            tenant,
            crate::wire::new_receivable_from_proto(&bill).unwrap(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        let number = EPaymentNumber::parse_field(&bill.e_payment_number, "n").unwrap();
        let loaded = CollectionApp::load_by_number(&db, tenant, &number)
            .await
            .unwrap();
        let lines: Vec<(&str, Won)> = loaded
            .bill
            .lines
            .iter()
            .map(|l| (l.tax_item.name(), l.principal))
            .collect();
        assert_eq!(
            lines,
            [
                ("automobile_tax", Won::new(700)),
                ("local_education_tax", Won::new(300))
            ]
        );
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_bill_is_read_with_the_payments_it_names_and_refused_when_they_disagree() {
        use sea_orm::sea_query::Expr;
        let (db, _file) = crate::testing::sqlite().await;
        let app = CollectionApp::new(db.clone(), Clock::system(), Arc::new(Notify::new()));
        let tenant = TenantCode::parse_field("11110", "t").unwrap();
        let bill = levied(3, &[700, 300]);
        let txn = db.begin().await.unwrap();
        app.open_receivable(
            &txn,
            tenant,
            crate::wire::new_receivable_from_proto(&bill).unwrap(),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        let bill_id = Uuid::parse_str(&bill.bill_id).unwrap();
        let number = EPaymentNumber::parse_field(&bill.e_payment_number, "n").unwrap();
        // A payment of 600 won, posted and named by the bill.
        let receipt_id = Uuid::now_v7();
        let paid_on = NaiveDate::from_ymd_opt(2026, 6, 12).unwrap();
        let mut rows = Rows::new(&[
            "id",
            "tenant_code",
            "import_id",
            "record_serial",
            "bank_code",
            "bank_receipt_id",
            "kind",
            "e_payment_number",
            "bill_id",
            "paid_on",
            "total_won",
            "applied_won",
            "principal_applied_won",
            "overpaid_won",
            "suspense_won",
            "outcome",
        ]);
        rows.push(vec![
            Cell::Uuid(Some(receipt_id)),
            Cell::Text(Some("11110".into())),
            Cell::Uuid(Some(Uuid::now_v7())),
            Cell::Int(Some(1)),
            Cell::Text(Some("032".into())),
            Cell::Text(Some("B1".into())),
            Cell::Text(Some("N".into())),
            Cell::Text(Some(number.to_string())),
            Cell::Uuid(Some(bill_id)),
            Cell::Date(Some(paid_on)),
            Cell::Int(Some(600)),
            Cell::Int(Some(600)),
            Cell::Int(Some(600)),
            Cell::Int(Some(0)),
            Cell::Int(Some(0)),
            Cell::Text(Some("partial".into())),
        ]);
        bulk::insert(&db, "receipt", &rows).await.unwrap();
        let set_bill = |paid: i64| {
            receivable::Entity::update_many()
                .col_expr(receivable::Column::PrincipalPaidWon, Expr::value(paid))
                .col_expr(
                    receivable::Column::PaymentReceiptIds,
                    Expr::value(receivable::PaymentReceipts(vec![receipt_id])),
                )
                .filter(receivable::Column::BillId.eq(bill_id))
                .exec(&db)
        };
        set_bill(600).await.unwrap();
        let loaded = CollectionApp::load_by_number(&db, tenant, &number)
            .await
            .unwrap();
        assert_eq!(
            loaded.bill.history,
            [PrincipalPayment {
                receipt_id,
                paid_on,
                amount: Won::new(600),
            }]
        );
        // A list that falls short of the principal paid is refused, naming the bill.
        set_bill(1000).await.unwrap();
        let err = CollectionApp::load_by_number(&db, tenant, &number)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Internal(m) if m.contains(&bill_id.to_string()) && m.contains("600") && m.contains("1000")),
            "{err}"
        );
        // A payment named but cancelled is a change the read raced: a conflict, to retry.
        set_bill(600).await.unwrap();
        receipt::Entity::update_many()
            .col_expr(receipt::Column::Cancelled, Expr::value(true))
            .filter(receipt::Column::Id.eq(receipt_id))
            .exec(&db)
            .await
            .unwrap();
        let err = CollectionApp::load_by_number(&db, tenant, &number)
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Conflict(_)), "{err}");
        // A receipt named that went to another bill is a ledger error, naming both.
        receipt::Entity::update_many()
            .col_expr(receipt::Column::Cancelled, Expr::value(false))
            .col_expr(receipt::Column::BillId, Expr::value(Uuid::now_v7()))
            .filter(receipt::Column::Id.eq(receipt_id))
            .exec(&db)
            .await
            .unwrap();
        let err = CollectionApp::load_by_number(&db, tenant, &number)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Internal(m) if m.contains(&bill_id.to_string()) && m.contains(&receipt_id.to_string())),
            "{err}"
        );
        db.close().await.unwrap();
    }
}
