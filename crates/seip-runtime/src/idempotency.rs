//! Idempotent commands: every mutating call carries a key; a repeat of the same request
//! returns the first response, a different request under the same key is refused.
//!
//! Usage inside the command's transaction, so the record commits with the change:
//! `if let Some(r) = lookup(&txn, …).await? { return Ok(r) }` … work … `record(&txn, …)`.

use prost::Message;
use sea_orm::{ConnectionTrait, Statement, Value};
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
    method: &str,
    key: &str,
    req: &Req,
) -> AppResult<Option<Resp>> {
    check_key(key)?;
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql(backend, "SELECT request_hash, response FROM idempotency WHERE tenant_code = ? AND method = ? AND idempotency_key = ?"),
            [tenant_code.into(), method.into(), key.into()],
        ))
        .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("", "request_hash")?;
    if hash != request_hash(req) {
        return Err(AppError::Rejected(Rejection {
            code: tonic::Code::AlreadyExists,
            reason: reason::IDEMPOTENCY_KEY_REUSED,
            message: format!("idempotency_key: already used for a different {method} request"),
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
    method: &str,
    key: &str,
    req: &Req,
    resp: &Resp,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let backend = conn.get_database_backend();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql(backend, "INSERT INTO idempotency (tenant_code, method, idempotency_key, request_hash, response, created_at) VALUES (?, ?, ?, ?, ?, ?)"),
        [
            tenant_code.into(),
            method.into(),
            key.into(),
            request_hash(req).into(),
            Value::Bytes(Some(resp.encode_to_vec())),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}
