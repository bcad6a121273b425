//! Order-preserving sort keys for `ListView::rebuild_keyed`. A key is compared as a
//! tuple of numbers; each helper maps its input so that a smaller input never gets a
//! larger number. Equal keys are allowed for different inputs (the comparator decides
//! those), but a part may only be followed by more parts while it is exact: a later part
//! must never decide between inputs that an earlier part merely could not tell apart.

use jiff::Timestamp;

/// Where an item sorts: compared element by element.
pub type SortKey = [u64; 4];

/// Exact: `None` before any time, then to the nanosecond.
pub fn time(time: Option<Timestamp>) -> [u64; 2] {
    // Flipping the sign bit maps i128 order onto u128 order; no timestamp is near
    // i128::MIN nanoseconds, so 0 stays free for `None`.
    let value = time.map_or(0, |t| (t.as_nanosecond() as u128) ^ (1 << 127));
    [(value >> 64) as u64, value as u64]
}

/// Exact.
pub fn number(number: u64) -> u64 {
    number
}

/// `text` (`None` first) by its first 14 bytes and its length, then `then` where
/// that is exact (texts up to 14 bytes); longer texts sharing those 14 bytes tie and
/// are left to the comparator.
pub fn text_then(text: Option<&str>, then: [u64; 2]) -> SortKey {
    let Some(text) = text else {
        return [0, 0, then[0], then[1]];
    };
    let mut bytes = [0u8; 16];
    bytes[0] = 1;
    let prefix = &text.as_bytes()[..text.len().min(14)];
    bytes[1..=prefix.len()].copy_from_slice(prefix);
    // Within the same 14 bytes a shorter text sorts first (zero padding cannot tell
    // "a" from "a\0"); every text past 14 bytes shares the last value.
    bytes[15] = text.len().min(15) as u8;
    let high = u64::from_be_bytes(bytes[..8].try_into().expect("eight bytes"));
    let low = u64::from_be_bytes(bytes[8..].try_into().expect("eight bytes"));
    if text.len() <= 14 {
        [high, low, then[0], then[1]]
    } else {
        [high, low, 0, 0]
    }
}
