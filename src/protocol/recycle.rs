//! Taking back the memory of large buffers once everything that was handed them is done.
//!
//! A request frame of a MiB goes to a handler that drops it when it is done. glibc gives such
//! blocks straight back to the kernel, so the next one costs ~250 page faults and as many
//! zeroed pages. A [`Recycler`] keeps
//! one more reference to each large buffer it is shown and hands the memory out again once that
//! reference is the last. The broker's frame readers use one per connection; the producer one
//! for its sealed batches, whose memory later batches take once their request was answered.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};

/// Bytes several recyclers may keep together (the broker's connections share one).
#[derive(Debug)]
pub struct RecycleBudget {
    kept: AtomicUsize,
    limit: usize,
}

impl RecycleBudget {
    /// A budget of `limit` bytes.
    pub const fn new(limit: usize) -> RecycleBudget {
        RecycleBudget {
            kept: AtomicUsize::new(0),
            limit,
        }
    }

    fn try_add(&self, bytes: usize) -> bool {
        let before = self.kept.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes > self.limit {
            self.kept.fetch_sub(bytes, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn remove(&self, bytes: usize) {
        self.kept.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// Keeps up to `max_kept` buffers (oldest first) and gives back the first nobody else holds.
#[derive(Debug)]
pub struct Recycler {
    kept: VecDeque<Bytes>,
    max_kept: usize,
    budget: Option<&'static RecycleBudget>,
    /// Buffers handed out again so far.
    pub(crate) reused: u64,
}

impl Recycler {
    /// A recycler of up to `max_kept` buffers, within `budget` when there is one.
    pub fn new(max_kept: usize, budget: Option<&'static RecycleBudget>) -> Recycler {
        Recycler {
            kept: VecDeque::new(),
            max_kept,
            budget,
            reused: 0,
        }
    }

    /// Keeps a reference to `buffer`, to take its memory back later.
    pub fn keep(&mut self, buffer: &Bytes) {
        if self.kept.len() >= self.max_kept {
            if let Some(oldest) = self.kept.pop_front() {
                self.release(oldest.len());
            }
        }
        if self.budget.is_none_or(|b| b.try_add(buffer.len())) {
            self.kept.push_back(buffer.clone());
        }
    }

    /// The oldest kept buffer nobody else holds, emptied, with all its memory.
    pub fn take(&mut self) -> Option<BytesMut> {
        for _ in 0..self.kept.len() {
            let buffer = self.kept.pop_front()?;
            let len = buffer.len();
            match buffer.try_into_mut() {
                Ok(mut free) => {
                    self.release(len);
                    self.reused += 1;
                    free.clear();
                    return Some(free);
                }
                Err(in_use) => self.kept.push_back(in_use),
            }
        }
        None
    }

    fn release(&self, bytes: usize) {
        if let Some(budget) = self.budget {
            budget.remove(bytes);
        }
    }
}

impl Drop for Recycler {
    fn drop(&mut self) {
        let kept: usize = self.kept.iter().map(Bytes::len).sum();
        self.release(kept);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_only_what_nobody_holds_and_keeps_within_the_budget() {
        static BUDGET: RecycleBudget = RecycleBudget::new(250);
        let mut recycler = Recycler::new(2, Some(&BUDGET));
        let held = Bytes::from(vec![1u8; 100]);
        recycler.keep(&held);
        assert!(recycler.take().is_none(), "still held");
        let dropped = Bytes::from(vec![2u8; 100]);
        recycler.keep(&dropped);
        let over_budget = Bytes::from(vec![3u8; 100]);
        recycler.keep(&over_budget); // evicts `held` (max 2), then fits the budget again
        drop((dropped, over_budget));
        let first = recycler.take().expect("a buffer nobody holds");
        assert!(first.is_empty() && first.capacity() >= 100);
        assert!(recycler.take().is_some());
        assert_eq!(recycler.reused, 2);
        assert!(recycler.take().is_none());
        assert_eq!(BUDGET.kept.load(Ordering::Relaxed), 0);
        let big = Bytes::from(vec![4u8; 300]);
        recycler.keep(&big);
        drop(big);
        assert!(recycler.take().is_none(), "over the budget: not kept");
        assert_eq!(held[0], 1);
    }
}
