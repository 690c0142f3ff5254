//! Time as Seip sees it: Korea Standard Time, and a clock that tests and demos can set.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Korea Standard Time (UTC+9, no daylight saving).
pub fn kst() -> FixedOffset {
    // 9 hours is within ±24 h, so the offset always exists.
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// The KST calendar date of an instant.
pub fn kst_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&kst()).date_naive()
}

/// Where "now" comes from. The system clock in production; a fixed, movable instant in tests
/// and in the demo, which plays a whole half-year in seconds.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self { fixed: None }
    }

    /// A clock stopped at `at`, movable with [`Clock::set`].
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(AtomicI64::new(at.timestamp_micros()))),
        }
    }

    /// Move a fixed clock; no effect on the system clock.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Some(f) = &self.fixed {
            f.store(at.timestamp_micros(), Ordering::SeqCst);
        }
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(f) => DateTime::from_timestamp_micros(f.load(Ordering::SeqCst))
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            #[allow(clippy::disallowed_methods, reason = "this is the house wrapper")]
            None => Utc::now(),
        }
    }

    /// Today's date in KST.
    pub fn today(&self) -> NaiveDate {
        kst_today(self.now())
    }
}
