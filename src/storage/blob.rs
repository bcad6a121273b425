//! Digests as their 32 bytes, and the table that numbers them.
//!
//! A repository of 100,000 images with ten layers each holds a million blob references.
//! Kept as `sha256:…` strings that is 71 bytes of text plus a 24-byte `String` per
//! reference; here each distinct digest is stored once as 32 bytes, its size once beside
//! it, and every reference is a 4-byte [`BlobId`].

use crate::ecr::model::is_valid_digest;
use hashbrown::HashTable;
use hashbrown::hash_table::Entry;
use sha2::{Digest as _, Sha256};
use std::fmt;
use std::hash::{BuildHasher, RandomState};

/// The text every digest starts with.
const PREFIX: &str = "sha256:";

/// A sha256 digest as its 32 bytes; it prints as ECR writes it, `sha256:` + 64 hex.
///
/// Invariant: a `Digest` only comes from a valid digest text ([`Digest::parse`]), from
/// hashing content ([`Digest::of`]) or from 32 bytes ([`Digest::from_bytes`]), so it
/// always names something ECR could name, and formats back to the exact text it was
/// parsed from (valid digests are lowercase).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest([u8; 32]);

impl Digest {
    /// The digest `text` names, or None unless it is `sha256:` + 64 lowercase hex
    /// ([`is_valid_digest`]): anything else from a registry is an opaque id.
    pub fn parse(text: &str) -> Option<Digest> {
        if !is_valid_digest(text) {
            return None;
        }
        let hex = &text.as_bytes()[PREFIX.len()..];
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
            *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        Some(Digest(bytes))
    }

    /// The digest of `content`: what ECR's digest of a manifest is.
    pub fn of(content: &[u8]) -> Digest {
        Digest(Sha256::digest(content).into())
    }

    /// The digest whose bytes are `bytes`.
    pub const fn from_bytes(bytes: [u8; 32]) -> Digest {
        Digest(bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 64 lowercase hex characters, without `sha256:` (a file name, for instance).
    pub fn hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(64);
        for byte in self.0 {
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        text
    }
}

/// The value of one lowercase hex character; only called on validated digests.
fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", self.hex())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A blob (config or layer) of one [`BlobTable`]: an index into it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(pub u32);

impl BlobId {
    /// The position in the table's columns.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Digests numbered 0, 1, 2, … in the order they were first seen.
///
/// The hash table holds only the numbers; a lookup compares against the digest stored
/// in `digests`, so each digest is kept once.
pub(crate) struct DigestIndex {
    digests: Vec<Digest>,
    table: HashTable<u32>,
    hasher: DigestHasher,
}

/// A keyed hash of a digest's 32 bytes.
///
/// Digests come from manifests a registry serves, so the hash is keyed with random keys
/// per table: without them, crafted digests cannot be made to share a probe chain. It
/// folds 128-bit products of the key-mixed words (the construction of foldhash and
/// wyhash), which is enough for keyed hash-table use; std's SipHash made building the
/// figures of 100,000 images a third slower (benches/storage.rs).
#[derive(Clone, Copy)]
struct DigestHasher {
    keys: [u64; 6],
}

impl DigestHasher {
    fn new() -> Self {
        let random = RandomState::new();
        DigestHasher {
            keys: std::array::from_fn(|i| random.hash_one(i)),
        }
    }

    fn hash(&self, digest: &Digest) -> u64 {
        let word = |i: usize| {
            u64::from_le_bytes(std::array::from_fn(|j| digest.0[8 * i + j])) ^ self.keys[i]
        };
        let low = fold(word(0), word(1)) ^ self.keys[4];
        let high = fold(word(2), word(3)) ^ self.keys[5];
        fold(low, high)
    }
}

/// The two halves of the 128-bit product of `a` and `b`, xored.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl DigestIndex {
    /// An empty index with room for `capacity` digests.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        DigestIndex {
            digests: Vec::with_capacity(capacity),
            table: HashTable::with_capacity(capacity),
            hasher: DigestHasher::new(),
        }
    }

    /// The number of `digest`, if it was seen.
    pub(crate) fn get(&self, digest: &Digest) -> Option<u32> {
        let hash = self.hasher.hash(digest);
        self.table
            .find(hash, |&n| self.digests[n as usize] == *digest)
            .copied()
    }

    /// The number of `digest` and whether it is new; None once 2^32 digests are
    /// numbered (memory runs out long before, but a count is never wrapped).
    pub(crate) fn insert(&mut self, digest: Digest) -> Option<(u32, bool)> {
        let DigestIndex {
            digests,
            table,
            hasher,
        } = self;
        let hash = hasher.hash(&digest);
        match table.entry(
            hash,
            |&n| digests[n as usize] == digest,
            |&n| hasher.hash(&digests[n as usize]),
        ) {
            Entry::Occupied(found) => Some((*found.get(), false)),
            Entry::Vacant(slot) => {
                let number = u32::try_from(digests.len()).ok()?;
                slot.insert(number);
                digests.push(digest);
                Some((number, true))
            }
        }
    }

    /// The digest numbered `number`.
    pub(crate) fn digest(&self, number: u32) -> &Digest {
        &self.digests[number as usize]
    }

    /// How many digests are numbered.
    pub(crate) fn len(&self) -> usize {
        self.digests.len()
    }

    /// Every digest, by number.
    pub(crate) fn digests(&self) -> &[Digest] {
        &self.digests
    }
}

/// Blobs interned: digest → [`BlobId`], with each blob's size kept once.
///
/// Invariant: `sizes` has one entry per digest of `index`, at the blob's id. A blob's
/// size is the first size a manifest gave for it; a later manifest that claims another
/// size for the same digest is counted in [`BlobTable::size_conflicts`], not believed,
/// because a digest names one content and so one size.
pub struct BlobTable {
    index: DigestIndex,
    sizes: Vec<u64>,
    size_conflicts: usize,
}

impl BlobTable {
    /// An empty table with room for `capacity` blobs.
    pub fn with_capacity(capacity: usize) -> Self {
        BlobTable {
            index: DigestIndex::with_capacity(capacity),
            sizes: Vec::with_capacity(capacity),
            size_conflicts: 0,
        }
    }

    /// The id of the blob `digest` of `size` bytes, adding it when new; None when the
    /// table is full (2^32 blobs).
    pub fn intern(&mut self, digest: Digest, size: u64) -> Option<BlobId> {
        let (number, new) = self.index.insert(digest)?;
        if new {
            self.sizes.push(size);
        } else if self.sizes[number as usize] != size {
            self.size_conflicts += 1;
        }
        Some(BlobId(number))
    }

    /// The id of `digest`, if the table holds it.
    pub fn get(&self, digest: &Digest) -> Option<BlobId> {
        self.index.get(digest).map(BlobId)
    }

    /// The size of blob `id`.
    pub fn size(&self, id: BlobId) -> u64 {
        self.sizes[id.index()]
    }

    /// The digest of blob `id`.
    pub fn digest(&self, id: BlobId) -> &Digest {
        self.index.digest(id.0)
    }

    /// How many distinct blobs the table holds.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the table holds no blob.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How often a manifest gave a known blob another size than the first one seen.
    pub fn size_conflicts(&self) -> usize {
        self.size_conflicts
    }

    /// Every blob's size, by id.
    pub(crate) fn sizes(&self) -> &[u64] {
        &self.sizes
    }

    /// Every blob's digest, by id.
    pub(crate) fn digests(&self) -> &[Digest] {
        self.index.digests()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_valid_digest_round_trips_and_anything_else_is_refused() {
        let digest = Digest::parse(TEXT).expect("valid");
        assert_eq!(digest.to_string(), TEXT);
        assert_eq!(digest.as_bytes()[0], 0x01);
        assert_eq!(digest.as_bytes()[31], 0xef);
        for bad in [
            "",
            "sha256:",
            &TEXT[..70],
            &TEXT.to_uppercase(),
            &TEXT.replace("sha256", "sha512"),
            &format!("{TEXT}0"),
        ] {
            assert_eq!(Digest::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_digest_of_content_is_its_sha256() {
        // sha256("") is a well-known value.
        assert_eq!(
            Digest::of(b"").to_string(),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn interning_keeps_one_id_and_the_first_size_per_digest() {
        let mut table = BlobTable::with_capacity(0);
        let a = Digest::from_bytes([1; 32]);
        let b = Digest::from_bytes([2; 32]);
        let first = table.intern(a, 10).unwrap();
        let second = table.intern(b, 20).unwrap();
        assert_ne!(first, second);
        assert_eq!(table.intern(a, 10), Some(first));
        assert_eq!(table.size_conflicts(), 0);
        // A manifest that lies about a known blob's size is counted, not believed.
        assert_eq!(table.intern(a, 99), Some(first));
        assert_eq!(table.size(first), 10);
        assert_eq!(table.size_conflicts(), 1);
        assert_eq!(table.len(), 2);
        assert_eq!(table.get(&b), Some(second));
        assert_eq!(table.digest(second), &b);
        assert_eq!(table.get(&Digest::from_bytes([3; 32])), None);
    }

    #[test]
    fn digests_differing_in_any_one_word_hash_apart() {
        let hasher = DigestHasher::new();
        for word in 0..4 {
            let hashes: std::collections::HashSet<u64> = (0u64..5000)
                .map(|n| {
                    let mut bytes = [7u8; 32];
                    bytes[8 * word..8 * word + 8].copy_from_slice(&n.to_le_bytes());
                    hasher.hash(&Digest::from_bytes(bytes))
                })
                .collect();
            assert_eq!(hashes.len(), 5000, "word {word}");
        }
        let digest = Digest::from_bytes([9; 32]);
        assert_eq!(hasher.hash(&digest), hasher.hash(&digest));
    }

    #[test]
    fn many_digests_stay_distinct_through_growth() {
        let mut index = DigestIndex::with_capacity(1);
        for n in 0u32..5000 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&n.to_le_bytes());
            assert_eq!(index.insert(Digest::from_bytes(bytes)), Some((n, true)));
        }
        for n in 0u32..5000 {
            let mut bytes = [0u8; 32];
            bytes[..4].copy_from_slice(&n.to_le_bytes());
            assert_eq!(index.get(&Digest::from_bytes(bytes)), Some(n));
        }
    }
}
