//! Idempotent commands: every mutating call carries a key; a repeat of the same request
//! returns the first response, a different request under the same key is refused.
//!
//! The gRPC adapter wraps a command in it, so the record commits with the change and the
//! use case sees neither the key nor protobuf:
//!
//! ```ignore
//! let cmd = Command::new(tenant, "DecideAutomobileTax", &req.idempotency_key, &req)?;
//! let txn = match idempotency::begin(&self.db, &cmd).await? {
//!     Begun::Repeat(resp) => return Ok(Response::new(resp)),
//!     Begun::Fresh(txn) => txn,
//! };
//! let bill = self.decide_automobile_tax(&txn, …).await?;        // the use case
//! let resp = pb::DecideAutomobileTaxResponse { bill: Some(bill_to_proto(&bill)) };
//! idempotency::finish(txn, &cmd, &resp, self.clock.now()).await?; // record + commit
//! ```

use prost::Message;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, Statement, TransactionTrait, Value,
};
use sha2::{Digest, Sha256};

use crate::db::sql;
use crate::error::{AppError, AppResult, Rejection, reason};

/// The fingerprint of a request (its encoded bytes; proto encoding of a message is stable
/// for the same field values in one build).
pub fn request_hash<M: Message>(req: &M) -> String {
    hex(&Sha256::digest(req.encode_to_vec()))
}

/// Lower-case hex of a digest, as fingerprints are stored.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Validate that a key was given and is sane.
pub fn check_key(key: &str) -> AppResult<()> {
    if key.is_empty() || key.len() > 128 {
        return Err(AppError::invalid(
            "idempotency_key",
            "required, 1 to 128 characters (any value unique per intended change)",
        ));
    }
    Ok(())
}

/// The response recorded for this key, if the request was already carried out.
pub async fn lookup<Req: Message, Resp: Message + Default, C: ConnectionTrait>(
    conn: &C,
    tenant_code: &str,
    method: &'static str,
    key: &str,
    req: &Req,
) -> AppResult<Option<Resp>> {
    find(conn, &Command::new(tenant_code, method, key, req)?).await
}

/// The response recorded for `cmd`, if it was carried out before (a different request under
/// its key is refused). For a command whose work spans several transactions, which cannot
/// hold one open throughout: check with this, work, then [`record_response`].
pub async fn repeat_of<Resp: Message + Default, C: ConnectionTrait>(
    conn: &C,
    cmd: &Command<'_>,
) -> AppResult<Option<Resp>> {
    find(conn, cmd).await
}

/// Record the response of `cmd`, carried out, on `conn` (see [`repeat_of`]).
pub async fn record_response<Resp: Message, C: ConnectionTrait>(
    conn: &C,
    cmd: &Command<'_>,
    resp: &Resp,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    insert(conn, cmd, resp, now).await
}

async fn find<Resp: Message + Default, C: ConnectionTrait>(
    conn: &C,
    cmd: &Command<'_>,
) -> AppResult<Option<Resp>> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql(backend, "SELECT request_hash, response FROM idempotency WHERE tenant_code = ? AND method = ? AND idempotency_key = ?"),
            [cmd.tenant_code.into(), cmd.method.into(), cmd.key.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("", "request_hash")?;
    if hash != cmd.request_hash {
        return Err(AppError::Rejected(Rejection {
            code: tonic::Code::AlreadyExists,
            reason: reason::IDEMPOTENCY_KEY_REUSED,
            message: format!(
                "idempotency_key: already used for a different {} request",
                cmd.method
            ),
        }));
    }
    let bytes: Vec<u8> = row.try_get("", "response")?;
    Resp::decode(bytes.as_slice())
        .map(Some)
        .map_err(|e| AppError::Internal(format!("stored response does not decode: {e}")))
}

/// Record the response of a request carried out under `key`.
pub async fn record<Req: Message, Resp: Message, C: ConnectionTrait>(
    conn: &C,
    tenant_code: &str,
    method: &'static str,
    key: &str,
    req: &Req,
    resp: &Resp,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    insert(
        conn,
        &Command::new(tenant_code, method, key, req)?,
        resp,
        now,
    )
    .await
}

async fn insert<Resp: Message, C: ConnectionTrait>(
    conn: &C,
    cmd: &Command<'_>,
    resp: &Resp,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(backend, "INSERT INTO idempotency (tenant_code, method, idempotency_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
        [
            cmd.tenant_code.into(),
            cmd.method.into(),
            cmd.key.into(),
            cmd.request_hash.clone().into(),
            Value::Bytes(Some(resp.encode_to_vec())),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// One mutating call as idempotency sees it: where, what, under which key, and the
/// fingerprint of its request.
#[derive(Debug, Clone)]
pub struct Command<'a> {
    tenant_code: &'a str,
    method: &'static str,
    key: &'a str,
    request_hash: String,
}

impl<'a> Command<'a> {
    /// The call `method` of `tenant_code` under `key`, carrying `req`; refuses a missing or
    /// overlong key before anything is read.
    pub fn new<Req: Message>(
        tenant_code: &'a str,
        method: &'static str,
        key: &'a str,
        req: &Req,
    ) -> AppResult<Self> {
        check_key(key)?;
        Ok(Self {
            tenant_code,
            method,
            key,
            request_hash: request_hash(req),
        })
    }

    /// Fingerprint the request with `keyed` (a keyed hash of its encoded bytes) instead of a
    /// plain SHA-256: for a request carrying a secret of little entropy (a resident number),
    /// whose plain hash could be reversed by trying every value.
    pub fn keyed<Req: Message>(mut self, req: &Req, keyed: impl Fn(&[u8]) -> String) -> Self {
        self.request_hash = keyed(&req.encode_to_vec());
        self
    }
}

/// In a gRPC handler: the command's transaction from [`begin`], or — for a repeat — return
/// the first response from the handler at once.
#[macro_export]
macro_rules! begin_or_repeat {
    ($db:expr, $cmd:expr) => {
        match $crate::idempotency::begin($db, &$cmd).await? {
            $crate::idempotency::Begun::Repeat(resp) => {
                return Ok(::tonic::Response::new(resp));
            }
            $crate::idempotency::Begun::Fresh(txn) => txn,
        }
    };
}

/// What [`begin`] found.
#[derive(Debug)]
pub enum Begun<Resp> {
    /// The call was carried out before: its response, as first given.
    Repeat(Resp),
    /// A first call: its transaction, for the work and then [`finish`].
    Fresh(DatabaseTransaction),
}

/// Open the command's transaction, or answer a repeat with the first response. A different
/// request under the same key is refused (`IDEMPOTENCY_KEY_REUSED`).
pub async fn begin<Resp: Message + Default>(
    db: &DatabaseConnection,
    cmd: &Command<'_>,
) -> AppResult<Begun<Resp>> {
    let txn = db.begin().await?;
    match find(&txn, cmd).await? {
        Some(resp) => {
            txn.rollback().await?;
            Ok(Begun::Repeat(resp))
        }
        None => Ok(Begun::Fresh(txn)),
    }
}

/// Record the command's response in its transaction and commit both with the work.
pub async fn finish<Resp: Message>(
    txn: DatabaseTransaction,
    cmd: &Command<'_>,
    resp: &Resp,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    insert(&txn, cmd, resp, now).await?;
    txn.commit().await?;
    Ok(())
}
