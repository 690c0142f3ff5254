//! File order across chunks applied at once.
//!
//! Chunks of an import are taken in file order but applied several at a time, so a later
//! chunk can commit first. For records of different bills that changes nothing; for two
//! records of one bill (or one bank receipt id) it would decide which payment is the bill's
//! and which the double payment, and so who is refunded. [`InFlight`] keeps, for the chunks
//! a job runner has taken and not finished, the bills and receipt ids each touches; a chunk
//! waits until no earlier chunk still in flight touches one of its own. A chunk whose
//! records are not read yet may touch anything, so later chunks wait for it to be read.
//! Waits only ever point to earlier chunks, so they cannot form a cycle; memory is bounded
//! by the chunks in flight, whatever the size of the file. One process applies an import at a
//! time (the job holds the import's lock), so the chunks in flight here are all there are.

use std::collections::{BTreeMap, HashSet};
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use foldhash::fast::{FixedState, RandomState};
use tokio::sync::Notify;

use crate::domain::feed::Receipt;

/// The chunks of one import being applied by this process.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    state: Mutex<State>,
    changed: Notify,
}

#[derive(Debug, Default)]
struct State {
    /// The next chunk to take.
    next: i32,
    /// Chunk number → what its records touch (`None` until they are read).
    chunks: BTreeMap<i32, Option<HashSet<u64, RandomState>>>,
    /// The job was given up (quarantined): no chunk is taken or waited for any more.
    abandoned: bool,
}

/// What a record touches: its bill (by electronic payment number) and its bank receipt id.
/// Hashed, with a fast hash: a collision only makes a chunk wait when it need not, and every
/// record is hashed once and looked up against each earlier chunk in flight.
fn touches(rec: &Receipt) -> [u64; 2] {
    // The number field is fixed-width: a bill's number is written one way only (a hyphen
    // would leave fewer than the 19 digits a number needs).
    let h = FixedState::default();
    [
        h.hash_one((b'n', rec.e_payment_number.as_str())),
        h.hash_one((b'r', rec.bank_receipt_id.as_str())),
    ]
}

impl InFlight {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Take the next chunk of `chunks`, in file order; later chunks wait until its records
    /// are read. Taking and registering are one step, so no later chunk can look before an
    /// earlier one is registered.
    pub(crate) fn take_next(&self, chunks: i32) -> Option<i32> {
        self.with(|s| {
            let n = s.next;
            if n >= chunks || s.abandoned {
                return None;
            }
            s.next += 1;
            s.chunks.insert(n, None);
            Some(n)
        })
    }

    /// Give the job up: chunks waiting their turn stop waiting, and none is taken.
    pub(crate) fn abandon(&self) {
        self.with(|s| s.abandoned = true);
        self.changed.notify_waiters();
    }

    /// Whether the job was given up.
    pub(crate) fn is_abandoned(&self) -> bool {
        self.with(|s| s.abandoned)
    }

    /// Take chunks from the first again (to pick up any left by another runner).
    pub(crate) fn rewind(&self) {
        self.with(|s| s.next = 0);
    }

    /// Chunk `n` is done (applied, or applied elsewhere).
    pub(crate) fn done(&self, n: i32) {
        self.with(|s| s.chunks.remove(&n));
        self.changed.notify_waiters();
    }

    /// Chunk `n` holds `recs`: wait until no earlier chunk in flight touches what they touch
    /// (or the job is given up: see [`Self::is_abandoned`]).
    pub(crate) async fn wait_turn(&self, n: i32, recs: &[Receipt]) {
        let mine: HashSet<u64, RandomState> = recs.iter().flat_map(touches).collect();
        self.with(|s| s.chunks.insert(n, Some(mine)));
        self.changed.notify_waiters();
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before looking, so a change in between is not missed.
            changed.as_mut().enable();
            let blocked = self.with(|s| {
                if s.abandoned {
                    return false;
                }
                let Some(Some(mine)) = s.chunks.get(&n) else {
                    return false;
                };
                s.chunks.range(..n).any(|(_, theirs)| match theirs {
                    None => true,
                    Some(theirs) => !theirs.is_disjoint(mine),
                })
            });
            if !blocked {
                return;
            }
            changed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::feed::RecordKind;

    fn rec(number: &str, id: &str) -> Receipt {
        Receipt::example(number, id, RecordKind::Normal)
    }

    async fn waits(f: impl std::future::Future<Output = ()>) -> bool {
        tokio::time::timeout(Duration::from_millis(50), f)
            .await
            .is_err()
    }

    #[tokio::test]
    async fn a_chunk_waits_only_for_earlier_chunks_touching_its_bills_or_receipt_ids() {
        let f = InFlight::default();
        for n in 0..4 {
            assert_eq!(f.take_next(4), Some(n));
        }
        assert_eq!(f.take_next(4), None);
        // Chunk 1 cannot know what chunk 0 touches before chunk 0 is read.
        assert!(waits(f.wait_turn(1, &[rec("1", "A")])).await);
        f.wait_turn(0, &[rec("1", "X")]).await;
        // Now it can: chunk 0 pays bill 1 too, so chunk 1 waits for it.
        assert!(waits(f.wait_turn(1, &[rec("1", "A")])).await);
        // Chunk 2 touches neither bill 1 nor id X (chunk 1 is read): it goes ahead.
        assert!(!waits(f.wait_turn(2, &[rec("2", "B")])).await);
        // Chunk 3 repeats chunk 0's bank receipt id under another bill: it waits.
        assert!(waits(f.wait_turn(3, &[rec("3", "X")])).await);
        // A chunk never waits for a later one.
        assert!(!waits(f.wait_turn(0, &[rec("1", "X")])).await);
        f.done(0);
        assert!(!waits(f.wait_turn(1, &[rec("1", "A")])).await);
        assert!(!waits(f.wait_turn(3, &[rec("3", "X")])).await);
    }

    #[tokio::test]
    async fn a_waiting_chunk_goes_on_when_the_earlier_one_is_done() {
        let f = std::sync::Arc::new(InFlight::default());
        f.take_next(2);
        f.take_next(2);
        f.wait_turn(0, &[rec("1", "X")]).await;
        let g = f.clone();
        let later = tokio::spawn(async move { g.wait_turn(1, &[rec("1", "Y")]).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!later.is_finished());
        f.done(0);
        tokio::time::timeout(Duration::from_secs(5), later)
            .await
            .expect("the later chunk goes on")
            .unwrap();
    }
}
