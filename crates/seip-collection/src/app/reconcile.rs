//! Revenue-account deposit statements (specs/treasury-feed.md §2) and reconciliation (§4):
//! for each tenant, bank and accounting date the deposits must equal the trailer totals of
//! the files they name. Reconciled files are stamped (소인) into the receipts ledger; a
//! mismatch opens an exception that shows both amounts and blocks stamping until an operator
//! resolves it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use seip_core::TenantCode;
use seip_runtime::convert::{fit, sum_won};
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::idempotency;
use seip_runtime::paging::{PageRequest, after_time_and_id, time_key};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::CollectionApp;
use crate::app::operator::{Audit, ByHand, audit, who_and_why};
use crate::domain::feed::SUM_DIGITS;
use crate::domain::reconciliation::{DayReconciliation, Reconciliation, StatementImported};
use crate::error::CollectionError;
use crate::store::treasury_import::ImportStatus;
use crate::store::{
    deposit, deposit_statement, receipt, reconciliation_exception, treasury_import,
};

/// The header line of a deposit statement, exactly.
pub const DEPOSIT_HEADER: [&str; 6] = [
    "tenant",
    "bank",
    "account_no",
    "accounting_date",
    "amount",
    "reference",
];

/// One line of a deposit statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepositLine {
    /// Line in the file (the header is line 1).
    pub line: usize,
    /// 시군구 code.
    pub tenant_code: String,
    /// Treasury bank code.
    pub bank_code: String,
    /// Revenue account.
    pub account_no: String,
    /// 회계일자.
    pub accounting_date: NaiveDate,
    /// Whole won.
    pub amount: i64,
    /// The receipt-notice file it settles: `RCPT_{tenant}_{bank}_{YYYYMMDD}_{seq}`.
    pub reference: String,
    /// The file sequence named by the reference.
    pub file_seq: i32,
}

/// The name the exceptions list's page tokens carry.
pub const EXCEPTIONS_LIST: &str = "collection.ListReconciliationExceptions";

fn bad(line: usize, column: &str, reason: impl std::fmt::Display) -> AppError {
    CollectionError::MalformedDepositStatement(format!("line {line}, {column}: {reason}")).into()
}

fn digits(line: usize, column: &str, v: &str, len: usize) -> AppResult<()> {
    if v.len() == len && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(bad(
            line,
            column,
            format!("expected {len} digits, found {v:?}"),
        ))
    }
}

fn ymd(line: usize, column: &str, v: &str) -> AppResult<NaiveDate> {
    digits(line, column, v, 8)?;
    NaiveDate::parse_from_str(v, "%Y%m%d").map_err(|_| {
        bad(
            line,
            column,
            format!("expected a real date YYYYMMDD, found {v:?}"),
        )
    })
}

/// Parse a statement: UTF-8 CSV, the exact header line, six columns per line. Every error
/// names the line and column; nothing is kept from a statement with any error.
pub fn parse_deposits(bytes: &[u8]) -> AppResult<Vec<DepositLine>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| CollectionError::MalformedDepositStatement(format!("not UTF-8 ({e})")))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| bad(1, "header", e))?
        .iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    if headers != DEPOSIT_HEADER {
        return Err(bad(
            1,
            "header",
            format!("expected {:?}", DEPOSIT_HEADER.join(",")),
        ));
    }
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(line, "record", e))?;
        if rec.len() != DEPOSIT_HEADER.len() {
            return Err(bad(
                line,
                "record",
                format!("expected 6 columns, found {}", rec.len()),
            ));
        }
        let tenant = &rec[0];
        digits(line, "tenant", tenant, 5)?;
        let bank = &rec[1];
        digits(line, "bank", bank, 3)?;
        if rec[2].is_empty() {
            return Err(bad(line, "account_no", "required"));
        }
        let date = ymd(line, "accounting_date", &rec[3])?;
        // At most as many digits as a treasury file's sums: a statement cannot carry an
        // amount no file could.
        let amount: i64 = if !rec[4].is_empty()
            && rec[4].len() <= SUM_DIGITS
            && rec[4].bytes().all(|b| b.is_ascii_digit())
        {
            rec[4]
                .parse()
                .map_err(|_| bad(line, "amount", "too large"))?
        } else if rec[4].len() > SUM_DIGITS && rec[4].bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(
                line,
                "amount",
                format!("at most {SUM_DIGITS} digits, found {}", rec[4].len()),
            ));
        } else {
            return Err(bad(
                line,
                "amount",
                format!("expected whole won (digits only), found {:?}", &rec[4]),
            ));
        };
        let reference = rec[5].trim_end_matches(".dat").to_owned();
        let parts: Vec<&str> = reference.split('_').collect();
        let [prefix, r_tenant, r_bank, r_date, r_seq] = parts[..] else {
            return Err(bad(
                line,
                "reference",
                format!(
                    "expected RCPT_{{tenant}}_{{bank}}_{{YYYYMMDD}}_{{seq}}, found {reference:?}"
                ),
            ));
        };
        if prefix != "RCPT" || r_tenant != tenant || r_bank != bank || r_date != &rec[3] {
            return Err(bad(
                line,
                "reference",
                format!(
                    "expected RCPT_{tenant}_{bank}_{}_{{seq}} (the line's own tenant, bank and date), found {reference:?}",
                    &rec[3]
                ),
            ));
        }
        digits(line, "reference", r_seq, 4)?;
        let file_seq = r_seq.parse().unwrap_or(0);
        out.push(DepositLine {
            line,
            tenant_code: tenant.to_owned(),
            bank_code: bank.to_owned(),
            account_no: rec[2].to_owned(),
            accounting_date: date,
            amount,
            reference,
            file_seq,
        });
    }
    Ok(out)
}

impl CollectionApp {
    /// Import a deposit statement and reconcile every day it touches.
    pub async fn import_deposit_statement(
        &self,
        tenant: TenantCode,
        key: &str,
        file_name: &str,
        content: &[u8],
    ) -> AppResult<StatementImported> {
        idempotency::check_key(key)?;
        let sha = idempotency::hex(&Sha256::digest(content));
        // The same key for another statement is a mistake, not a new statement.
        if let Some(prev) = deposit_statement::Entity::find()
            .filter(deposit_statement::Column::TenantCode.eq(tenant.as_str()))
            .filter(deposit_statement::Column::IdempotencyKey.eq(key))
            .one(&self.db)
            .await?
            && prev.sha256 != sha
        {
            return Err(CollectionError::DepositStatementKeyReused {
                key: key.to_owned(),
                file_name: prev.file_name,
            }
            .into());
        }
        if let Some(prev) = deposit_statement::Entity::find()
            .filter(deposit_statement::Column::TenantCode.eq(tenant.as_str()))
            .filter(deposit_statement::Column::Sha256.eq(sha.clone()))
            .one(&self.db)
            .await?
        {
            let mut first = deposit_statement::first_answer(&prev)?;
            first.already_imported = true;
            return Ok(first);
        }
        let lines = parse_deposits(content)?;
        if let Some(l) = lines.iter().find(|l| l.tenant_code != tenant.as_str()) {
            return Err(bad(
                l.line,
                "tenant",
                format!("this statement is imported for municipality {tenant}"),
            ));
        }
        let total_won = sum_won(lines.iter().map(|l| l.amount), "deposit statement total")?;
        let statement_id = Uuid::now_v7();
        let txn = self.db.begin().await?;
        let mut days = BTreeSet::new();
        for l in &lines {
            // A corrected statement restates a file's deposit: the earlier line stays, marked.
            deposit::Entity::update_many()
                .col_expr(
                    deposit::Column::SupersededBy,
                    sea_orm::sea_query::Expr::value(statement_id),
                )
                .filter(deposit::Column::TenantCode.eq(l.tenant_code.clone()))
                .filter(deposit::Column::BankCode.eq(l.bank_code.clone()))
                .filter(deposit::Column::AccountingDate.eq(l.accounting_date))
                .filter(deposit::Column::Reference.eq(l.reference.clone()))
                .filter(deposit::Column::SupersededBy.is_null())
                .exec(&txn)
                .await?;
        }
        for l in &lines {
            deposit::ActiveModel {
                id: Set(Uuid::now_v7()),
                statement_id: Set(statement_id),
                line_no: Set(fit(l.line, "deposit line_no")?),
                tenant_code: Set(l.tenant_code.clone()),
                bank_code: Set(l.bank_code.clone()),
                account_no: Set(l.account_no.clone()),
                accounting_date: Set(l.accounting_date),
                amount_won: Set(l.amount),
                reference: Set(l.reference.clone()),
                superseded_by: Set(None),
            }
            .insert(&txn)
            .await?;
            days.insert((l.bank_code.clone(), l.accounting_date));
        }
        let mut resp = StatementImported {
            statement_id,
            already_imported: false,
            lines: fit(lines.len(), "deposit statement lines")?,
            total_won,
            reconciliations: Vec::new(),
        };
        for (bank, date) in days {
            resp.reconciliations
                .push(self.reconcile_day(&txn, tenant, &bank, date).await?);
        }
        deposit_statement::ActiveModel {
            id: Set(statement_id),
            tenant_code: Set(tenant.to_string()),
            sha256: Set(sha),
            idempotency_key: Set(key.to_owned()),
            file_name: Set(file_name.to_owned()),
            lines: Set(resp.lines),
            total_won: Set(resp.total_won),
            response: Set(deposit_statement::answer_to_keep(&resp)),
            imported_at: Set(self.clock.now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        tracing::info!(%statement_id, lines = resp.lines, total_won = resp.total_won, "deposit statement imported");
        Ok(resp)
    }

    /// Reconcile one tenant, bank and accounting date inside `txn`: stamp the files the
    /// deposits name when the sums agree, or open (or update) the day's exception.
    pub(crate) async fn reconcile_day(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        bank: &str,
        date: NaiveDate,
    ) -> AppResult<DayReconciliation> {
        if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
            // One reconciliation of a day at a time: a file finishing while its deposits
            // arrive must not leave the day undecided (SQLite serialises writers anyway).
            txn.execute_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                [format!("reconcile:{tenant}:{bank}:{date}").into()],
            ))
            .await?;
        }
        let deposits = deposit::Entity::find()
            .filter(deposit::Column::TenantCode.eq(tenant.as_str()))
            .filter(deposit::Column::BankCode.eq(bank))
            .filter(deposit::Column::AccountingDate.eq(date))
            .filter(deposit::Column::SupersededBy.is_null())
            .all(txn)
            .await?;
        let mut out = DayReconciliation {
            bank_code: bank.to_owned(),
            accounting_date: date,
            deposited_won: sum_won(deposits.iter().map(|d| d.amount_won), "the day's deposits")?,
            files_total_won: 0,
            status: Reconciliation::AwaitingDeposit,
            files_stamped: 0,
            receipts_stamped: 0,
            exception_id: None,
        };
        if deposits.is_empty() {
            return Ok(out);
        }
        let seqs: BTreeMap<i32, String> = deposits
            .iter()
            .filter_map(|d| {
                let seq = d.reference.rsplit('_').next()?.parse().ok()?;
                Some((seq, d.reference.clone()))
            })
            .collect();
        let files = treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()))
            .filter(treasury_import::Column::BankCode.eq(bank))
            .filter(treasury_import::Column::AccountingDate.eq(date))
            .filter(
                treasury_import::Column::FileSeq.is_in(seqs.keys().copied().collect::<Vec<_>>()),
            )
            .all(txn)
            .await?;
        if files.iter().any(|f| f.status != ImportStatus::Applied) {
            // Decided when the last of them is applied.
            return Ok(out);
        }
        out.files_total_won = sum_won(files.iter().map(|f| f.total_won), "the day's files")?;
        let missing: Vec<&str> = seqs
            .iter()
            .filter(|(seq, _)| !files.iter().any(|f| f.file_seq == **seq))
            .map(|(_, r)| r.as_str())
            .collect();
        let open = reconciliation_exception::Entity::find()
            .filter(reconciliation_exception::Column::TenantCode.eq(tenant.as_str()))
            .filter(reconciliation_exception::Column::BankCode.eq(bank))
            .filter(reconciliation_exception::Column::AccountingDate.eq(date))
            .filter(reconciliation_exception::Column::ResolvedAt.is_null())
            .one(txn)
            .await?;
        let now = self.clock.now();
        let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
        if missing.is_empty() && out.files_total_won == out.deposited_won {
            if let Some(e) = open {
                // A later statement settled the difference.
                let mut am: reconciliation_exception::ActiveModel = e.into();
                am.resolved_at = Set(Some(now));
                am.resolved_by = Set(Some("reconciliation".into()));
                am.resolution = Set(Some("deposits now equal the files".into()));
                am.update(txn).await?;
            }
            let stamped = stamp(txn, &ids, Reconciliation::Reconciled).await?;
            out.status = Reconciliation::Reconciled;
            out.files_stamped = fit(ids.len(), "files stamped")?;
            out.receipts_stamped = stamped;
            return Ok(out);
        }
        let mut detail = format!(
            "deposits {} won, files {} won, difference {} won",
            out.deposited_won,
            out.files_total_won,
            out.deposited_won - out.files_total_won
        );
        if !missing.is_empty() {
            detail.push_str(&format!("; not received: {}", missing.join(", ")));
        }
        let id = match open {
            Some(e) => {
                let id = e.id;
                let mut am: reconciliation_exception::ActiveModel = e.into();
                am.deposited_won = Set(out.deposited_won);
                am.files_total_won = Set(out.files_total_won);
                am.detail = Set(detail.clone());
                am.update(txn).await?;
                id
            }
            None => {
                let id = Uuid::now_v7();
                reconciliation_exception::ActiveModel {
                    id: Set(id),
                    tenant_code: Set(tenant.to_string()),
                    bank_code: Set(bank.to_owned()),
                    accounting_date: Set(date),
                    deposited_won: Set(out.deposited_won),
                    files_total_won: Set(out.files_total_won),
                    detail: Set(detail.clone()),
                    opened_at: Set(now),
                    resolved_at: Set(None),
                    resolved_by: Set(None),
                    resolution: Set(None),
                }
                .insert(txn)
                .await?;
                id
            }
        };
        treasury_import::Entity::update_many()
            .col_expr(
                treasury_import::Column::Reconciliation,
                sea_orm::sea_query::Expr::value(Reconciliation::Exception),
            )
            .filter(treasury_import::Column::Id.is_in(ids))
            .exec(txn)
            .await?;
        tracing::warn!(%bank, %date, %detail, "reconciliation exception");
        out.status = Reconciliation::Exception;
        out.exception_id = Some(id);
        Ok(out)
    }

    /// Reconciliation exceptions, oldest first.
    pub async fn list_reconciliation_exceptions(
        &self,
        tenant: TenantCode,
        include_resolved: bool,
        page: &PageRequest,
    ) -> AppResult<(Vec<reconciliation_exception::Model>, String)> {
        let mut q = reconciliation_exception::Entity::find()
            .filter(reconciliation_exception::Column::TenantCode.eq(tenant.as_str()));
        if !include_resolved {
            q = q.filter(reconciliation_exception::Column::ResolvedAt.is_null());
        }
        if let Some(after) = &page.after {
            q = q.filter(after_time_and_id(
                reconciliation_exception::Column::OpenedAt,
                reconciliation_exception::Column::Id,
                after,
                sea_orm::Order::Asc,
            )?);
        }
        let rows = q
            .order_by_asc(reconciliation_exception::Column::OpenedAt)
            .order_by_asc(reconciliation_exception::Column::Id)
            .limit(page.fetch())
            .all(&self.db)
            .await?;
        let (rows, next) = page.finish(EXCEPTIONS_LIST, rows, |m| {
            vec![time_key(m.opened_at), m.id.to_string()]
        });
        Ok((rows, next))
    }

    /// An operator resolves an exception, in `txn`: the day's files named by its deposits are
    /// stamped. The exception as resolved, and the receipts stamped.
    pub async fn resolve_reconciliation_exception(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        cmd: ByHand<'_>,
    ) -> AppResult<(reconciliation_exception::Model, i64)> {
        let ByHand {
            subject: id,
            operator,
            reason,
        } = cmd;
        who_and_why(operator, reason)?;
        let e = open_exception(txn, tenant, id).await?;
        let now = self.clock.now();
        let refs: Vec<i32> = deposit::Entity::find()
            .filter(deposit::Column::TenantCode.eq(tenant.as_str()))
            .filter(deposit::Column::BankCode.eq(e.bank_code.clone()))
            .filter(deposit::Column::AccountingDate.eq(e.accounting_date))
            .filter(deposit::Column::SupersededBy.is_null())
            .all(txn)
            .await?
            .iter()
            .filter_map(|d| d.reference.rsplit('_').next()?.parse().ok())
            .collect();
        let ids: Vec<Uuid> = treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(tenant.as_str()))
            .filter(treasury_import::Column::BankCode.eq(e.bank_code.clone()))
            .filter(treasury_import::Column::AccountingDate.eq(e.accounting_date))
            .filter(treasury_import::Column::FileSeq.is_in(refs))
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applied))
            .all(txn)
            .await?
            .iter()
            .map(|f| f.id)
            .collect();
        let stamped = stamp(txn, &ids, Reconciliation::Resolved).await?;
        let mut am: reconciliation_exception::ActiveModel = e.clone().into();
        am.resolved_at = Set(Some(now));
        am.resolved_by = Set(Some(operator.to_owned()));
        am.resolution = Set(Some(reason.to_owned()));
        let e = am.update(txn).await?;
        audit(
            txn,
            tenant,
            now,
            Audit {
                actor: operator,
                action: "resolve_reconciliation_exception",
                subject: id.to_string(),
                reason,
                detail: serde_json::json!({
                    "bank_code": e.bank_code,
                    "accounting_date": e.accounting_date.to_string(),
                    "deposited_won": e.deposited_won,
                    "files_total_won": e.files_total_won,
                    "files_stamped": ids.len(),
                    "receipts_stamped": stamped,
                }),
            },
        )
        .await?;
        Ok((e, stamped))
    }
}

/// Stamp every receipt of the files `ids` into the receipts ledger and mark the files.
/// The exception `id` of `tenant`, if it is still open.
pub(crate) async fn open_exception(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    id: Uuid,
) -> AppResult<reconciliation_exception::Model> {
    let e = reconciliation_exception::Entity::find_by_id(id)
        .filter(reconciliation_exception::Column::TenantCode.eq(tenant.as_str()))
        .one(txn)
        .await?
        .ok_or(CollectionError::ExceptionNotFound(id))?;
    if e.resolved_at.is_some() {
        return Err(CollectionError::ExceptionAlreadyResolved {
            id,
            resolved_by: e.resolved_by.unwrap_or_default(),
        }
        .into());
    }
    Ok(e)
}

async fn stamp(txn: &DatabaseTransaction, ids: &[Uuid], state: Reconciliation) -> AppResult<i64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let n = receipt::Entity::update_many()
        .col_expr(
            receipt::Column::Stamped,
            sea_orm::sea_query::Expr::value(true),
        )
        .filter(receipt::Column::ImportId.is_in(ids.to_vec()))
        .filter(receipt::Column::Stamped.eq(false))
        .exec(txn)
        .await?
        .rows_affected;
    treasury_import::Entity::update_many()
        .col_expr(
            treasury_import::Column::Reconciliation,
            sea_orm::sea_query::Expr::value(state),
        )
        .filter(treasury_import::Column::Id.is_in(ids.to_vec()))
        .exec(txn)
        .await?;
    fit(n, "receipts stamped")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_parses_and_every_error_names_line_and_column() {
        let ok = "tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1005-301-123456,20261220,1234567890,RCPT_11110_032_20261220_0001\n";
        let l = parse_deposits(ok.as_bytes()).unwrap();
        assert_eq!(l[0].amount, 1_234_567_890);
        assert_eq!(l[0].file_seq, 1);
        for (text, needle) in [
            ("tenant,bank\n", "line 1, header"),
            (
                "tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1,20261232,1,RCPT_11110_032_20261232_0001\n",
                "line 2, accounting_date",
            ),
            (
                "tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1,20261220,-5,RCPT_11110_032_20261220_0001\n",
                "line 2, amount",
            ),
            (
                "tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1,20261220,5,RCPT_11110_088_20261220_0001\n",
                "line 2, reference",
            ),
            (
                "tenant,bank,account_no,accounting_date,amount,reference\n11110,032,1,20261220,1000000000000000,RCPT_11110_032_20261220_0001\n",
                "line 2, amount: at most 15 digits",
            ),
        ] {
            let e = parse_deposits(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(needle), "{e} should name {needle}");
        }
    }
}
