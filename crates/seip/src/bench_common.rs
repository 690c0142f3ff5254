//! What the benchmarks share: running SQL, counting rows, and the order of the measured
//! runs.

use sea_orm::{ConnectionTrait, Statement};

/// Run each statement of `sqls` in turn, outside a transaction.
pub(crate) async fn run_sql(admin: &impl ConnectionTrait, sqls: &[&str]) -> anyhow::Result<()> {
    for sql in sqls {
        admin
            .execute_raw(Statement::from_string(admin.get_database_backend(), *sql))
            .await?;
    }
    Ok(())
}

/// `SELECT COUNT(*) FROM {rows}`.
pub(crate) async fn count(db: &impl ConnectionTrait, rows: &str) -> anyhow::Result<i64> {
    Ok(db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {rows}"),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count of {rows}"))?
        .try_get("", "n")?)
}

/// One measured run: the baseline's or Seip's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    Baseline,
    Seip,
}

/// The order of the runs: rounds of one of each, baseline first in even rounds and Seip first
/// in odd ones, so that a steady drift of the machine cancels; the side with more runs has
/// the last rounds alone.
pub(crate) fn run_order(baseline_runs: u8, runs: u8) -> Vec<Turn> {
    let mut order = Vec::with_capacity(usize::from(baseline_runs) + usize::from(runs));
    for round in 0..baseline_runs.max(runs) {
        let mut pair = [
            (round < baseline_runs).then_some(Turn::Baseline),
            (round < runs).then_some(Turn::Seip),
        ];
        if round % 2 == 1 {
            pair.reverse();
        }
        order.extend(pair.into_iter().flatten());
    }
    order
}
