//! Set-based writes of many rows in one statement, for the paths that move a million rows
//! (the treasury feed): one `INSERT` or one versioned `UPDATE … FROM` per batch instead of one
//! statement per row.
//!
//! On PostgreSQL the rows travel as one JSON parameter expanded by
//! `json_populate_recordset(NULL::table, $1)`, so the server types every column from the
//! table itself and a batch is one round trip whatever its size. On SQLite (in-process, no
//! round trips) they travel as multi-row `VALUES` with ordinary bind parameters.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// Rows per statement on SQLite (bind parameters are limited to 32,766 per statement).
const SQLITE_ROWS: usize = 400;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A UUID, or NULL.
    Uuid(Option<Uuid>),
    /// Text, or NULL.
    Text(Option<String>),
    /// An integer (any integer column), or NULL.
    Int(Option<i64>),
    /// A date, or NULL.
    Date(Option<NaiveDate>),
    /// A timestamp with time zone, or NULL.
    Timestamp(Option<DateTime<Utc>>),
    /// A boolean.
    Bool(bool),
    /// A JSON document, as its text (which the writer made with `serde_json`), or NULL:
    /// `jsonb` on PostgreSQL, text on SQLite.
    Json(Option<String>),
}

impl Cell {
    /// The cell as a JSON value inside the rows' document.
    fn write_json(&self, out: &mut String) {
        use std::fmt::Write as _;
        match self {
            Cell::Int(Some(n)) => {
                let _ = write!(out, "{n}");
            }
            Cell::Uuid(Some(u)) => {
                let _ = write!(out, "\"{u}\"");
            }
            Cell::Date(Some(d)) => {
                let _ = write!(out, "\"{d}\"");
            }
            Cell::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Cell::Text(Some(t)) => out.push_str(&Json::String(t.clone()).to_string()),
            Cell::Timestamp(Some(t)) => {
                let _ = write!(out, "\"{}\"", t.to_rfc3339());
            }
            // Nested as the document itself, which `json_populate_recordset` stores into the
            // `jsonb` column as it is.
            Cell::Json(Some(doc)) => out.push_str(doc),
            Cell::Uuid(None)
            | Cell::Text(None)
            | Cell::Int(None)
            | Cell::Date(None)
            | Cell::Timestamp(None)
            | Cell::Json(None) => out.push_str("null"),
        }
    }

    fn value(&self) -> Value {
        match self {
            Cell::Uuid(v) => Value::Uuid(*v),
            Cell::Text(v) => Value::String(v.clone()),
            Cell::Int(v) => Value::BigInt(*v),
            Cell::Date(v) => Value::ChronoDate(*v),
            Cell::Timestamp(v) => Value::ChronoDateTimeUtc(*v),
            Cell::Bool(b) => Value::Bool(Some(*b)),
            Cell::Json(v) => Value::String(v.clone()),
        }
    }
}

/// Rows to write: the same columns in every row.
#[derive(Debug, Clone)]
pub struct Rows {
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Rows {
    /// No rows yet, with these columns.
    pub fn new(columns: &[&'static str]) -> Self {
        Self {
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Add a row; its cells are in the order of the columns.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len(), "one cell per column");
        self.rows.push(row);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// `[{"col": value, …}, …]`, written straight into one string.
    fn json(&self) -> String {
        let keys: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{}:", Json::String((*c).to_owned())))
            .collect();
        let mut out = String::with_capacity(self.rows.len() * self.columns.len() * 24 + 2);
        out.push('[');
        for (i, r) in self.rows.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('{');
            for (j, (k, v)) in keys.iter().zip(r).enumerate() {
                if j > 0 {
                    out.push(',');
                }
                out.push_str(k);
                v.write_json(&mut out);
            }
            out.push('}');
        }
        out.push(']');
        out
    }

    /// `(?, ?, …), (?, ?, …)` and the values, for rows `range` (SQLite).
    fn values(&self, range: std::ops::Range<usize>) -> (String, Vec<Value>) {
        let one = format!("({})", vec!["?"; self.columns.len()].join(", "));
        let mut sql = String::with_capacity(range.len() * one.len() + range.len() * 2);
        let mut values = Vec::with_capacity(range.len() * self.columns.len());
        for (i, r) in self.rows[range].iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&one);
            values.extend(r.iter().map(Cell::value));
        }
        (sql, values)
    }
}

/// Insert every row into `table`.
pub async fn insert<C: ConnectionTrait>(conn: &C, table: &str, rows: &Rows) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let cols = rows.columns.join(", ");
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            let sql = format!(
                "INSERT INTO {table} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{table}, $1::json)"
            );
            conn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [Value::String(Some(rows.json()))],
            ))
            .await?;
        }
        backend => {
            for start in (0..rows.len()).step_by(SQLITE_ROWS) {
                let (vals, values) = rows.values(start..(start + SQLITE_ROWS).min(rows.len()));
                conn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!("INSERT INTO {table} ({cols}) VALUES {vals}"),
                    values,
                ))
                .await?;
            }
        }
    }
    Ok(())
}

/// Update rows of `table` matched on `key` (the first column of `rows`), setting every other
/// column except `version`. When `version` is given, each row's cell for it is the version
/// the caller read; a row is updated only if it still has that version, and the version is
/// incremented. Fails with [`AppError::Conflict`] (nothing written once the caller's
/// transaction rolls back) when any row was changed by someone else in between.
pub async fn update<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    rows: &Rows,
    version: Option<&str>,
) -> AppResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let key = rows.columns[0];
    let mut sets: Vec<String> = rows.columns[1..]
        .iter()
        .filter(|c| Some(**c) != version)
        .map(|c| format!("{c} = v.{c}"))
        .collect();
    let mut cond = format!("x.{key} = v.{key}");
    if let Some(ver) = version {
        sets.push(format!("{ver} = x.{ver} + 1"));
        cond.push_str(&format!(" AND x.{ver} = v.{ver}"));
    }
    let sets = sets.join(", ");
    let mut updated = 0u64;
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            let sql = format!(
                "UPDATE {table} AS x SET {sets} FROM json_populate_recordset(NULL::{table}, $1::json) AS v WHERE {cond}"
            );
            updated += conn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    [Value::String(Some(rows.json()))],
                ))
                .await?
                .rows_affected();
        }
        backend => {
            let cols = rows.columns.join(", ");
            for start in (0..rows.len()).step_by(SQLITE_ROWS) {
                let (vals, values) = rows.values(start..(start + SQLITE_ROWS).min(rows.len()));
                updated += conn
                    .execute_raw(Statement::from_sql_and_values(
                        backend,
                        format!(
                            "WITH v({cols}) AS (VALUES {vals}) UPDATE {table} AS x SET {sets} FROM v WHERE {cond}"
                        ),
                        values,
                    ))
                    .await?
                    .rows_affected();
            }
        }
    }
    let expected = u64::try_from(rows.len()).unwrap_or(u64::MAX);
    if updated != expected {
        return Err(AppError::Conflict(format!(
            "{table}: {} of {expected} rows were changed concurrently; retry",
            expected.saturating_sub(updated)
        )));
    }
    Ok(())
}

/// `column IN (…values…)` for a text column, with all the values in one parameter, so a
/// batch of thousands is one cheap statement to send and to plan: an unnested `text[]`
/// array on PostgreSQL (a semi-join: hashed, or index lookups on a large table), a JSON
/// array on SQLite. Returns the SQL fragment (with one `?` placeholder) and the parameter.
pub fn text_in(backend: DbBackend, column: &str, values: &[String]) -> (String, Value) {
    match backend {
        DbBackend::Postgres => {
            let array = pg_array(values.iter().cloned());
            (
                format!("{column} IN (SELECT unnest(CAST(? AS text[])))"),
                array,
            )
        }
        _ => (
            format!("{column} IN (SELECT value FROM json_each(?))"),
            Value::String(Some(
                Json::Array(values.iter().cloned().map(Json::String).collect()).to_string(),
            )),
        ),
    }
}

/// A PostgreSQL array of `values` as one parameter, sent in the binary format (the server
/// reads each element as it is, with no text to parse): bind it as `CAST(? AS uuid[])`,
/// `CAST(? AS bigint[])`, … and `unnest` it, so a batch of thousands travels as a handful of
/// parameters in one round trip. PostgreSQL only: SQLite has no arrays, and binding one there
/// panics.
pub fn pg_array<T>(values: impl IntoIterator<Item = T>) -> Value
where
    T: Into<Value> + sea_orm::sea_query::ValueType,
{
    Value::Array(
        T::array_type(),
        Some(Box::new(values.into_iter().map(Into::into).collect())),
    )
}
