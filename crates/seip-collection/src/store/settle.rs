//! The common case of a treasury batch, set-based on PostgreSQL: a payment of exactly the
//! principal billed, made by the due date, of an open bill nothing has been paid on yet, with
//! a bank receipt id never seen before. Nearly every record of a due-date file is one.
//!
//! One statement pays those bills, stores their receipts and returns what the events need,
//! instead of loading each bill, posting it in memory and writing it back. The result is the
//! one [`Batch::post`](crate::domain::posting::Batch::post) would give: the whole principal
//! applied line by line (P-3 fills every line when all of it is paid), no late charge (none
//! accrues by the due date), the bill paid, its one principal payment named (it had none).
//! Every other record, and any record of the batch that shares a bill or a bank receipt id
//! with another, goes through the general matcher.
//!
//! Concurrent batches stay safe as in the general path: the update re-checks its conditions
//! on a row another batch changed first (the record then falls to the general matcher), and
//! the unique index on posted receipt ids refuses a batch that races another on the same id,
//! and the statement runs again with the checks that leave that record to the matcher (a race
//! lost again on that second run fails the chunk, which is retried).

use chrono::{DateTime, Utc};
use foldhash::{HashMap, HashMapExt};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};
use seip_core::{EPaymentNumber, TenantCode, Won};
use seip_runtime::bulk::pg_array;
use seip_runtime::error::AppResult;
use uuid::Uuid;

use crate::domain::feed::{Receipt, RecordKind};
use crate::domain::posting::{Outcome, Placement, Posting};
use crate::domain::receivable::Status;
use crate::store::receipt::receipt_kind;

/// The statement, with `{checks}` ([`CHECKS`] or nothing) and `{held_cancel}` from
/// [`receipt_kind`]. Each settled record comes back once, by its position in the batch
/// (from 1), with its bill's lines as stored, as elements of four arrays in one row:
/// thousands of rows would each cost the service more to take in than their values do, and
/// a position finds the record and its receipt id without a lookup.
///
/// The batch's arrays are unnested in the select list, which steps through them together
/// (they are of one length) without storing them: `unnest` over several arrays in `FROM`
/// copies each into a tuple store first, which took a 5,000-record batch 5–9 ms instead
/// of 1–3 ms.
///
/// A record whose bank receipt id a held cancellation carries is left to the matcher, which
/// pairs the two. Held cancellations are rare, so the statement first asks once whether the
/// bank has any (evaluated once, in the statement's own snapshot) and looks each record up
/// only if it has.
const SETTLE: &str = "
WITH s AS (
  SELECT generate_subscripts(CAST($5 AS uuid[]), 1) AS pos,
         unnest(CAST($5 AS uuid[])) AS id, unnest(CAST($6 AS bigint[])) AS serial,
         unnest(CAST($7 AS text[])) AS bank_receipt_id, unnest(CAST($8 AS text[])) AS raw_number,
         unnest(CAST($9 AS text[])) AS e_payment_number, unnest(CAST($10 AS bigint[])) AS total,
         unnest(CAST($11 AS date[])) AS paid_on
), paid AS (
  UPDATE receivable r
     SET principal_paid_won = r.principal_won, status = 'paid', paid_at = $4,
         payment_receipt_ids = jsonb_build_array(s.id),
         version = r.version + 1
    FROM s
   WHERE r.tenant_code = $1 AND r.e_payment_number = s.e_payment_number
     AND r.status = 'open' AND r.overdue_at IS NULL AND r.overdue_withdrawn_at IS NULL
     AND r.principal_paid_won = 0 AND r.late_charge_won = 0 AND r.late_charge_paid_won = 0
     AND s.paid_on <= r.due_date AND s.total = r.principal_won AND s.total > 0
     {checks}
     AND (NOT EXISTS (SELECT 1 FROM receipt
                       WHERE tenant_code = $1 AND bank_code = $2 AND {held_cancel})
          OR NOT EXISTS (SELECT 1 FROM receipt
                          WHERE tenant_code = $1 AND bank_code = $2
                            AND bank_receipt_id = s.bank_receipt_id AND {held_cancel}))
  RETURNING s.pos, s.id, s.serial, s.bank_receipt_id, s.raw_number, s.total, s.paid_on, r.bill_id,
            r.taxpayer_id, r.lines
), stored AS (
  INSERT INTO receipt (id, tenant_code, import_id, record_serial, bank_code, bank_receipt_id,
                       kind, e_payment_number, bill_id, paid_on, total_won, applied_won,
                       principal_applied_won, late_charge_applied_won, overpaid_won,
                       suspense_won, outcome, cancelled, stamped)
  SELECT id, $1, $3, serial, $2, bank_receipt_id, 'N', raw_number, bill_id, paid_on, total,
         total, total, 0, 0, 0, 'paid', FALSE, FALSE
    FROM paid
)
SELECT array_agg(pos) AS positions, array_agg(bill_id) AS bill_ids,
       array_agg(taxpayer_id) AS taxpayer_ids,
       array_agg(CAST(lines AS text)) AS lines
  FROM paid";

/// Two checks for what is rare, with `{posted}` from [`receipt_kind`]: the bill's lines sum
/// to its principal, and the record's bank receipt id was never posted. Both are left out on
/// the first try, which saves an index probe and a reading of the lines a record: a
/// repeated receipt id is then refused by the unique index on posted receipt ids, and lines
/// that disagree with the principal are seen in the lines the statement returns. Either way
/// the statement runs again with the checks, and the records they exclude go to the general
/// matcher.
const CHECKS: &str = "AND r.principal_won = (SELECT sum(CAST(l->>'principal_won' AS bigint))
                             FROM jsonb_array_elements(r.lines) l)
     AND NOT EXISTS (SELECT 1 FROM receipt
                      WHERE tenant_code = $1 AND bank_code = $2
                        AND bank_receipt_id = s.bank_receipt_id AND {posted})";

/// The unique index on posted receipt ids.
const POSTED_ONCE_INDEX: &str = "receipt_posted_once";

/// A record settled here.
#[derive(Debug)]
pub(crate) struct Settled {
    /// Index of the record in the batch.
    pub index: usize,
    /// Its receipt row, as the general matcher would have placed it.
    pub placement: Placement,
    /// Its posting.
    pub posting: Posting,
    /// The bill's taxpayer, for the event.
    pub taxpayer_id: Uuid,
    /// The bill's electronic payment number, for the event.
    pub e_payment_number: String,
}

/// Indices of the records that may take this path, with their numbers: normal records with
/// a well-formed number, whose bank receipt id and bill appear in no other record of the
/// batch.
fn candidates(recs: &[Receipt]) -> Vec<(usize, EPaymentNumber)> {
    let mut ids: HashMap<&str, u32> = HashMap::with_capacity(recs.len());
    let mut numbers: HashMap<EPaymentNumber, u32> = HashMap::with_capacity(recs.len());
    let mut parsed = Vec::with_capacity(recs.len());
    for r in recs {
        *ids.entry(r.bank_receipt_id.as_str()).or_default() += 1;
        let n = EPaymentNumber::parse_field(&r.e_payment_number, "e_payment_number").ok();
        if let Some(n) = n {
            *numbers.entry(n).or_default() += 1;
        }
        parsed.push(n);
    }
    recs.iter()
        .zip(parsed)
        .enumerate()
        .filter_map(|(i, (r, n))| {
            let n = n?;
            (r.kind == RecordKind::Normal
                && ids.get(r.bank_receipt_id.as_str()) == Some(&1)
                && numbers.get(&n) == Some(&1))
            .then_some((i, n))
        })
        .collect()
}

/// Settle the records of `recs` that are exact on-time payments of untouched open bills, in
/// `txn`; the rest are left to the general matcher. PostgreSQL only.
pub(crate) async fn settle(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    bank_code: &str,
    import_id: Uuid,
    recs: &[Receipt],
    now: DateTime<Utc>,
) -> AppResult<Vec<Settled>> {
    let cands = candidates(recs);
    if cands.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = cands.iter().map(|_| Uuid::now_v7()).collect();
    let rec = |c: &(usize, EPaymentNumber)| &recs[c.0];
    // Built for each run of the statement rather than cloned: the arrays hold thousands of
    // values, and the second run is rare.
    let values = || {
        vec![
            tenant.as_str().into(),
            bank_code.into(),
            import_id.into(),
            now.into(),
            pg_array(ids.iter().copied()),
            pg_array(cands.iter().map(|c| i64::from(rec(c).serial))),
            pg_array(cands.iter().map(|c| rec(c).bank_receipt_id.clone())),
            pg_array(cands.iter().map(|c| rec(c).e_payment_number.clone())),
            pg_array(cands.iter().map(|c| c.1.to_string())),
            pg_array(cands.iter().map(|c| rec(c).total.to_i64())),
            pg_array(cands.iter().map(|c| rec(c).paid_on)),
        ]
    };
    let statement = |checked: bool| {
        let checks = if checked {
            CHECKS.replace("{posted}", receipt_kind::POSTED)
        } else {
            String::new()
        };
        Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            SETTLE
                .replace("{checks}", &checks)
                .replace("{held_cancel}", receipt_kind::HELD_CANCEL),
            values(),
        )
    };
    // First without the checks, under a savepoint; if what they guard against shows, the
    // statement runs again with them.
    let optimistic = txn.begin().await?;
    let first = match optimistic.query_one_raw(statement(false)).await {
        Ok(row) => Some(read_settled(row, recs, &cands, &ids)?),
        Err(e) if is_posted_twice(&e) => None,
        Err(e) => return Err(e.into()),
    };
    let mut settled = if let Some(first) = first.filter(|f| f.iter().all(lines_agree)) {
        optimistic.commit().await?;
        first
    } else {
        optimistic.rollback().await?;
        let row = txn.query_one_raw(statement(true)).await?;
        read_settled(row, recs, &cands, &ids)?
    };
    // With the checks, every won of each settled record is on its bill's lines.
    if let Some(s) = settled.iter().find(|s| !lines_agree(s)) {
        return Err(seip_runtime::error::AppError::Internal(format!(
            "bill {}: lines bill {} won but {} won settled it",
            s.posting.bill_id,
            lines_total(s),
            s.placement.principal_applied
        )));
    }
    settled.sort_by_key(|s| s.index);
    Ok(settled)
}

/// The principal on the lines of `s`'s bill.
fn lines_total(s: &Settled) -> Won {
    s.posting.lines.iter().map(|l| l.1).sum()
}

/// Whether every won that settled `s` is on its bill's lines.
fn lines_agree(s: &Settled) -> bool {
    !s.posting.lines.is_empty() && lines_total(s) == s.placement.principal_applied
}

/// The records the statement settled, from the arrays it returned: one aggregate pass fills
/// all four, so their elements line up; they are empty when nothing settled. A position
/// names the candidate in `cands`, whose receipt id is the same element of `ids`.
fn read_settled(
    row: Option<sea_orm::QueryResult>,
    recs: &[Receipt],
    cands: &[(usize, EPaymentNumber)],
    ids: &[Uuid],
) -> AppResult<Vec<Settled>> {
    let internal = seip_runtime::error::AppError::Internal;
    let Some(row) = row else {
        return Err(internal("the settle statement returned no row".into()));
    };
    let positions: Vec<i32> = array(&row, "positions")?;
    let bill_ids: Vec<Uuid> = array(&row, "bill_ids")?;
    let taxpayer_ids: Vec<Uuid> = array(&row, "taxpayer_ids")?;
    let lines: Vec<String> = array(&row, "lines")?;
    let n = positions.len();
    if bill_ids.len() != n || taxpayer_ids.len() != n || lines.len() != n {
        return Err(internal(format!(
            "the settle statement returned {n} records but {} bills, {} taxpayers and {} lines",
            bill_ids.len(),
            taxpayer_ids.len(),
            lines.len()
        )));
    }
    let mut settled: Vec<Settled> = Vec::with_capacity(n);
    for (((pos, bill_id), taxpayer_id), json) in positions
        .into_iter()
        .zip(bill_ids)
        .zip(taxpayer_ids)
        .zip(lines)
    {
        let lines = crate::store::receivable::lines_from_json(bill_id, &json)?
            .into_iter()
            .map(|l| (l.tax_item, l.principal, Won::ZERO))
            .collect();
        // The bill's number is the one the record was matched on.
        let k = usize::try_from(pos)
            .ok()
            .and_then(|p| p.checked_sub(1))
            .filter(|k| *k < cands.len() && *k < ids.len())
            .ok_or_else(|| {
                internal(format!(
                    "settled a record at position {pos}, not in the batch"
                ))
            })?;
        let (index, number) = &cands[k];
        let (index, id) = (*index, ids[k]);
        let r = &recs[index];
        settled.push(Settled {
            index,
            placement: Placement {
                id,
                bill_id: Some(bill_id),
                principal_applied: r.total,
                charge_applied: Won::ZERO,
                overpaid: Won::ZERO,
                suspense: Won::ZERO,
                outcome: Outcome::Paid,
                reason: None,
                cancels: None,
            },
            posting: Posting {
                reversal: false,
                bill_id,
                receipt_id: id,
                paid_on: r.paid_on,
                lines,
                status: Status::Paid,
                unpaid_principal: Won::ZERO,
                unpaid_charge: Won::ZERO,
                overdue_withdrawn: false,
                overdue_reinstated: None,
            },
            taxpayer_id,
            e_payment_number: number.to_string(),
        });
    }
    Ok(settled)
}

/// The array in column `col` of `row`; empty where it is NULL (an aggregate over no rows). A
/// column the row does not have is an error, not an empty array: `Option`'s reading would
/// take a misnamed column for a batch that settled nothing.
fn array<T>(row: &sea_orm::QueryResult, col: &str) -> AppResult<Vec<T>>
where
    Vec<T>: sea_orm::TryGetable,
{
    match <Vec<T> as sea_orm::TryGetable>::try_get_by(row, col) {
        Ok(v) => Ok(v),
        Err(sea_orm::TryGetError::Null(_)) => Ok(Vec::new()),
        Err(e) => Err(sea_orm::DbErr::from(e).into()),
    }
}

/// Whether `e` is the unique index on posted receipt ids refusing a repeat (by the
/// constraint the server names, not by its message, which the server may translate).
fn is_posted_twice(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Query(RuntimeErr::SqlxError(e)) | DbErr::Exec(RuntimeErr::SqlxError(e))) = e else {
        return false;
    };
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation() && d.constraint() == Some(POSTED_ONCE_INDEX))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use sea_orm::ConnectionTrait;
    use seip_core::TaxItem;

    use crate::domain::receivable::BilledLine;

    use super::*;
    use crate::testing::payment_number as number;

    fn rec(number: &str, id: &str, kind: RecordKind) -> Receipt {
        Receipt::example(number, id, kind)
    }

    #[test]
    fn only_records_alone_on_their_bill_and_receipt_id_are_candidates() {
        let recs = [
            rec(&number(1), "A", RecordKind::Normal), // alone: a candidate
            rec(&number(2), "B", RecordKind::Normal), // its id is cancelled below
            rec(&number(3), "B", RecordKind::Cancel),
            rec(&number(4), "D", RecordKind::Normal), // two records for one bill
            rec(&number(4), "E", RecordKind::Normal),
            rec("1234", "F", RecordKind::Normal), // malformed number
            rec(&number(7), "G", RecordKind::Normal), // alone: a candidate
        ];
        let c: Vec<usize> = candidates(&recs).into_iter().map(|(i, _)| i).collect();
        assert_eq!(c, vec![0, 6]);
        assert_eq!(candidates(&recs)[1].1.as_str(), number(7));
    }

    #[tokio::test]
    async fn settles_exact_on_time_payments_of_untouched_bills_and_leaves_the_rest() {
        use seip_runtime::bulk::{Cell, Rows, insert};
        let Some((db, server, name)) = crate::testing::postgres().await else {
            return;
        };
        let tenant = TenantCode::parse_field("11110", "t").unwrap();
        let due = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let issued = DateTime::<Utc>::from_timestamp(1_780_000_000, 0).unwrap();
        // Bills 1..=8 of 1,000 won: 700 + 300 on two lines; bill 6 has 100 won paid already;
        // bill 7's lines bill only 900 won.
        let bill = |n: u64| Uuid::from_u128(u128::from(n));
        let mut bills = Rows::new(&[
            "bill_id",
            "tenant_code",
            "taxpayer_id",
            "e_payment_number",
            "tax_year",
            "period_half",
            "liability_established_on",
            "due_date",
            "status",
            "issued_at",
            "principal_won",
            "principal_paid_won",
            "late_charge_won",
            "late_charge_paid_won",
            "version",
            "lines",
        ]);
        for n in 1..=8 {
            let education = if n == 7 { 200 } else { 300 };
            bills.push(vec![
                Cell::Uuid(Some(bill(n))),
                Cell::Text(Some("11110".into())),
                Cell::Uuid(Some(bill(100 + n))),
                Cell::Text(Some(number(n))),
                Cell::Int(Some(2026)),
                Cell::Int(Some(1)),
                Cell::Date(NaiveDate::from_ymd_opt(2026, 6, 1)),
                Cell::Date(Some(due)),
                Cell::Text(Some("open".into())),
                Cell::Timestamp(Some(issued)),
                Cell::Int(Some(1000)),
                Cell::Int(Some(if n == 6 { 100 } else { 0 })),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Json(Some(
                    crate::store::receivable::lines_to_json(&[
                        BilledLine {
                            tax_item: TaxItem::AutomobileTax,
                            principal: Won::new(700),
                        },
                        BilledLine {
                            tax_item: TaxItem::LocalEducationTax,
                            principal: Won::new(education),
                        },
                    ])
                    .unwrap(),
                )),
            ]);
        }
        insert(&db, "receivable", &bills).await.unwrap();
        // A receipt of 1,000 won an earlier file left in suspense: kind "N" is a payment,
        // "C" a cancellation held until the receipt it cancels arrives.
        let in_suspense = |bank_receipt_id: &str, kind: &str, number: String| {
            let mut rows = Rows::new(&[
                "id",
                "tenant_code",
                "import_id",
                "record_serial",
                "bank_code",
                "bank_receipt_id",
                "kind",
                "e_payment_number",
                "paid_on",
                "total_won",
                "applied_won",
                "overpaid_won",
                "suspense_won",
                "outcome",
            ]);
            rows.push(vec![
                Cell::Uuid(Some(Uuid::now_v7())),
                Cell::Text(Some("11110".into())),
                Cell::Uuid(Some(Uuid::now_v7())),
                Cell::Int(Some(1)),
                Cell::Text(Some("032".into())),
                Cell::Text(Some(bank_receipt_id.into())),
                Cell::Text(Some(kind.into())),
                Cell::Text(Some(number)),
                Cell::Date(Some(due)),
                Cell::Int(Some(1000)),
                Cell::Int(Some(0)),
                Cell::Int(Some(0)),
                Cell::Int(Some(1000)),
                Cell::Text(Some("suspense".into())),
            ]);
            rows
        };
        // Bank receipt id "D" was posted by an earlier file.
        insert(&db, "receipt", &in_suspense("D", "N", number(99)))
            .await
            .unwrap();

        let mut recs = vec![
            rec(&number(1), "A", RecordKind::Normal), // exact, on time: settled
            rec(&number(2), "B", RecordKind::Normal), // partial
            rec(&number(3), "C", RecordKind::Normal), // paid after the due date
            rec(&number(4), "D", RecordKind::Normal), // its receipt id was posted before
            rec(&number(5), "E", RecordKind::Normal), // two payments of one bill
            rec(&number(5), "F", RecordKind::Normal),
            rec(&number(6), "G", RecordKind::Normal), // a bill already partly paid
        ];
        recs[1].total = Won::new(600);
        recs[2].paid_on = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        for (i, r) in recs.iter_mut().enumerate() {
            r.serial = u32::try_from(i + 1).unwrap();
        }
        let import_id = Uuid::now_v7();
        let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
        let settled = settle(&txn, tenant, "032", import_id, &recs, issued)
            .await
            .unwrap();
        txn.commit().await.unwrap();

        assert_eq!(settled.len(), 1, "{settled:?}");
        let s = &settled[0];
        assert_eq!(s.index, 0);
        assert_eq!(s.posting.bill_id, bill(1));
        assert_eq!(s.taxpayer_id, bill(101));
        assert_eq!(
            s.posting.lines,
            vec![
                (
                    TaxItem::from_name("automobile_tax", "t").unwrap(),
                    Won::new(700),
                    Won::ZERO
                ),
                (
                    TaxItem::from_name("local_education_tax", "t").unwrap(),
                    Won::new(300),
                    Won::ZERO
                ),
            ]
        );
        assert_eq!(s.placement.outcome, Outcome::Paid);
        assert_eq!(s.placement.principal_applied, Won::new(1000));
        let rows = db
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT r.bill_id, r.status, r.principal_paid_won, r.version,
                        (SELECT COUNT(*) FROM receipt p WHERE p.bill_id = r.bill_id) AS receipts,
                        (SELECT MAX(p.applied_won) FROM receipt p WHERE p.bill_id = r.bill_id) AS applied
                   FROM receivable r ORDER BY r.bill_id",
            ))
            .await
            .unwrap();
        let state: Vec<(String, i64, i64, i64, Option<i64>)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get("", "status").unwrap(),
                    r.try_get("", "principal_paid_won").unwrap(),
                    r.try_get("", "version").unwrap(),
                    r.try_get("", "receipts").unwrap(),
                    r.try_get("", "applied").unwrap(),
                )
            })
            .collect();
        let open = |paid| ("open".to_owned(), paid, 0, 0, None);
        assert_eq!(
            state,
            vec![
                ("paid".to_owned(), 1000, 1, 1, Some(1000)),
                open(0),
                open(0),
                open(0),
                open(0),
                open(100),
                open(0),
                open(0),
            ]
        );
        // The settled bill names its one payment, as the general matcher would.
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT CAST(payment_receipt_ids AS TEXT) AS payment_receipt_ids FROM receivable WHERE bill_id = $1",
                [bill(1).into()],
            ))
            .await
            .unwrap()
            .unwrap();
        let json: String = row.try_get("", "payment_receipt_ids").unwrap();
        assert_eq!(
            crate::store::receivable::receipt_ids_from_json(bill(1), &json).unwrap(),
            vec![s.placement.id]
        );

        // Run again, the same records settle nothing: bill 1 is paid now and the rest still
        // fail their checks. Its arrays then come back empty (NULL), and so does the result.
        let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
        let again = settle(&txn, tenant, "032", import_id, &recs, issued)
            .await
            .unwrap();
        txn.rollback().await.unwrap();
        assert!(again.is_empty(), "{again:?}");

        // A cancellation of receipt id "J" is held, waiting for the receipt it cancels: the
        // record with that id goes to the matcher, which pairs the two.
        insert(&db, "receipt", &in_suspense("J", "C", number(2)))
            .await
            .unwrap();
        // No repeated receipt id this time, so the first try runs to the end: it settles
        // bill 7, whose lines disagree with its principal, and is rolled back for it.
        let recs = vec![
            rec(&number(7), "H", RecordKind::Normal),
            rec(&number(8), "I", RecordKind::Normal),
            rec(&number(2), "J", RecordKind::Normal),
        ];
        let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
        let settled = settle(&txn, tenant, "032", import_id, &recs, issued)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        let bills: Vec<Uuid> = settled.iter().map(|s| s.posting.bill_id).collect();
        assert_eq!(bills, vec![bill(8)]);
        assert_eq!(settled[0].index, 1);
        let paid = db
            .query_all_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT r.bill_id, (SELECT COUNT(*) FROM receipt p WHERE p.bill_id = r.bill_id) AS receipts
                   FROM receivable r WHERE r.status = 'paid' ORDER BY r.bill_id",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.try_get::<Uuid>("", "bill_id").unwrap(),
                    r.try_get::<i64>("", "receipts").unwrap(),
                )
            })
            .collect::<Vec<_>>();
        assert_eq!(paid, vec![(bill(1), 1), (bill(8), 1)]);
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// A NULL array (an aggregate over no rows) reads as empty; a column the row lacks is an
    /// error, so a misnamed column cannot pass for a batch that settled nothing.
    #[tokio::test]
    async fn a_null_array_is_empty_and_a_missing_one_an_error() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT CAST(NULL AS int[]) AS positions, ARRAY['a', 'b'] AS lines",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(array::<i32>(&row, "positions").unwrap(), Vec::<i32>::new());
        assert_eq!(array::<String>(&row, "lines").unwrap(), ["a", "b"]);
        assert!(array::<Uuid>(&row, "bill_ids").is_err());
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// A position names a candidate, not a record of the batch: with a record that is no
    /// candidate between two that are, and the positions back in another order, each settled
    /// record is the one its position names, with that candidate's receipt id.
    #[tokio::test]
    async fn a_position_names_the_candidate_and_its_receipt_id() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let recs = [
            rec(&number(1), "A", RecordKind::Normal),
            rec(&number(2), "B", RecordKind::Cancel), // no candidate
            rec(&number(3), "C", RecordKind::Normal),
        ];
        let cands = candidates(&recs);
        assert_eq!(cands.iter().map(|c| c.0).collect::<Vec<_>>(), [0, 2]);
        let ids = [Uuid::from_u128(0xa), Uuid::from_u128(0xc)];
        let (bill_a, bill_c) = (Uuid::from_u128(0xb1), Uuid::from_u128(0xb3));
        let (payer_a, payer_c) = (Uuid::from_u128(0xd1), Uuid::from_u128(0xd3));
        let line = r#"[{"tax_item":"automobile_tax","principal_won":1000}]"#;
        let row = db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT ARRAY[2, 1] AS positions,
                            ARRAY[CAST('{bill_c}' AS uuid), CAST('{bill_a}' AS uuid)] AS bill_ids,
                            ARRAY[CAST('{payer_c}' AS uuid), CAST('{payer_a}' AS uuid)] AS taxpayer_ids,
                            ARRAY['{line}', '{line}'] AS lines"
                ),
            ))
            .await
            .unwrap();
        let settled = read_settled(row, &recs, &cands, &ids).unwrap();
        let seen: Vec<_> = settled
            .iter()
            .map(|s| {
                (
                    s.index,
                    s.placement.id,
                    s.posting.receipt_id,
                    s.posting.bill_id,
                    s.taxpayer_id,
                    s.e_payment_number.clone(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (2, ids[1], ids[1], bill_c, payer_c, number(3)),
                (0, ids[0], ids[0], bill_a, payer_a, number(1)),
            ]
        );
        assert!(settled.iter().all(lines_agree));
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// A position the batch does not have is an error, not a record settled at random.
    #[tokio::test]
    async fn a_position_outside_the_batch_is_an_error() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let row = |pos: i32| {
            Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!(
                    "SELECT ARRAY[{pos}] AS positions, ARRAY[gen_random_uuid()] AS bill_ids,
                            ARRAY[gen_random_uuid()] AS taxpayer_ids, ARRAY['[]'] AS lines"
                ),
            )
        };
        for pos in [0, 1, -1] {
            let r = db.query_one_raw(row(pos)).await.unwrap();
            let e = read_settled(r, &[], &[], &[]).unwrap_err().to_string();
            assert!(e.contains(&format!("position {pos}")), "{e}");
        }
        crate::testing::drop_postgres(db, &server, &name).await;
    }

    /// The batch's arrays carry any text as it is: nothing is quoted or escaped on the way.
    #[tokio::test]
    async fn arrays_carry_any_text_as_is() {
        let Some((db, server, name)) = crate::testing::postgres_unmigrated().await else {
            return;
        };
        let texts: Vec<String> = [
            "",
            "a,b",
            "{x}",
            "\"q\"",
            "back\\slash",
            "NULL",
            "홍길동",
            " pad ",
        ]
        .map(String::from)
        .into();
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT t, n FROM unnest(CAST($1 AS text[]), CAST($2 AS bigint[])) \
                 WITH ORDINALITY AS a(t, n, i) ORDER BY i",
                [
                    pg_array(texts.iter().cloned()),
                    pg_array((0..texts.len()).map(|i| i64::try_from(i).unwrap() - 1)),
                ],
            ))
            .await
            .unwrap();
        let back: Vec<(String, i64)> = rows
            .iter()
            .map(|r| (r.try_get("", "t").unwrap(), r.try_get("", "n").unwrap()))
            .collect();
        let sent: Vec<(String, i64)> = texts.into_iter().zip(-1..).collect();
        assert_eq!(back, sent);
        crate::testing::drop_postgres(db, &server, &name).await;
    }
}
