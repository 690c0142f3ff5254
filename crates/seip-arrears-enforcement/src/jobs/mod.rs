//! The scheduler: timers whose business day has come fire, each in its own transaction
//! that claims it (`fired_at`), applies its step and records it, so a timer fires once
//! however often the scheduler runs, crashes or runs in two replicas at once. On PostgreSQL
//! replicas skip the timers another is firing (`FOR UPDATE SKIP LOCKED`); on SQLite the
//! single writer and the claim's condition do the same.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use seip_runtime::db::sql;
use seip_runtime::error::AppResult;
use seip_runtime::outbox;
use tracing::Instrument;
use uuid::Uuid;

use crate::ArrearsEnforcementApp;
use crate::app::CONSUMERS;
use crate::domain::case::TimerKind;
use crate::wire::demands_lapsed;

/// Timers claimed per look: the demand lapses among them fire as one batch (a handful of
/// statements and one event), so a larger look lapses a due date's demands in fewer round
/// trips; 1,000 keeps each statement's list of ids and each event moderate.
const TIMER_BATCH: u64 = 1000;

impl ArrearsEnforcementApp {
    /// Fire every timer due by today (the business day); returns how many fired. Demand
    /// lapses fire in batches, one transaction and one `DemandsLapsed` event each; a timer
    /// that calls out (a registry, the auction platform) fires in a transaction of its own. A timer whose step
    /// fails (a registry that does not answer) is logged and left for the next look; the
    /// others fire.
    pub async fn run_due_timers(&self) -> AppResult<u64> {
        let mut fired = 0;
        let mut failed: HashSet<Uuid> = HashSet::new();
        loop {
            let due: Vec<_> = self
                .due_timers()
                .await?
                .into_iter()
                .filter(|(id, ..)| !failed.contains(id))
                .collect();
            if due.is_empty() {
                return Ok(fired);
            }
            let mut progressed = false;
            let (lapses, others): (Vec<_>, Vec<_>) = due
                .into_iter()
                .partition(|(_, kind, _)| *kind == TimerKind::DemandDeadline);
            if !lapses.is_empty() {
                match self.fire_lapses(&lapses).await {
                    Ok(n) => {
                        fired += n;
                        progressed |= n > 0;
                    }
                    Err(e) => {
                        tracing::warn!(timers = lapses.len(), error = %e, "demand lapses failed; they fire again at the next look");
                        failed.extend(lapses.iter().map(|(id, ..)| *id));
                        progressed = true;
                    }
                }
            }
            for (id, kind, subject) in others {
                match self.fire(id, kind, subject).await {
                    Ok(true) => {
                        fired += 1;
                        progressed = true;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(timer = %id, kind = kind.as_str(), subject = %subject, error = %e, "timer failed; it fires again at the next look");
                        failed.insert(id);
                        progressed = true;
                    }
                }
            }
            if !progressed {
                // Another replica holds them all: leave them to it.
                return Ok(fired);
            }
        }
    }

    /// Claim `timers` (demand deadlines) in one transaction — those another replica holds
    /// are skipped — lapse their demands, and emit one event per municipality.
    async fn fire_lapses(&self, timers: &[(Uuid, TimerKind, Uuid)]) -> AppResult<u64> {
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await?;
        let now = self.clock.now();
        let today = self.clock.today();
        let free: HashSet<Uuid> = if backend == DbBackend::Postgres {
            let list = vec!["?"; timers.len()].join(", ");
            txn.query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    &format!(
                        "SELECT id FROM timer WHERE id IN ({list}) AND fired_at IS NULL FOR UPDATE SKIP LOCKED"
                    ),
                ),
                timers.iter().map(|(id, ..)| (*id).into()),
            ))
            .await?
            .iter()
            .map(|r| r.try_get("", "id"))
            .collect::<Result<_, _>>()?
        } else {
            timers.iter().map(|(id, ..)| *id).collect()
        };
        // One statement claims them all; a timer another look fired meanwhile is not
        // returned.
        let wanted: Vec<Uuid> = timers
            .iter()
            .map(|(id, ..)| *id)
            .filter(|id| free.contains(id))
            .collect();
        if wanted.is_empty() {
            txn.rollback().await?;
            return Ok(0);
        }
        let list = vec!["?"; wanted.len()].join(", ");
        let mut values: Vec<sea_orm::Value> = vec![now.into()];
        values.extend(wanted.iter().map(|id| (*id).into()));
        let subjects: Vec<Uuid> = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    &format!(
                        "UPDATE timer SET fired_at = ? WHERE id IN ({list}) AND fired_at IS NULL RETURNING subject_id"
                    ),
                ),
                values,
            ))
            .await?
            .iter()
            .map(|r| r.try_get("", "subject_id"))
            .collect::<Result<_, _>>()?;
        let fired = u64::try_from(subjects.len()).unwrap_or(u64::MAX);
        let mut events: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for l in self.lapse_demands(&txn, &subjects, now, today).await? {
            events
                .entry(l.tenant.to_string())
                .or_default()
                .push(l.event);
        }
        for (tenant, demands) in events {
            outbox::enqueue(&txn, &CONSUMERS, &tenant, &demands_lapsed(demands), now).await?;
        }
        txn.commit().await?;
        self.relay.notify_one();
        Ok(fired)
    }

    /// The next timers due, oldest first.
    async fn due_timers(&self) -> AppResult<Vec<(Uuid, TimerKind, Uuid)>> {
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    &format!(
                        "SELECT id, kind, subject_id FROM timer WHERE fired_at IS NULL AND due_on <= ? \
                         ORDER BY due_on, id LIMIT {TIMER_BATCH}"
                    ),
                ),
                [self.clock.today().into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("", "kind")?;
                Ok((
                    r.try_get("", "id")?,
                    kind.parse().map_err(|e| {
                        seip_runtime::error::AppError::Internal(format!("timer.kind: {e}"))
                    })?,
                    r.try_get("", "subject_id")?,
                ))
            })
            .collect()
    }

    /// Claim and fire one timer; false when another took it first.
    async fn fire(&self, id: Uuid, kind: TimerKind, subject: Uuid) -> AppResult<bool> {
        let backend = self.db.get_database_backend();
        let txn = self.db.begin().await?;
        if backend == DbBackend::Postgres {
            let free = txn
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT id FROM timer WHERE id = $1 AND fired_at IS NULL FOR UPDATE SKIP LOCKED",
                    [id.into()],
                ))
                .await?;
            if free.is_none() {
                txn.rollback().await?;
                return Ok(false);
            }
        }
        let now = self.clock.now();
        let claimed = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "UPDATE timer SET fired_at = ? WHERE id = ? AND fired_at IS NULL",
                ),
                [now.into(), id.into()],
            ))
            .await?
            .rows_affected();
        if claimed == 0 {
            txn.rollback().await?;
            return Ok(false);
        }
        let today = self.clock.today();
        let span = tracing::info_span!("timer", kind = kind.as_str(), subject = %subject);
        async {
            match kind {
                TimerKind::DemandDeadline => {
                    for l in self.lapse_demands(&txn, &[subject], now, today).await? {
                        outbox::enqueue(
                            &txn,
                            &CONSUMERS,
                            l.tenant.as_str(),
                            &demands_lapsed(vec![l.event]),
                            now,
                        )
                        .await?;
                    }
                    Ok(())
                }
                TimerKind::SeizureOrder => self.order_seizure(&txn, subject, now, today).await,
                TimerKind::SeizureCheck => self.check_seizure(&txn, subject, now, today).await,
                TimerKind::SeizureRelease => self.send_release(&txn, subject, now, today).await,
                TimerKind::PlateReleaseEnd => {
                    self.end_temporary_release(&txn, subject, now, today).await
                }
                TimerKind::AuctionPublish => self.publish_auction(&txn, subject, now, today).await,
                TimerKind::AuctionOpen => self.open_auction(&txn, subject, now, today).await,
                TimerKind::AuctionDecide => self.decide_by_law(&txn, subject, now, today).await,
                TimerKind::AuctionPrice => self.check_price(&txn, subject, now, today).await,
                TimerKind::AuctionWithdraw => self.withdraw_listing(&txn, subject).await,
            }
        }
        .instrument(span)
        .await?;
        txn.commit().await?;
        self.relay.notify_one();
        Ok(true)
    }

    /// Fire due timers every `every` until `stop` resolves. A failure is logged and tried
    /// again at the next look; nothing it did half is kept.
    pub async fn run_timers(
        self,
        every: Duration,
        stop: impl std::future::Future<Output = ()> + Send,
    ) {
        tokio::pin!(stop);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = tick.tick() => {
                    if let Err(e) = self.run_due_timers().await {
                        tracing::error!(error = %e, "timers failed; trying again at the next look");
                    }
                }
            }
        }
    }
}
