//! True-storage figures at ECR's per-repository maximum: 100,000 images of ten layers
//! each, once the manifests are in. The targets: interning, deduplication, every
//! image's unique bytes and the bytes a 10% delete would free within 200 ms, in less
//! than 60 MB of extra memory.
//!
//! The repository is shaped like a CI repository: 300 base layers in 75 stacks of four,
//! every image on one stack, with its own config and six layers of its own.
//!
//! Run with `cargo bench --bench storage`; it prints the figures and the extra resident
//! memory first, then divan's timings.

use berth::storage::manifest::Blob;
use berth::storage::{Digest, RepositoryStorage, StorageBuilder};
use divan::{Bencher, black_box};
use std::sync::LazyLock;
use std::time::Instant;

const IMAGES: u64 = 100_000;
const STACKS: u64 = 75;
const BASE_PER_IMAGE: u64 = 4;
const OWN_LAYERS: u64 = 6;
/// Config + base + own layers of one image.
const BLOBS_PER_IMAGE: u64 = 1 + BASE_PER_IMAGE + OWN_LAYERS;

fn main() {
    let before = memory();
    let started = Instant::now();
    let storage = build_generated();
    let built = started.elapsed();
    let after = memory();
    let delete = delete_set();
    let started = Instant::now();
    let unique: u64 = unique_total(&storage);
    let freed = storage.bytes_freed(&delete);
    let figured = started.elapsed();

    let listed: u64 = (0..IMAGES)
        .map(|i| blobs_of(i).iter().map(|b| b.size).sum::<u64>())
        .sum();
    let reclaimed: u64 = (0..IMAGES)
        .filter(|i| i % 10 == 3)
        .map(|i| blobs_of(i).iter().map(|b| b.size).sum::<u64>())
        .sum();
    let gib = |bytes: u64| bytes as f64 / (1u64 << 30) as f64;
    println!(
        "storage: {IMAGES} images, {} distinct blobs, {} references",
        storage.blobs().len(),
        IMAGES * BLOBS_PER_IMAGE
    );
    println!(
        "  stored {:.1} GiB of {:.1} GiB listed; unique over all images {:.1} GiB",
        gib(storage.stored_bytes().bytes),
        gib(listed),
        gib(unique)
    );
    println!(
        "  deleting 10% frees {:.1} GiB of {:.1} GiB listed ({:?})",
        gib(freed.bytes),
        gib(reclaimed),
        freed.bound
    );
    println!(
        "  once: build {:.0} ms, unique + freed {:.0} ms",
        built.as_secs_f64() * 1e3,
        figured.as_secs_f64() * 1e3
    );
    println!(
        "  extra RSS after building: {:.1} MB (peak while building: {:.1} MB)",
        (after.resident - before.resident) as f64 / 1e6,
        (after.peak.saturating_sub(before.resident)) as f64 / 1e6
    );
    drop(storage);
    divan::main();
}

/// Resident and peak resident bytes of this process, from /proc/self/status (VmRSS and
/// VmHWM, in kB: the resident figure of /proc/self/statm without the page size).
struct Memory {
    resident: u64,
    peak: u64,
}

fn memory() -> Memory {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    };
    Memory {
        resident: field("VmRSS:"),
        peak: field("VmHWM:"),
    }
}

/// splitmix64: a fixed stream, so every run measures the same repository.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A digest as random-looking as a real one, from a kind and a number.
fn digest(kind: u64, n: u64) -> Digest {
    let mut bytes = [0u8; 32];
    for (k, chunk) in bytes.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(kind << 56 ^ n << 2 ^ k as u64).to_le_bytes());
    }
    Digest::from_bytes(bytes)
}

fn image_digest(i: u64) -> Digest {
    digest(1, i)
}

/// Image `i`'s config and layers: one stack of base layers, then its own.
fn blobs_of(i: u64) -> Vec<Blob> {
    let stack = mix(i) % STACKS;
    let config = Blob {
        digest: digest(2, i),
        size: 1_400 + mix(i ^ 0xc0) % 8_400,
    };
    let base = (0..BASE_PER_IMAGE).map(|j| {
        let n = stack * BASE_PER_IMAGE + j;
        Blob {
            digest: digest(3, n),
            size: 5_000_000 + mix(n ^ 0xba5e) % 55_000_000,
        }
    });
    let own = (0..OWN_LAYERS).map(|j| {
        let n = i * OWN_LAYERS + j;
        Blob {
            digest: digest(4, n),
            size: 1_000 + mix(n ^ 0x0e) % 20_000_000,
        }
    });
    std::iter::once(config).chain(base).chain(own).collect()
}

fn builder() -> StorageBuilder {
    let blobs = (IMAGES * (1 + OWN_LAYERS) + STACKS * BASE_PER_IMAGE) as usize;
    StorageBuilder::with_capacity(IMAGES as usize, blobs)
}

/// The figures, each image's blobs generated as it is added: only the figures' own
/// structures stay in memory.
fn build_generated() -> RepositoryStorage {
    let mut builder = builder();
    for i in 0..IMAGES {
        builder.add_image(image_digest(i), blobs_of(i));
    }
    builder.build()
}

/// The figures from manifests already in memory.
fn build_from(manifests: &[(Digest, Vec<Blob>)]) -> RepositoryStorage {
    let mut builder = builder();
    for (digest, blobs) in manifests {
        builder.add_image(*digest, blobs.iter().copied());
    }
    builder.build()
}

/// Every tenth image: a 10% delete set spread over the repository.
fn delete_set() -> Vec<Digest> {
    (0..IMAGES)
        .filter(|i| i % 10 == 3)
        .map(image_digest)
        .collect()
}

fn unique_total(storage: &RepositoryStorage) -> u64 {
    storage
        .images()
        .filter_map(|(_, figures)| figures)
        .map(|figures| figures.unique_bytes.bytes)
        .sum()
}

/// The manifests as they are once read: each image's digest and blobs in memory.
static MANIFESTS: LazyLock<Vec<(Digest, Vec<Blob>)>> = LazyLock::new(|| {
    (0..IMAGES)
        .map(|i| (image_digest(i), blobs_of(i)))
        .collect()
});

static STORAGE: LazyLock<RepositoryStorage> = LazyLock::new(|| build_from(&MANIFESTS));

static DELETE: LazyLock<Vec<Digest>> = LazyLock::new(delete_set);

/// The whole job from read manifests: intern, deduplicate, count, then every image's
/// unique bytes and the bytes a 10% delete frees. The 200 ms target.
#[divan::bench(sample_count = 10)]
fn figures_from_manifests(bencher: Bencher) {
    let manifests = &*MANIFESTS;
    let delete = &*DELETE;
    bencher.bench(|| {
        let storage = build_from(manifests);
        black_box((unique_total(&storage), storage.bytes_freed(delete)))
    });
}

/// Interning and closures alone.
#[divan::bench(sample_count = 10)]
fn build_storage(bencher: Bencher) {
    let manifests = &*MANIFESTS;
    bencher.bench(|| build_from(manifests));
}

/// Every image's unique bytes, from built figures.
#[divan::bench(sample_count = 30)]
fn unique_bytes_of_every_image(bencher: Bencher) {
    let storage = &*STORAGE;
    bencher.bench(|| unique_total(black_box(storage)));
}

/// The bytes a 10% delete set frees, from built figures.
#[divan::bench(sample_count = 30)]
fn bytes_freed_by_ten_percent(bencher: Bencher) {
    let storage = &*STORAGE;
    let delete = &*DELETE;
    bencher.bench(|| storage.bytes_freed(black_box(delete)));
}

/// The bytes one marked image frees: what the images pane recomputes per mark.
#[divan::bench(sample_count = 30)]
fn bytes_freed_by_one_image(bencher: Bencher) {
    let storage = &*STORAGE;
    let one = [image_digest(42)];
    bencher.bench(|| storage.bytes_freed(black_box(&one)));
}
