//! Reporting use cases: record ledger events, build the monthly report.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, Set, Statement,
};
use seip_core::{TaxItem, kst_today};
use seip_proto::EventName;
use seip_proto::assessment::v1::LevyDecided;
use seip_proto::collection::v1::{BillOverdue, PaymentsPosted, PostingKind};
use seip_proto::common::v1::Event;
use seip_proto::reporting::v1 as pb;
use seip_proto::reporting::v1::reporting_service_server::ReportingService;
use seip_runtime::convert::{
    date_from_proto, decode_event, tax_item_from_proto, tax_item_to_proto, tenant,
    timestamp_from_proto,
};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox::EventHandler;
use tonic::{Request, Response, Status};
use uuid::Uuid;

use crate::store::ledger_entry;

/// The reporting application service.
#[derive(Debug, Clone)]
pub struct ReportingApp {
    db: DatabaseConnection,
}

struct Entry {
    tax_item: TaxItem,
    principal: i64,
    late_charge: i64,
}

impl ReportingApp {
    /// The service over `db`.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Record `entries` of `event`; `line_no` numbers the event's entries (one event may
    /// carry many bills).
    #[allow(
        clippy::too_many_arguments,
        reason = "one ledger write, all of its facts"
    )]
    async fn record(
        &self,
        txn: &DatabaseTransaction,
        event: &Event,
        line_no: &mut i16,
        kind: &str,
        date: NaiveDate,
        bill_id: &str,
        entries: Vec<Entry>,
    ) -> AppResult<()> {
        let t = tenant(&event.tenant_code)?;
        let bill_id =
            Uuid::parse_str(bill_id).map_err(|_| AppError::invalid("bill_id", "not a UUID"))?;
        for e in entries {
            *line_no = line_no.checked_add(1).ok_or_else(|| {
                AppError::Internal("more than 32,767 entries in one event".into())
            })?;
            ledger_entry::ActiveModel {
                event_id: Set(event.event_id.clone()),
                line_no: Set(*line_no),
                tenant_code: Set(t.to_string()),
                kind: Set(kind.into()),
                tax_item: Set(e.tax_item.name().into()),
                entry_date: Set(date),
                bill_id: Set(bill_id),
                principal_won: Set(e.principal),
                late_charge_won: Set(e.late_charge),
            }
            .insert(txn)
            .await?;
        }
        Ok(())
    }

    /// The overdue entries recorded for `bill_id`, negated, by entry date: what withdrawing
    /// its overdue takes back.
    async fn overdue_of(
        &self,
        txn: &DatabaseTransaction,
        bill_id: &str,
    ) -> AppResult<Vec<(NaiveDate, Vec<Entry>)>> {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id =
            Uuid::parse_str(bill_id).map_err(|_| AppError::invalid("bill_id", "not a UUID"))?;
        let mut by: BTreeMap<(NaiveDate, String), (i64, i64)> = BTreeMap::new();
        for e in ledger_entry::Entity::find()
            .filter(ledger_entry::Column::BillId.eq(id))
            .filter(ledger_entry::Column::Kind.eq("overdue"))
            .all(txn)
            .await?
        {
            let s = by.entry((e.entry_date, e.tax_item)).or_default();
            s.0 += e.principal_won;
            s.1 += e.late_charge_won;
        }
        let mut out: BTreeMap<NaiveDate, Vec<Entry>> = BTreeMap::new();
        for ((date, item), (p, c)) in by {
            if p == 0 && c == 0 {
                continue;
            }
            out.entry(date).or_default().push(Entry {
                tax_item: TaxItem::from_name(&item, "tax_item")?,
                principal: -p,
                late_charge: -c,
            });
        }
        Ok(out.into_iter().collect())
    }

    /// The monthly revenue collection report of `tenant` for `year`-`month`.
    pub async fn monthly_report(
        &self,
        tenant_code: &str,
        year: i32,
        month: u32,
    ) -> AppResult<pb::GetMonthlyReportResponse> {
        let t = tenant(tenant_code)?;
        let first = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| AppError::invalid("month", "expected a year 1–9999 and a month 1–12"))?;
        let next = first
            .checked_add_months(Months::new(1))
            .ok_or_else(|| AppError::invalid("year", "out of range"))?;
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "SELECT tax_item, kind, COUNT(*) AS n, SUM(principal_won) AS principal, SUM(late_charge_won) AS charge
                     FROM ledger_entry WHERE tenant_code = ? AND entry_date >= ? AND entry_date < ?
                     GROUP BY tax_item, kind",
                ),
                [t.as_str().into(), first.into(), next.into()],
            ))
            .await?;
        let mut by_item: BTreeMap<&'static str, pb::MonthlyReportRow> = BTreeMap::new();
        for r in rows {
            let item: String = r.try_get("", "tax_item")?;
            let kind: String = r.try_get("", "kind")?;
            let n: i64 = r.try_get("", "n")?;
            let principal: i64 = sum(&r, "principal")?;
            let charge: i64 = sum(&r, "charge")?;
            let item = TaxItem::from_name(&item, "tax_item")?;
            let row = by_item
                .entry(item.code())
                .or_insert_with(|| pb::MonthlyReportRow {
                    tax_item: tax_item_to_proto(item),
                    ..Default::default()
                });
            match kind.as_str() {
                "levied" => {
                    row.levied_count += n;
                    row.levied_won += principal;
                }
                "collected" => {
                    row.collected_count += n;
                    row.collected_won += principal;
                    row.late_charge_collected_won += charge;
                }
                "overdue" => {
                    row.overdue_count += n;
                    row.overdue_won += principal;
                    row.late_charge_raised_won += charge;
                }
                _ => {}
            }
        }
        let rows: Vec<_> = by_item.into_values().collect();
        Ok(pb::GetMonthlyReportResponse {
            total_levied_won: rows.iter().map(|r| r.levied_won).sum(),
            total_collected_won: rows
                .iter()
                .map(|r| r.collected_won + r.late_charge_collected_won)
                .sum(),
            rows,
        })
    }
}

/// A SUM column: NUMERIC on PostgreSQL, INTEGER on SQLite.
fn sum(r: &sea_orm::QueryResult, col: &str) -> AppResult<i64> {
    if let Ok(v) = r.try_get::<i64>("", col) {
        return Ok(v);
    }
    let d: rust_decimal::Decimal = r.try_get("", col)?;
    i64::try_from(d).map_err(|_| AppError::Internal(format!("{col} out of range")))
}

#[tonic::async_trait]
impl EventHandler for ReportingApp {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event_type: &str,
        event: &Event,
        payload: &[u8],
    ) -> AppResult<()> {
        match event_type {
            LevyDecided::NAME => {
                let e: LevyDecided = decode_event(payload, event_type)?;
                let bill = e
                    .bill
                    .ok_or_else(|| AppError::invalid("LevyDecided.bill", "missing"))?;
                let date = kst_today(timestamp_from_proto(bill.issued_at.as_ref()));
                let entries = bill
                    .lines
                    .iter()
                    .map(|l| {
                        Ok(Entry {
                            tax_item: tax_item_from_proto(l.tax_item, "bill.lines.tax_item")?,
                            principal: l.amount_won,
                            late_charge: 0,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?;
                self.record(txn, event, &mut 0, "levied", date, &bill.bill_id, entries)
                    .await
            }
            PaymentsPosted::NAME => {
                let e: PaymentsPosted = decode_event(payload, event_type)?;
                let mut line_no = 0;
                for p in e.postings {
                    let date = date_from_proto(p.paid_on.as_ref(), "postings.paid_on")?;
                    let sign = if p.kind == PostingKind::Reversal as i32 {
                        -1
                    } else {
                        1
                    };
                    let entries = p
                        .lines
                        .iter()
                        .filter(|l| l.principal_won != 0 || l.late_charge_won != 0)
                        .map(|l| {
                            Ok(Entry {
                                tax_item: tax_item_from_proto(l.tax_item, "lines.tax_item")?,
                                principal: sign * l.principal_won,
                                late_charge: sign * l.late_charge_won,
                            })
                        })
                        .collect::<AppResult<Vec<_>>>()?;
                    self.record(
                        txn,
                        event,
                        &mut line_no,
                        "collected",
                        date,
                        &p.bill_id,
                        entries,
                    )
                    .await?;
                    if p.overdue_withdrawn {
                        // Paid by the due date: the arrears counted at the close never were.
                        let raised = self.overdue_of(txn, &p.bill_id).await?;
                        for (date, entries) in raised {
                            self.record(
                                txn,
                                event,
                                &mut line_no,
                                "overdue",
                                date,
                                &p.bill_id,
                                entries,
                            )
                            .await?;
                        }
                    }
                }
                Ok(())
            }
            BillOverdue::NAME => {
                let e: BillOverdue = decode_event(payload, event_type)?;
                let date = date_from_proto(e.arrears_since.as_ref(), "arrears_since")?;
                let entries = e
                    .lines
                    .iter()
                    .map(|l| {
                        Ok(Entry {
                            tax_item: tax_item_from_proto(l.tax_item, "lines.tax_item")?,
                            principal: l.principal_won,
                            late_charge: l.late_charge_won,
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?;
                self.record(txn, event, &mut 0, "overdue", date, &e.bill_id, entries)
                    .await
            }
            other => Err(AppError::invalid(
                "event.payload",
                format!("reporting does not take {other}"),
            )),
        }
    }
}

#[tonic::async_trait]
impl ReportingService for ReportingApp {
    async fn get_monthly_report(
        &self,
        request: Request<pb::GetMonthlyReportRequest>,
    ) -> Result<Response<pb::GetMonthlyReportResponse>, Status> {
        let req = request.into_inner();
        let month = u32::try_from(req.month)
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| AppError::invalid("month", "expected 1 to 12"))?;
        Ok(Response::new(
            self.monthly_report(&req.tenant_code, req.year, month)
                .await?,
        ))
    }
}
