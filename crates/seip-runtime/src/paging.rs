//! Pages of a list: every list call takes `page_size` and `page_token` and answers with a
//! `next_page_token`, so that no answer grows with the data (a file of a million bad numbers
//! is a million suspense items) past the gRPC message limit.
//!
//! Pages are keyset pages: a token names the last row of the page before, by the list's sort
//! key, so a row written between two pages is neither skipped nor repeated, and each page
//! costs an index range scan however deep it is. A token is opaque to clients and bound to the
//! list it came from: one list's token given to another is refused.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{AppError, AppResult};

/// The page size when the request gives none.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// The largest page a request may ask for.
pub const MAX_PAGE_SIZE: u32 = 1_000;

/// One page asked for: how many rows, after which key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows on this page, 1 to [`MAX_PAGE_SIZE`].
    pub size: u32,
    /// The sort key of the last row of the page before; none for the first page.
    pub after: Option<Vec<String>>,
}

impl PageRequest {
    /// Read `page_size` and `page_token` of a request to the list `list` (a stable name, e.g.
    /// `collection.ListSuspense`), whose sort key has `key_len` parts.
    pub fn parse(list: &str, key_len: usize, page_size: i32, page_token: &str) -> AppResult<Self> {
        let size = match page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if n < 0 => {
                return Err(AppError::invalid("page_size", "must not be negative"));
            }
            n => u32::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_PAGE_SIZE)
                .ok_or_else(|| {
                    AppError::invalid("page_size", format!("at most {MAX_PAGE_SIZE}"))
                })?,
        };
        let after = if page_token.is_empty() {
            None
        } else {
            Some(decode(list, key_len, page_token)?)
        };
        Ok(Self { size, after })
    }

    /// The id the page starts after, for a list whose sort key is one UUID.
    pub fn after_uuid(&self) -> AppResult<Option<uuid::Uuid>> {
        self.after
            .as_ref()
            .map(|key| {
                key.first()
                    .and_then(|k| uuid::Uuid::parse_str(k).ok())
                    .ok_or_else(|| AppError::invalid("page_token", "malformed"))
            })
            .transpose()
    }

    /// How many rows to fetch: one more than the page, to learn whether another follows.
    pub fn fetch(&self) -> u64 {
        u64::from(self.size) + 1
    }

    /// Cut the rows fetched (at most [`Self::fetch`]) to the page, and the token of the next
    /// page (empty when this is the last), made from the last row's key by `key`.
    pub fn finish<T>(
        &self,
        list: &str,
        mut rows: Vec<T>,
        key: impl Fn(&T) -> Vec<String>,
    ) -> (Vec<T>, String) {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        if rows.len() <= size {
            return (rows, String::new());
        }
        rows.truncate(size);
        let token = rows
            .last()
            .map(|r| encode(list, &key(r)))
            .unwrap_or_default();
        (rows, token)
    }
}

/// A timestamp as a page token keeps it: exact to the nanosecond, so the row it names is
/// found again.
pub fn time_key(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The (time, id) key of a token whose key is [`time_key`] and an id.
pub fn time_and_id(key: &[String]) -> AppResult<(chrono::DateTime<chrono::Utc>, uuid::Uuid)> {
    let bad = || AppError::invalid("page_token", "not a token this list gave");
    let [at, id] = key else {
        return Err(bad());
    };
    let at = chrono::DateTime::parse_from_rfc3339(at).map_err(|_| bad())?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at.to_utc(), id))
}

/// The rows after the page key `after` (a [`time_key`] and an id) in a list ordered by
/// `at` then `id`, ascending or descending: the one keyset condition every (time, id) page
/// shares.
pub fn after_time_and_id<C: sea_orm::ColumnTrait>(
    at: C,
    id: C,
    after: &[String],
    order: sea_orm::Order,
) -> AppResult<sea_orm::Condition> {
    use sea_orm::Condition;
    let (t, u) = time_and_id(after)?;
    let (later, past) = match order {
        sea_orm::Order::Desc => (at.lt(t), id.lt(u)),
        _ => (at.gt(t), id.gt(u)),
    };
    Ok(Condition::any()
        .add(later)
        .add(Condition::all().add(at.eq(t)).add(past)))
}

const UNIT: char = '\u{1f}';

/// The token of a page that starts after `key` in `list`.
pub fn encode(list: &str, key: &[String]) -> String {
    let mut text = String::from(list);
    for part in key {
        text.push(UNIT);
        text.push_str(part);
    }
    URL_SAFE_NO_PAD.encode(text)
}

fn decode(list: &str, key_len: usize, token: &str) -> AppResult<Vec<String>> {
    let bad = || AppError::invalid("page_token", "not a token this list gave");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.split(UNIT);
    if parts.next() != Some(list) {
        return Err(bad());
    }
    let key: Vec<String> = parts.map(str::to_owned).collect();
    if key.len() != key_len {
        return Err(bad());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_default_and_are_bounded() {
        assert_eq!(
            PageRequest::parse("l", 1, 0, "").unwrap().size,
            DEFAULT_PAGE_SIZE
        );
        assert_eq!(PageRequest::parse("l", 1, 7, "").unwrap().size, 7);
        assert_eq!(
            PageRequest::parse("l", 1, 1_000, "").unwrap().size,
            MAX_PAGE_SIZE
        );
        for bad in [-1, 1_001, i32::MAX] {
            let e = PageRequest::parse("l", 1, bad, "").unwrap_err();
            assert!(e.to_string().starts_with("page_size: "), "{e}");
        }
    }

    #[test]
    fn a_token_round_trips_and_belongs_to_its_list() {
        let key = vec!["2026-06-30T09:00:00Z".to_owned(), "0190-abc".to_owned()];
        let token = encode("collection.ListImports", &key);
        let p = PageRequest::parse("collection.ListImports", 2, 10, &token).unwrap();
        assert_eq!(p.after, Some(key));
        for (list, len, t) in [
            ("collection.ListSuspense", 2, token.as_str()),
            ("collection.ListImports", 1, token.as_str()),
            ("collection.ListImports", 2, "not base64!"),
            ("collection.ListImports", 2, "AAAA"),
        ] {
            let e = PageRequest::parse(list, len, 10, t).unwrap_err();
            assert!(e.to_string().starts_with("page_token: "), "{e}");
        }
    }

    #[test]
    fn finish_cuts_to_the_page_and_names_the_last_row() {
        let p = PageRequest::parse("l", 1, 2, "").unwrap();
        assert_eq!(p.fetch(), 3);
        let (rows, token) = p.finish("l", vec![1, 2, 3], |n| vec![n.to_string()]);
        assert_eq!(rows, vec![1, 2]);
        let next = PageRequest::parse("l", 1, 2, &token).unwrap();
        assert_eq!(next.after, Some(vec!["2".to_owned()]));
        let (rows, token) = p.finish("l", vec![3], |n| vec![n.to_string()]);
        assert_eq!((rows, token), (vec![3], String::new()));
    }
}
