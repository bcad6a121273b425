//! The kept sorted order of a list's items: reused between rebuilds while the keys of
//! the items it covers are unchanged, merged with new pages, sorted in full only when the
//! column, the direction or an item's key changed.

use super::SortKey;
use std::cmp::Ordering;

/// The last sort of a list's items, kept to be reused by the next rebuild.
#[derive(Default)]
pub(super) struct SortedOrder {
    /// The key of every item it covers, by item index.
    keys: Vec<SortKey>,
    /// The same keys with their item indices, in display order.
    pub(super) entries: Vec<(SortKey, u32)>,
    descending: bool,
    /// Scratch space for the next rebuild's keys (no allocation per keystroke).
    next_keys: Vec<SortKey>,
}

impl SortedOrder {
    /// Bring `entries` up to date for `items`: keys reversed when `descending`, then
    /// `compare` (by item index) among equal keys, reversed too, then arrival order. The
    /// last tie-break makes the order total, so how it was reached never shows.
    pub(super) fn update<T>(
        &mut self,
        items: &[T],
        key: impl Fn(&T) -> SortKey,
        descending: bool,
        compare: impl Fn(u32, u32) -> Ordering,
    ) {
        let mut keys = std::mem::take(&mut self.next_keys);
        keys.clear();
        // One sequential pass over the items.
        keys.extend(items.iter().map(key));
        let kept = self.keys.len();
        // Still valid for the items it covers when they kept their keys: items were only
        // appended (a page arrived) or only the filter changed. Any other change (another
        // column, a changed or replaced item) shows up as a different key.
        let reusable =
            self.descending == descending && kept <= keys.len() && self.keys[..] == keys[..kept];
        if reusable {
            if kept < keys.len() {
                let mut added: Vec<(SortKey, u32)> = (kept..keys.len())
                    .map(|index| (keys[index], index as u32))
                    .collect();
                sort_entries(&mut added, descending);
                self.entries = merge(&self.entries, &added, descending);
            }
        } else {
            sort_all(&keys, descending, &mut self.entries);
        }
        // Items with equal keys: the comparator decides (the keys cannot see everything
        // it looks at, and those items may have changed since the last rebuild).
        for run in self.entries.chunk_by_mut(|a, b| a.0 == b.0) {
            if run.len() > 1 {
                run.sort_unstable_by(|(_, a), (_, b)| {
                    let order = compare(*a, *b);
                    if descending { order.reverse() } else { order }.then(a.cmp(b))
                });
            }
        }
        self.next_keys = std::mem::replace(&mut self.keys, keys);
        self.descending = descending;
    }
}

/// Every item's entry, in key order (reversed when `descending`), then index order.
///
/// Sorting 16-byte (prefix, index) values is about twice as fast as sorting the 40-byte
/// entries themselves. The prefix is the first 64 bits of the key in which keys differ
/// at all: bits that are the same in every key cannot change the order, so dropping
/// them keeps it, and only keys that agree on all 64 kept bits need a second look.
fn sort_all(keys: &[SortKey], descending: bool, entries: &mut Vec<(SortKey, u32)>) {
    let spans = varying_spans(keys);
    let prefix = |key: &SortKey| {
        spans.iter().fold(0u64, |acc, &(word, shift, bits)| {
            let part = (key[word] >> shift) & (u64::MAX >> (64 - bits));
            acc.checked_shl(bits).unwrap_or(0) | part
        })
    };
    let mut packed: Vec<u128> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| {
            let prefix = if descending {
                !prefix(key)
            } else {
                prefix(key)
            };
            (u128::from(prefix) << 32) | index as u128
        })
        .collect();
    packed.sort_unstable();
    entries.clear();
    entries.extend(packed.iter().map(|&value| {
        let index = value as u32;
        (keys[index as usize], index)
    }));
    // Keys that share the prefix came out in index order: put them in key order.
    let mut start = 0;
    while start < packed.len() {
        let prefix = packed[start] >> 32;
        let end = start
            + packed[start..]
                .iter()
                .take_while(|&&value| value >> 32 == prefix)
                .count();
        if end - start > 1 {
            sort_entries(&mut entries[start..end], descending);
        }
        start = end;
    }
}

/// Where the keys differ: per word (in order), the shift and width of the span between
/// its highest and lowest bit that is not the same in every key, cut to 64 bits in all.
fn varying_spans(keys: &[SortKey]) -> Vec<(usize, u32, u32)> {
    let Some(first) = keys.first() else {
        return Vec::new();
    };
    let mut varying = [0u64; 4];
    for key in keys {
        for (word, bits) in varying.iter_mut().enumerate() {
            *bits |= key[word] ^ first[word];
        }
    }
    let mut spans = Vec::new();
    let mut room = 64;
    for (word, bits) in varying.into_iter().enumerate() {
        if bits == 0 || room == 0 {
            continue;
        }
        let high = 63 - bits.leading_zeros();
        let width = (high + 1 - bits.trailing_zeros()).min(room);
        spans.push((word, high + 1 - width, width));
        room -= width;
    }
    spans
}

/// The order of two entries: by key (reversed when `descending`), then by index.
fn entry_order(descending: bool, a: &(SortKey, u32), b: &(SortKey, u32)) -> Ordering {
    let order = a.0.cmp(&b.0);
    if descending { order.reverse() } else { order }.then(a.1.cmp(&b.1))
}

fn sort_entries(entries: &mut [(SortKey, u32)], descending: bool) {
    // Two loops rather than one comparator that branches on direction every call.
    if descending {
        entries.sort_unstable_by(|a, b| entry_order(true, a, b));
    } else {
        entries.sort_unstable_by(|a, b| entry_order(false, a, b));
    }
}

/// Merge two sorted runs of entries into one.
fn merge(
    left: &[(SortKey, u32)],
    right: &[(SortKey, u32)],
    descending: bool,
) -> Vec<(SortKey, u32)> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if entry_order(descending, &right[j], &left[i]) == Ordering::Less {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}
