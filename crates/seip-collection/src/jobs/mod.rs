//! The treasury import job: a stored file applied chunk by chunk, one transaction each that
//! also advances the job's cursor, so a job stopped anywhere (a crash, a deploy) resumes at
//! the first chunk not applied and applies every record exactly once. Matching to bills (the
//! semantic step) happens here: the common case set-based ([`crate::store::settle`]), every
//! other record through the general matcher ([`crate::domain::posting::Batch`]).

pub(crate) mod in_flight;

use std::collections::HashSet;
use std::time::Duration;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use seip_core::{EPaymentNumber, TenantCode, Won};
use seip_proto::collection::v1 as pb;
use seip_runtime::bulk::{self, Cell, Rows};
use seip_runtime::db::sql;
use seip_runtime::error::{AppError, AppResult};
use seip_runtime::outbox;
use tokio::task::JoinSet;
use tracing::Instrument;
use uuid::Uuid;

use self::in_flight::InFlight;
use crate::CollectionApp;
use crate::app::CONSUMERS;
use crate::domain::feed::{self, RECORD_LEN};
use crate::domain::posting::{Batch, Outcome, Placement, PostedReceipt};
use crate::error::CollectionError;
use crate::error::{feed_error, rule};
use crate::store::bills::{Loaded, load_bills, load_bills_by_number, save_bills};
use crate::store::receipt::receipt_kind;
use crate::store::settle;
use crate::store::treasury_import::ImportStatus;
use crate::store::{receipt, receivable, treasury_file_chunk, treasury_import};
use crate::wire::{bill_overdue, posting_to_proto};

/// The quarantined imports of every municipality, oldest first (`seip ops imports`).
pub async fn quarantined(
    db: &sea_orm::DatabaseConnection,
) -> AppResult<Vec<treasury_import::Model>> {
    Ok(treasury_import::Entity::find()
        .filter(treasury_import::Column::Status.eq(ImportStatus::Quarantined))
        .order_by_asc(treasury_import::Column::Id)
        .all(db)
        .await?)
}

/// Put the quarantined import `import_id` back to be applied: a running job runner takes it
/// up within `feed.resume_poll_ms`, from its first part not applied. Whether it was
/// quarantined.
pub async fn retry(db: &sea_orm::DatabaseConnection, import_id: Uuid) -> AppResult<bool> {
    let n = treasury_import::Entity::update_many()
        .col_expr(
            treasury_import::Column::Status,
            sea_orm::sea_query::Expr::value(ImportStatus::Applying),
        )
        .col_expr(
            treasury_import::Column::Failures,
            sea_orm::sea_query::Expr::value(0),
        )
        .col_expr(
            treasury_import::Column::LastError,
            sea_orm::sea_query::Expr::value(Option::<String>::None),
        )
        .filter(treasury_import::Column::Id.eq(import_id))
        .filter(treasury_import::Column::Status.eq(ImportStatus::Quarantined))
        .exec(db)
        .await?
        .rows_affected;
    Ok(n == 1)
}

/// How long a stopping job runner waits for the chunks being applied to commit.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// Postings per `PaymentsPosted` event.
const POSTINGS_PER_EVENT: usize = 2000;
/// What one chunk added to its job's counters.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    records: i64,
    paid: i64,
    partial: i64,
    overpaid: i64,
    suspense: i64,
    cancelled: i64,
    applied: Won,
    overpaid_won: Won,
    suspense_won: Won,
    /// Of the records, how many the set-based statement settled (not a job counter).
    pub(crate) set_based: usize,
}

impl Counts {
    fn add(&mut self, p: &Placement) {
        self.records += 1;
        match p.outcome {
            Outcome::Paid => self.paid += 1,
            Outcome::Partial => self.partial += 1,
            Outcome::Overpaid | Outcome::DoublePayment => self.overpaid += 1,
            Outcome::Suspense | Outcome::Duplicate => self.suspense += 1,
            Outcome::Cancellation => self.cancelled += 1,
            Outcome::Assigned => {}
        }
        self.applied += p.applied();
        self.overpaid_won += p.overpaid;
        self.suspense_won += p.suspense;
    }
}

impl CollectionApp {
    /// Run import jobs until `stop` resolves: first every job left unfinished (by a crash or
    /// a deploy), then each new upload. Stopping lets the chunks being applied commit, for up
    /// to [`STOP_GRACE`], and starts no other; a job still running then is abandoned (its
    /// transaction rolls back). The next start resumes every job from its first unapplied
    /// chunk.
    pub async fn run_jobs(self, stop: impl std::future::Future<Output = ()>) {
        let Some(mut rx) = self.jobs_rx.lock().ok().and_then(|mut g| g.take()) else {
            tracing::error!("import job runner started twice");
            return;
        };
        // Chunks staged by uploads a stopped process never finished.
        if let Err(e) = self.discard_abandoned_uploads().await {
            tracing::warn!(error = %e, "could not look for abandoned uploads");
        }
        let mut running: JoinSet<Uuid> = JoinSet::new();
        let mut started: HashSet<Uuid> = HashSet::new();
        tokio::pin!(stop);
        // Jobs left unfinished, listed until the database answers: a job not resumed here
        // would wait for the next start.
        let mut backoff = Duration::from_millis(100);
        let unfinished = loop {
            let listed = treasury_import::Entity::find()
                .filter(treasury_import::Column::Status.eq(ImportStatus::Applying))
                .order_by_asc(treasury_import::Column::Id)
                .all(&self.db)
                .await;
            match listed {
                Ok(unfinished) => break unfinished,
                Err(e) => {
                    tracing::warn!(error = %e, "could not list unfinished imports; retrying");
                    tokio::select! {
                        () = &mut stop => return,
                        () = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        };
        for m in unfinished {
            tracing::info!(import_id = %m.id, records_applied = m.records_applied, records = m.records, "resuming import");
            started.insert(m.id);
            running.spawn(self.clone().run_job(m.id));
        }
        // Imports to apply that no job here is applying: one an operator retried after a
        // quarantine, one another replica left.
        let mut look_again =
            tokio::time::interval(Duration::from_millis(self.feed.resume_poll_ms.max(10)));
        look_again.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        look_again.reset();
        loop {
            tokio::select! {
                () = &mut stop => break,
                Some(id) = rx.recv() => {
                    if started.insert(id) {
                        running.spawn(self.clone().run_job(id));
                    }
                }
                Some(done) = running.join_next(), if !running.is_empty() => {
                    if let Ok(id) = done {
                        started.remove(&id);
                    }
                }
                _ = look_again.tick() => {
                    match self.purge_settled_chunks().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(chunks = n, "parts of settled treasury files past retention deleted"),
                        Err(e) => tracing::warn!(error = %e, "could not delete settled treasury file parts"),
                    }
                    match self.imports_applying().await {
                        Ok(ids) => {
                            for id in ids {
                                if started.insert(id) {
                                    tracing::info!(import_id = %id, "applying an import no job here was applying");
                                    running.spawn(self.clone().run_job(id));
                                }
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "could not list imports to apply"),
                    }
                }
            }
        }
        // Cancelling a job mid-statement would leave its connection waiting for an answer
        // that never comes (until the pool gives up on it after a few seconds) and throw
        // away the chunk's work: jobs are asked to stop between chunks first.
        self.stopping.send_replace(true);
        self.progress.notify_waiters();
        let drained = tokio::time::timeout(STOP_GRACE, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("import jobs still running after the stop grace; abandoning them");
            running.abort_all();
            while running.join_next().await.is_some() {}
        }
    }

    /// Whether the job runner has been told to stop.
    fn stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Resolves once the job runner is told to stop.
    async fn stop_requested(&self) {
        let _ = self.stopping.subscribe().wait_for(|s| *s).await;
    }

    /// Delete the stored parts (raw records, payer names among them) of the files applied,
    /// reconciled (or resolved) and finished more than `feed.chunk_retention_days` ago.
    /// Returns how many parts went.
    pub async fn purge_settled_chunks(&self) -> AppResult<u64> {
        use crate::domain::reconciliation::Reconciliation;
        use sea_orm::QueryTrait as _;
        let cutoff =
            self.clock.now() - chrono::Duration::days(i64::from(self.feed.chunk_retention_days));
        let settled = treasury_import::Entity::find()
            .select_only()
            .column(treasury_import::Column::Id)
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applied))
            .filter(
                treasury_import::Column::Reconciliation
                    .is_in([Reconciliation::Reconciled, Reconciliation::Resolved]),
            )
            .filter(treasury_import::Column::FinishedAt.lte(cutoff))
            .into_query();
        Ok(treasury_file_chunk::Entity::delete_many()
            .filter(treasury_file_chunk::Column::ImportId.in_subquery(settled))
            .exec(&self.db)
            .await?
            .rows_affected)
    }

    /// The imports still being applied, oldest first.
    async fn imports_applying(&self) -> AppResult<Vec<Uuid>> {
        Ok(treasury_import::Entity::find()
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applying))
            .order_by_asc(treasury_import::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect())
    }

    async fn run_job(self, import_id: Uuid) -> Uuid {
        let span =
            tracing::info_span!("treasury import job", seip.service = "collection", %import_id);
        if let Ok(Some(m)) = treasury_import::Entity::find_by_id(import_id)
            .one(&self.db)
            .await
        {
            seip_runtime::telemetry::set_parent_from_traceparent(&span, &m.traceparent);
        }
        self.run_job_steps(import_id).instrument(span).await;
        import_id
    }

    async fn run_job_steps(&self, import_id: Uuid) {
        // Files of a bank are applied in the order of their accounting date and sequence, so
        // a cancellation never overtakes the receipt it cancels.
        let chunks = loop {
            if self.stopping() {
                return;
            }
            match self.job_ready(import_id).await {
                Ok(Some(chunks)) => break chunks,
                Ok(None) => self.progress_changed().await,
                Err(e) => {
                    tracing::warn!(%import_id, error = %e, "import job check failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        // One process applies an import at a time: file order across the chunks in flight
        // is kept within a process. A replica that resumes the same job waits here.
        let lock = loop {
            // Waiting for another process's lock holds no pooled connection: stop at once.
            let taken = tokio::select! {
                taken = self.job_lock(import_id) => taken,
                () = self.stop_requested() => return,
            };
            match taken {
                Ok(lock) => break lock,
                Err(e) => {
                    tracing::warn!(%import_id, error = %e, "taking the import's lock failed; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        };
        // PostgreSQL applies several chunks at a time (each waits on the service, the
        // database and its commit's flush in turn, so one leaves the machine half idle);
        // SQLite has one writer.
        let workers = if self.db.get_database_backend() == sea_orm::DbBackend::Postgres {
            self.feed.apply_workers.max(1)
        } else {
            1
        };
        let in_flight = InFlight::default();
        futures::future::join_all(
            (0..workers).map(|_| self.chunk_worker(import_id, chunks, &in_flight)),
        )
        .await;
        if in_flight.is_abandoned() {
            // Quarantined: left for an operator; closing the session releases the lock.
            if let Some(conn) = lock {
                let _ = sea_orm::sqlx::Connection::close(conn).await;
            }
            return;
        }
        let mut backoff = Duration::from_millis(50);
        loop {
            if self.stopping() {
                return;
            }
            match self.try_finish(import_id).await {
                Ok(true) => {
                    if let Some(conn) = lock {
                        // Closing the session releases the lock.
                        let _ = sea_orm::sqlx::Connection::close(conn).await;
                    }
                    return;
                }
                Ok(false) => {
                    // A chunk is still in flight elsewhere (a replica of a version without the
                    // import lock, during a rolling deploy): look again.
                    self.progress_changed().await;
                    in_flight.rewind();
                    self.chunk_worker(import_id, chunks, &in_flight).await;
                }
                Err(e) => {
                    tracing::warn!(%import_id, error = %e, "finishing import failed; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        () = self.stop_requested() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// On PostgreSQL, a session of its own holding `import_id`'s advisory lock, taken once
    /// no other process holds it. The lock lives with the session, so a runner that dies
    /// releases it with its connection, and dropping the session (a stopped job) does too.
    async fn job_lock(&self, import_id: Uuid) -> AppResult<Option<sea_orm::sqlx::PgConnection>> {
        use sea_orm::{DbErr, RuntimeErr};
        if self.db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(None);
        }
        let err =
            |e| AppError::Database(DbErr::Conn(RuntimeErr::SqlxError(std::sync::Arc::new(e))));
        // Out of the pool: the pool would hand the session, lock and all, to someone else.
        let mut conn = self
            .db
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(err)?
            .detach();
        sea_orm::sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
            .bind(format!("seip.treasury_import.{import_id}"))
            .execute(&mut conn)
            .await
            .map_err(err)?;
        Ok(Some(conn))
    }

    /// The number of chunks of `import_id` once no earlier file of its bank is still being
    /// applied; `None` while one is.
    async fn job_ready(&self, import_id: Uuid) -> AppResult<Option<i32>> {
        let Some(job) = treasury_import::Entity::find_by_id(import_id)
            .one(&self.db)
            .await?
        else {
            return Err(CollectionError::ImportNotFound(import_id).into());
        };
        let earlier = treasury_import::Entity::find()
            .filter(treasury_import::Column::TenantCode.eq(job.tenant_code.clone()))
            .filter(treasury_import::Column::BankCode.eq(job.bank_code.clone()))
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applying))
            .filter(
                Condition::any()
                    .add(treasury_import::Column::AccountingDate.lt(job.accounting_date))
                    .add(
                        Condition::all()
                            .add(treasury_import::Column::AccountingDate.eq(job.accounting_date))
                            .add(treasury_import::Column::FileSeq.lt(job.file_seq)),
                    ),
            )
            .one(&self.db)
            .await?;
        Ok(earlier.is_none().then_some(job.chunks))
    }

    /// Take chunks in file order and apply each, until none is left.
    async fn chunk_worker(&self, import_id: Uuid, chunks: i32, in_flight: &InFlight) {
        while !self.stopping()
            && let Some(n) = in_flight.take_next(chunks)
        {
            let mut backoff = Duration::from_millis(50);
            let mut failures = 0;
            loop {
                if self.stopping() || in_flight.is_abandoned() {
                    return;
                }
                let step = match self.chunk_ready(import_id, n).await {
                    Ok(false) => {
                        let _ = tokio::time::timeout(
                            Duration::from_millis(200),
                            self.progress.notified(),
                        )
                        .await;
                        continue;
                    }
                    Ok(true) => self.apply_chunk_no(import_id, n, in_flight).await,
                    Err(e) => Err(e),
                };
                match step {
                    // Stopped while waiting for its turn: left for the next start, and not
                    // marked done, so no later chunk of the same bills overtakes it.
                    Ok(false) => return,
                    Ok(true) => {
                        in_flight.done(n);
                        if (n + 1).count_ones() == 1
                            && let Err(e) = self.sample_young_ledger().await
                        {
                            tracing::warn!(%import_id, error = %e, "sampling the receipts ledger failed");
                        }
                        break;
                    }
                    Err(e) => {
                        failures += 1;
                        let limit = self.feed.quarantine_after;
                        if limit > 0 && failures >= limit {
                            match self.quarantine(import_id, n, failures, &e).await {
                                Ok(()) => {
                                    in_flight.abandon();
                                    return;
                                }
                                Err(q) => {
                                    tracing::warn!(%import_id, error = %q, "quarantining the import failed; retrying");
                                }
                            }
                        } else {
                            tracing::warn!(%import_id, chunk = n, failures, error = %e, "import batch failed; retrying");
                        }
                        tokio::select! {
                            () = tokio::time::sleep(backoff) => {}
                            () = self.stop_requested() => return,
                        }
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                }
            }
        }
    }

    /// Stop applying `import_id`: chunk `n` failed `failures` times in a row with `error`.
    /// The import is marked quarantined with the error, for an operator (`seip ops imports`);
    /// the files after it are not held up. Raised as an error in the log.
    async fn quarantine(
        &self,
        import_id: Uuid,
        n: i32,
        failures: u32,
        error: &AppError,
    ) -> AppResult<()> {
        let why = format!("chunk {n}: {error}");
        treasury_import::Entity::update_many()
            .col_expr(
                treasury_import::Column::Status,
                sea_orm::sea_query::Expr::value(ImportStatus::Quarantined),
            )
            .col_expr(
                treasury_import::Column::Failures,
                sea_orm::sea_query::Expr::value(i32::try_from(failures).unwrap_or(i32::MAX)),
            )
            .col_expr(
                treasury_import::Column::LastError,
                sea_orm::sea_query::Expr::value(why.clone()),
            )
            .filter(treasury_import::Column::Id.eq(import_id))
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applying))
            .exec(&self.db)
            .await?;
        tracing::error!(%import_id, chunk = n, failures, error = %why, "import quarantined: it failed the same way again and again; an operator retries it with `seip ops imports --retry` once the cause is put right");
        seip_runtime::telemetry::count_quarantined("treasury_import", &[]);
        self.progress.notify_waiters();
        Ok(())
    }

    /// Whether chunk `n` may be applied now: a chunk with a cancellation, or after an
    /// unapplied chunk with one, waits until every chunk before it is applied, so that a
    /// cancellation always finds the receipts before it in the file.
    async fn chunk_ready(&self, import_id: Uuid, n: i32) -> AppResult<bool> {
        let Some(chunk) = treasury_file_chunk::Entity::find()
            .filter(treasury_file_chunk::Column::ImportId.eq(import_id))
            .filter(treasury_file_chunk::Column::ChunkNo.eq(n))
            .select_only()
            .column(treasury_file_chunk::Column::HasCancel)
            .column(treasury_file_chunk::Column::Applied)
            .into_tuple::<(bool, bool)>()
            .one(&self.db)
            .await?
        else {
            return Err(AppError::Internal(format!(
                "import {import_id}: chunk {n} missing"
            )));
        };
        if chunk.1 || n == 0 {
            return Ok(true);
        }
        let mut q = treasury_file_chunk::Entity::find()
            .filter(treasury_file_chunk::Column::ImportId.eq(import_id))
            .filter(treasury_file_chunk::Column::ChunkNo.lt(n))
            .filter(treasury_file_chunk::Column::Applied.eq(false));
        if !chunk.0 {
            q = q.filter(treasury_file_chunk::Column::HasCancel.eq(true));
        }
        Ok(q.count(&self.db).await? == 0)
    }

    /// Apply chunk `n` of `import_id` in one transaction, unless it already is, once its turn
    /// among the chunks `in_flight` has come. The chunk is read and the turn awaited before
    /// the transaction begins: a waiting chunk holds no connection and no lock. Returns
    /// `false` if the runner was told to stop before the chunk's turn came.
    async fn apply_chunk_no(
        &self,
        import_id: Uuid,
        n: i32,
        in_flight: &InFlight,
    ) -> AppResult<bool> {
        let chunk = treasury_file_chunk::Entity::find_by_id((import_id, n))
            .one(&self.db)
            .await?
            .ok_or_else(|| AppError::Internal(format!("import {import_id}: chunk {n} missing")))?;
        if chunk.applied {
            return Ok(true);
        }
        let recs = parse_chunk(&chunk)?;
        // Records of a bill take effect in file order, whichever chunk commits first.
        tokio::select! {
            () = in_flight.wait_turn(n, &recs) => {}
            () = self.stop_requested() => return Ok(false),
        }
        if in_flight.is_abandoned() {
            return Ok(false);
        }
        let txn = self.db.begin().await?;
        let job = treasury_import::Entity::find_by_id(import_id)
            .one(&txn)
            .await?
            .ok_or(CollectionError::ImportNotFound(import_id))?;
        // Claim the chunk: a runner that got here first makes this update miss.
        let claimed = treasury_file_chunk::Entity::update_many()
            .col_expr(
                treasury_file_chunk::Column::Applied,
                sea_orm::sea_query::Expr::value(true),
            )
            .filter(treasury_file_chunk::Column::ImportId.eq(import_id))
            .filter(treasury_file_chunk::Column::ChunkNo.eq(n))
            .filter(treasury_file_chunk::Column::Applied.eq(false))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed != 1 {
            return Ok(true);
        }
        let tenant = seip_runtime::convert::tenant(&job.tenant_code)?;
        let counts = self.apply_chunk(&txn, tenant, &job, recs).await?;
        let backend = txn.get_database_backend();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql(
                backend,
                "UPDATE treasury_import SET records_applied = records_applied + ?, paid_count = paid_count + ?, partial_count = partial_count + ?, overpaid_count = overpaid_count + ?, suspense_count = suspense_count + ?, cancelled_count = cancelled_count + ?, applied_won = applied_won + ?, overpaid_won = overpaid_won + ?, suspense_won = suspense_won + ? WHERE id = ?",
            ),
            [
                counts.records.into(),
                counts.paid.into(),
                counts.partial.into(),
                counts.overpaid.into(),
                counts.suspense.into(),
                counts.cancelled.into(),
                counts.applied.to_i64().into(),
                counts.overpaid_won.to_i64().into(),
                counts.suspense_won.to_i64().into(),
                import_id.into(),
            ],
        ))
        .await?;
        txn.commit().await?;
        self.relay.notify_one();
        self.progress.notify_waiters();
        Ok(true)
    }

    /// Sample the receipts ledger while it is young. It then grows faster than autovacuum
    /// samples it, and until it has been sampled once with rows in it the planner takes it
    /// for nearly empty and would scan it whole for every chunk's lookups. Once sampled, the
    /// planner scales its estimates with the table: a ledger already past a few chunks'
    /// worth of receipts is left to autovacuum (sampling a large one costs seconds).
    async fn sample_young_ledger(&self) -> AppResult<()> {
        if self.db.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        let sampled = self
            .db
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT CAST(reltuples AS bigint) AS n FROM pg_class WHERE oid = CAST('receipt' AS regclass)",
            ))
            .await?
            .map(|r| r.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(-1);
        let young = i64::try_from(self.feed.chunk_records.saturating_mul(8)).unwrap_or(i64::MAX);
        if sampled < young {
            // The schema owner's function (the service's role may not ANALYZE itself).
            self.db
                .execute_unprepared("SELECT sample_receipt()")
                .await?;
        }
        Ok(())
    }

    /// Finish the job once every chunk is applied. Returns whether it is finished.
    async fn try_finish(&self, import_id: Uuid) -> AppResult<bool> {
        let txn = self.db.begin().await?;
        let job = treasury_import::Entity::find_by_id(import_id)
            .one(&txn)
            .await?
            .ok_or(CollectionError::ImportNotFound(import_id))?;
        if job.status == ImportStatus::Applied {
            return Ok(true);
        }
        let left = treasury_file_chunk::Entity::find()
            .filter(treasury_file_chunk::Column::ImportId.eq(import_id))
            .filter(treasury_file_chunk::Column::Applied.eq(false))
            .count(&txn)
            .await?;
        if left > 0 {
            return Ok(false);
        }
        self.finish_job(txn, job).await?;
        Ok(true)
    }

    async fn finish_job(
        &self,
        txn: DatabaseTransaction,
        job: treasury_import::Model,
    ) -> AppResult<()> {
        // Every won of the file is in exactly one place.
        let placed = job.applied_won + job.overpaid_won + job.suspense_won;
        if placed != job.total_won || job.records_applied != job.records {
            return Err(AppError::Internal(format!(
                "import {}: placed {placed} won of {} and {} of {} records",
                job.id, job.total_won, job.records_applied, job.records
            )));
        }
        let done = treasury_import::Entity::update_many()
            .col_expr(
                treasury_import::Column::Status,
                sea_orm::sea_query::Expr::value(ImportStatus::Applied),
            )
            .col_expr(
                treasury_import::Column::FinishedAt,
                sea_orm::sea_query::Expr::value(self.clock.now()),
            )
            .filter(treasury_import::Column::Id.eq(job.id))
            .filter(treasury_import::Column::Status.eq(ImportStatus::Applying))
            .exec(&txn)
            .await?
            .rows_affected;
        if done != 1 {
            // Another runner finished it.
            return Ok(());
        }
        let tenant = seip_runtime::convert::tenant(&job.tenant_code)?;
        // Deposits that arrived before the file can be reconciled now.
        self.reconcile_day(&txn, tenant, &job.bank_code, job.accounting_date)
            .await?;
        txn.commit().await?;
        self.progress.notify_waiters();
        tracing::info!(import_id = %job.id, records = job.records, applied_won = job.applied_won, overpaid_won = job.overpaid_won, suspense_won = job.suspense_won, "treasury file applied");
        Ok(())
    }

    pub(crate) async fn apply_chunk(
        &self,
        txn: &DatabaseTransaction,
        tenant: TenantCode,
        job: &treasury_import::Model,
        mut recs: Vec<feed::Receipt>,
    ) -> AppResult<Counts> {
        let t0 = std::time::Instant::now();
        let records = recs.len();
        let now = self.clock.now();
        let b = txn.get_database_backend();
        // The common case first, set-based; the general matcher takes the rest, in file order.
        let settled = if b == sea_orm::DbBackend::Postgres && self.feed.set_based_settle {
            settle::settle(txn, tenant, &job.bank_code, job.id, &recs, now).await?
        } else {
            Vec::new()
        };
        let mut counts = Counts::default();
        let mut events: Vec<pb::Posting> = Vec::with_capacity(recs.len());
        if !settled.is_empty() {
            let mut taken = vec![false; recs.len()];
            for s in &settled {
                taken[s.index] = true;
                counts.add(&s.placement);
                events.push(posting_to_proto(
                    &s.posting,
                    s.taxpayer_id,
                    &s.e_payment_number,
                ));
            }
            let mut i = 0;
            recs.retain(|_| {
                i += 1;
                !taken[i - 1]
            });
        }
        let settled = settled.len();
        counts.set_based = settled;
        // The state the chunk posts against: earlier receipts with the same bank receipt ids,
        // the bills the records name, and the bills those receipts were applied to.
        let mut batch = Batch::default();
        let ids: Vec<String> = recs.iter().map(|r| r.bank_receipt_id.clone()).collect();
        let earlier =
            receipts_by_bank_id(txn, tenant, &job.bank_code, &ids, receipt_kind::POSTED).await?;
        let numbers: Vec<String> = recs
            .iter()
            .filter_map(|r| {
                EPaymentNumber::parse_field(&r.e_payment_number, "n")
                    .ok()
                    .map(|n| n.to_string())
            })
            .collect();
        let mut bills = load_bills_by_number(txn, tenant, &numbers).await?;
        let have: HashSet<Uuid> = bills.iter().map(|l| l.bill.bill_id).collect();
        let more: Vec<Uuid> = earlier
            .iter()
            .filter_map(|r| r.bill_id)
            .filter(|b| !have.contains(b))
            .collect();
        if !more.is_empty() {
            let models = receivable::Entity::find()
                .filter(receivable::Column::BillId.is_in(more))
                .all(txn)
                .await?;
            bills.extend(load_bills(txn, models).await?);
        }
        let t1 = t0.elapsed();
        let mut loaded: std::collections::HashMap<Uuid, Loaded> = std::collections::HashMap::new();
        for l in bills {
            batch.add_bill(l.bill.clone());
            loaded.insert(l.bill.bill_id, l);
        }
        for c in receipts_by_bank_id(txn, tenant, &job.bank_code, &ids, receipt_kind::HELD_CANCEL)
            .await?
        {
            batch
                .held_cancels
                .entry(c.bank_receipt_id.clone())
                .or_insert((c.id, Won::new(c.total_won)));
        }
        for r in earlier {
            batch.posted.insert(
                r.bank_receipt_id.clone(),
                PostedReceipt {
                    id: r.id,
                    bill_id: r.bill_id,
                    total: Won::new(r.total_won),
                    principal_applied: Won::new(r.principal_applied_won),
                    charge_applied: Won::new(r.late_charge_applied_won),
                    overpaid: Won::new(r.overpaid_won),
                    suspense: Won::new(r.suspense_won),
                    paid_on: r.paid_on,
                    cancelled: r.cancelled,
                },
            );
        }
        let t2 = t0.elapsed();
        // Post every other record in file order.
        let mut placements = Vec::with_capacity(recs.len());
        let mut postings = Vec::new();
        for rec in &recs {
            let id = Uuid::now_v7();
            let (p, posting) = batch.post(rec, id).map_err(rule)?;
            let signed = if rec.kind == feed::RecordKind::Cancel {
                Won::ZERO - rec.total
            } else {
                rec.total
            };
            if p.placed() != signed {
                return Err(AppError::Internal(format!(
                    "line {}: placed {} won of a {signed} won record",
                    rec.line,
                    p.placed()
                )));
            }
            counts.add(&p);
            if let Some(posting) = posting {
                postings.push(posting);
            }
            placements.push(p);
        }
        // Held cancellations matched by the receipt they cancel: the pair settles.
        let mut matched_earlier = Vec::new();
        for (cancel_id, receipt_id) in &batch.matched_cancels {
            if let Some(p) = placements.iter_mut().find(|p| p.id == *cancel_id) {
                p.cancels = Some(*receipt_id);
                p.outcome = Outcome::Cancellation;
            } else {
                matched_earlier.push((*cancel_id, *receipt_id));
            }
        }
        // Write: the receipts, the receipts reversed, the bills, one event.
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
            "late_charge_applied_won",
            "overpaid_won",
            "suspense_won",
            "outcome",
            "reason",
            "cancels",
            "cancelled",
            "stamped",
        ]);
        for (rec, p) in recs.iter().zip(&placements) {
            rows.push(vec![
                Cell::Uuid(Some(p.id)),
                Cell::Text(Some(tenant.to_string())),
                Cell::Uuid(Some(job.id)),
                Cell::Int(Some(i64::from(rec.serial))),
                Cell::Text(Some(job.bank_code.clone())),
                Cell::Text(Some(rec.bank_receipt_id.clone())),
                Cell::Text(Some(
                    if rec.kind == feed::RecordKind::Cancel {
                        "C"
                    } else {
                        "N"
                    }
                    .into(),
                )),
                Cell::Text(Some(rec.e_payment_number.clone())),
                Cell::Uuid(p.bill_id),
                Cell::Date(Some(rec.paid_on)),
                Cell::Int(Some(rec.total.to_i64())),
                Cell::Int(Some(p.applied().to_i64())),
                Cell::Int(Some(p.principal_applied.to_i64())),
                Cell::Int(Some(p.charge_applied.to_i64())),
                Cell::Int(Some(p.overpaid.to_i64())),
                Cell::Int(Some(p.suspense.to_i64())),
                Cell::Text(Some(p.outcome.as_str().into())),
                Cell::Text(p.reason.clone()),
                Cell::Uuid(p.cancels),
                Cell::Bool(batch.cancelled_new.contains(&p.id)),
                Cell::Bool(false),
            ]);
        }
        let t3 = t0.elapsed();
        bulk::insert(txn, "receipt", &rows).await?;
        let t4 = t0.elapsed();
        if !batch.cancelled_earlier.is_empty() {
            // Only receipts still standing: a concurrent cancellation makes this batch retry.
            let n = receipt::Entity::update_many()
                .col_expr(
                    receipt::Column::Cancelled,
                    sea_orm::sea_query::Expr::value(true),
                )
                .filter(receipt::Column::Id.is_in(batch.cancelled_earlier.clone()))
                .filter(receipt::Column::Cancelled.eq(false))
                .exec(txn)
                .await?
                .rows_affected;
            if n != batch.cancelled_earlier.len() as u64 {
                return Err(AppError::Conflict(
                    "a receipt this batch cancels was cancelled concurrently; retry".into(),
                ));
            }
        }
        for (cancel_id, receipt_id) in matched_earlier {
            let n = receipt::Entity::update_many()
                .col_expr(
                    receipt::Column::Cancels,
                    sea_orm::sea_query::Expr::value(receipt_id),
                )
                .col_expr(
                    receipt::Column::Outcome,
                    sea_orm::sea_query::Expr::value(Outcome::Cancellation.as_str()),
                )
                .filter(receipt::Column::Id.eq(cancel_id))
                .filter(receipt::Column::Cancels.is_null())
                .exec(txn)
                .await?
                .rows_affected;
            if n != 1 {
                return Err(AppError::Conflict(
                    "a held cancellation was matched concurrently; retry".into(),
                ));
            }
        }
        let mut changed = Vec::with_capacity(batch.touched.len());
        for id in &batch.touched {
            if let (Some(l), Some(b)) = (loaded.get_mut(id), batch.bills.get(id)) {
                l.bill = b.clone();
                changed.push(l.clone());
            }
        }
        save_bills(txn, &changed, now).await?;
        let t5 = t0.elapsed();
        // Events of at most POSTINGS_PER_EVENT postings (about 0.5 MB): the settled ones, then
        // the rest in file order. Order matters only per bill, and a settled bill has no
        // other posting in the batch.
        events.extend(postings.iter().filter_map(|p| {
            batch
                .bills
                .get(&p.bill_id)
                .map(|b| posting_to_proto(p, b.taxpayer_id, &b.e_payment_number))
        }));
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let event = pb::PaymentsPosted {
                postings: events.by_ref().take(POSTINGS_PER_EVENT).collect(),
            };
            outbox::enqueue(txn, &CONSUMERS, tenant.as_str(), &event, now).await?;
        }
        // Overdues a cancellation made stand again, after the postings that caused them.
        for p in &postings {
            if let (Some(lines), Some(l)) = (&p.overdue_reinstated, loaded.get(&p.bill_id)) {
                let event = bill_overdue(&l.bill, l.tax_year, lines);
                outbox::enqueue(txn, &CONSUMERS, tenant.as_str(), &event, now).await?;
            }
        }
        tracing::debug!(
            records,
            settled,
            read = ?t1,
            loaded = ?t2,
            posted = ?t3,
            inserted = ?t4,
            saved = ?t5,
            total = ?t0.elapsed(),
            "treasury batch applied"
        );
        Ok(counts)
    }
}

/// The municipality's receipts from `bank_code` with these bank receipt ids that are `which`
/// (a [`receipt_kind`]), oldest first.
async fn receipts_by_bank_id(
    txn: &DatabaseTransaction,
    tenant: TenantCode,
    bank_code: &str,
    ids: &[String],
    which: &str,
) -> AppResult<Vec<receipt::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let b = txn.get_database_backend();
    let (cond, list) = bulk::text_in(b, "bank_receipt_id", ids);
    Ok(receipt::Entity::find()
        .from_raw_sql(Statement::from_sql_and_values(
            b,
            sql(
                b,
                &format!(
                    "SELECT * FROM receipt WHERE tenant_code = ? AND bank_code = ? AND {which} AND {cond} ORDER BY id"
                ),
            ),
            [tenant.as_str().into(), bank_code.into(), list],
        ))
        .all(txn)
        .await?)
}

/// The records of a stored chunk.
fn parse_chunk(chunk: &treasury_file_chunk::Model) -> AppResult<Vec<feed::Receipt>> {
    let corrupt = |what: String| {
        AppError::Internal(format!(
            "chunk {} of import {}: {what}",
            chunk.chunk_no, chunk.import_id
        ))
    };
    let records = usize::try_from(chunk.records)
        .map_err(|_| corrupt(format!("{} records", chunk.records)))?;
    let first = usize::try_from(chunk.first_serial)
        .map_err(|_| corrupt(format!("first serial {}", chunk.first_serial)))?;
    (0..records)
        .map(|i| {
            let bytes = chunk
                .bytes
                .get(i * RECORD_LEN..(i + 1) * RECORD_LEN)
                .ok_or_else(|| {
                    corrupt(format!(
                        "{} bytes hold no record {}",
                        chunk.bytes.len(),
                        i + 1
                    ))
                })?;
            feed::parse_data(first + i + 1, bytes).map_err(feed_error)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// Advisory locks some session of this database waits for.
    async fn waiting_for_locks(db: &sea_orm::DatabaseConnection) -> i64 {
        db.query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap()
    }

    #[tokio::test]
    async fn one_process_at_a_time_applies_an_import() {
        let Some((db, server, name)) = crate::testing::postgres().await else {
            return;
        };
        let app = || {
            CollectionApp::new(
                db.clone(),
                seip_core::Clock::system(),
                Arc::new(tokio::sync::Notify::new()),
            )
        };
        let (first, second) = (app(), app());
        let import_id = Uuid::now_v7();
        let held = first.job_lock(import_id).await.unwrap().unwrap();
        // Another import is free to run.
        assert!(second.job_lock(Uuid::now_v7()).await.unwrap().is_some());
        let waiting = tokio::spawn(async move { second.job_lock(import_id).await });
        for _ in 0..100 {
            if waiting_for_locks(&db).await == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(waiting_for_locks(&db).await, 1);
        assert!(!waiting.is_finished());
        // The first process goes away, and its lock with its session.
        drop(held);
        let taken = tokio::time::timeout(Duration::from_secs(30), waiting)
            .await
            .expect("the lock was not released with the session")
            .unwrap()
            .unwrap();
        assert!(taken.is_some());
        drop(taken);
        crate::testing::drop_postgres(db, &server, &name).await;
    }
}
