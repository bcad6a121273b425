use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// A digest made of one repeated byte, with a tag byte so blobs and images never meet.
fn digest(kind: u8, n: u8) -> Digest {
    let mut bytes = [n; 32];
    bytes[0] = kind;
    Digest::from_bytes(bytes)
}

fn blob(n: u8, size: u64) -> Blob {
    Blob {
        digest: digest(0xb1, n),
        size,
    }
}

fn image(n: u8) -> Digest {
    digest(0x1a, n)
}

fn exact(storage: &RepositoryStorage, n: u8) -> (u64, u64, u64) {
    let figures = storage.image(&image(n)).expect("known");
    (
        figures.closure_bytes,
        figures.unique_bytes.exact_bytes().expect("exact"),
        figures.shared_bytes.exact_bytes().expect("exact"),
    )
}

#[test]
fn images_on_one_base_store_the_base_once() {
    let mut builder = StorageBuilder::new();
    // Two builds on the same two base layers, each with its own config and app layer.
    builder.add_image(
        image(1),
        [blob(10, 5), blob(1, 1000), blob(2, 200), blob(11, 30)],
    );
    builder.add_image(
        image(2),
        [blob(20, 6), blob(1, 1000), blob(2, 200), blob(21, 40)],
    );
    let storage = builder.build();
    assert!(storage.is_complete());
    assert_eq!(storage.stored_bytes(), Figure::exact(1281));
    assert_eq!(exact(&storage, 1), (1235, 35, 1200));
    assert_eq!(exact(&storage, 2), (1246, 46, 1200));
    assert_eq!(storage.bytes_freed([&image(1)]), Figure::exact(35));
    assert_eq!(
        storage.bytes_freed([&image(1), &image(2), &image(1)]),
        Figure::exact(1281)
    );
    assert_eq!(storage.bytes_freed([]), Figure::exact(0));
    assert_eq!(storage.images_referencing(&blob(1, 0).digest), 2);
    assert_eq!(storage.images_referencing(&blob(11, 0).digest), 1);
    assert_eq!(storage.images_referencing(&blob(99, 0).digest), 0);
}

#[test]
fn a_blob_listed_twice_in_one_manifest_counts_once() {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(1, 7), blob(2, 100), blob(2, 100)]);
    let storage = builder.build();
    assert_eq!(storage.stored_bytes(), Figure::exact(107));
    assert_eq!(exact(&storage, 1), (107, 107, 0));
}

/// A multi-arch index over two platform images that share a base layer, each with an
/// attestation manifest, as buildx pushes them (and the sandbox seeds them).
fn multi_arch() -> StorageBuilder {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(10, 4), blob(1, 1000), blob(11, 50)]);
    builder.add_image(image(2), [blob(20, 4), blob(1, 1000), blob(21, 60)]);
    builder.add_image(image(3), [blob(30, 1), blob(31, 11)]);
    builder.add_image(image(4), [blob(40, 1), blob(41, 12)]);
    builder.add_index(image(9), [image(1), image(2), image(3), image(4)]);
    builder
}

#[test]
fn an_index_and_its_children_hold_nothing_alone_but_free_everything_together() {
    let storage = multi_arch().build();
    assert_eq!(storage.stored_bytes(), Figure::exact(1143));
    // The index's closure is every child's; each child's blobs are also the index's.
    assert_eq!(exact(&storage, 9), (1143, 0, 1143));
    assert_eq!(exact(&storage, 1), (1054, 0, 1054));
    assert_eq!(exact(&storage, 3), (12, 0, 12));
    // Deleting the index leaves its children stored; a child alone is still named by
    // the index (ECR would refuse it anyway).
    assert_eq!(storage.bytes_freed([&image(9)]), Figure::exact(0));
    assert_eq!(storage.bytes_freed([&image(1)]), Figure::exact(0));
    let all: Vec<Digest> = [1, 2, 3, 4, 9].map(image).to_vec();
    assert_eq!(storage.bytes_freed(&all), Figure::exact(1143));
    // Index and one platform: the other platform keeps the base layer.
    assert_eq!(
        storage.bytes_freed([&image(9), &image(1), &image(3)]),
        Figure::exact(4 + 50 + 12)
    );
}

#[test]
fn an_unreadable_image_makes_every_figure_it_touches_a_bound() {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(10, 5), blob(1, 1000), blob(11, 30)]);
    builder.add_image(image(2), [blob(20, 6), blob(1, 1000), blob(21, 40)]);
    builder.add_unreadable(image(3));
    let storage = builder.build();
    assert!(!storage.is_complete());
    assert_eq!(storage.unknown_images(), 1);
    assert_eq!(
        storage.stored_bytes(),
        Figure {
            bytes: 1081,
            bound: Bound::AtLeast
        }
    );
    assert_eq!(storage.image(&image(3)), None);
    let one = storage.image(&image(1)).unwrap();
    assert_eq!(one.closure_bytes, 1035);
    assert_eq!(
        one.unique_bytes,
        Figure {
            bytes: 35,
            bound: Bound::AtMost
        }
    );
    assert_eq!(one.shared_bytes.bound, Bound::AtLeast);
    // Image 3 might share image 1's blobs; its own are unknown.
    assert_eq!(storage.bytes_freed([&image(1)]).bound, Bound::AtMost);
    assert_eq!(storage.bytes_freed([&image(3)]).bound, Bound::AtLeast);
    assert_eq!(
        storage.bytes_freed([&image(1), &image(3)]).bound,
        Bound::AtLeast
    );
    assert_eq!(
        storage.bytes_freed([&image(1), &image(2), &image(3)]),
        Figure {
            bytes: 1081,
            bound: Bound::AtLeast
        }
    );
}

#[test]
fn an_index_with_an_unread_child_is_unknown_and_its_read_children_are_not() {
    let mut builder = multi_arch();
    // Image 5 is named by index 8 but never read.
    builder.add_index(image(8), [image(1), image(5)]);
    let storage = builder.build();
    assert_eq!(storage.unknown_images(), 2, "image 5 and index 8");
    assert_eq!(storage.image(&image(8)), None);
    assert_eq!(storage.image(&image(5)), None);
    assert!(storage.image(&image(1)).is_some());
    assert_eq!(storage.image_count(), 7);
}

#[test]
fn an_opaque_id_or_a_digest_from_elsewhere_is_never_exact() {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(1, 10)]);
    let complete = builder.build();
    assert_eq!(complete.bytes_freed([&image(7)]).bound, Bound::AtLeast);

    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(1, 10)]);
    builder.add_opaque();
    let storage = builder.build();
    assert_eq!(storage.stored_bytes().bound, Bound::AtLeast);
    assert_eq!(storage.bytes_freed([&image(1)]).bound, Bound::AtMost);
}

#[test]
fn the_first_definition_of_a_digest_wins() {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(1, 10)]);
    builder.add_unreadable(image(1));
    builder.add_image(image(1), [blob(2, 99)]);
    let storage = builder.build();
    assert!(storage.is_complete());
    assert_eq!(storage.stored_bytes(), Figure::exact(10));
}

#[test]
fn an_index_cycle_in_inconsistent_data_ends() {
    // Real digests cannot form a cycle (each hashes the other); data given to the
    // builder directly can, and must not hang it.
    let mut builder = StorageBuilder::new();
    builder.add_index(image(1), [image(2)]);
    builder.add_index(image(2), [image(1), image(3)]);
    builder.add_image(image(3), [blob(1, 10)]);
    let storage = builder.build();
    assert_eq!(storage.stored_bytes(), Figure::exact(10));
    assert_eq!(exact(&storage, 1).0, 10);
}

#[test]
fn manifests_are_added_by_their_shape() {
    let mut builder = StorageBuilder::new();
    builder.add_manifest(
        image(1),
        &Manifest::Image {
            format: super::super::manifest::Format::OciManifest,
            config: blob(1, 3),
            layers: vec![blob(2, 4)],
        },
    );
    builder.add_manifest(
        image(2),
        &Manifest::Index {
            format: super::super::manifest::Format::OciIndex,
            children: vec![super::super::manifest::Child {
                digest: image(1),
                platform: None,
                attestation: false,
            }],
        },
    );
    let storage = builder.build();
    assert_eq!(exact(&storage, 2), (7, 0, 7));
}

fn repository(blobs: &[(u8, u64)]) -> RepositoryStorage {
    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), blobs.iter().map(|&(n, size)| blob(n, size)));
    builder.build()
}

#[test]
fn blobs_in_several_repositories_are_counted_once_as_cross_repository_bytes() {
    let web = repository(&[(1, 1000), (2, 10)]);
    let api = repository(&[(1, 1000), (3, 20)]);
    let jobs = repository(&[(1, 1000), (2, 10), (4, 30)]);
    let figures = registry_figures([&web, &api, &jobs]);
    assert_eq!(figures.stored_bytes, Figure::exact(3070));
    assert_eq!(figures.cross_repository_bytes, Figure::exact(1010));

    let mut builder = StorageBuilder::new();
    builder.add_image(image(1), [blob(3, 20)]);
    builder.add_unreadable(image(2));
    let partial = builder.build();
    let figures = registry_figures([&web, &partial]);
    assert_eq!(figures.stored_bytes.bound, Bound::AtLeast);
    assert_eq!(
        figures.cross_repository_bytes,
        Figure {
            bytes: 0,
            bound: Bound::AtLeast
        }
    );
}

#[test]
fn monthly_cost_is_gib_times_the_price() {
    assert_eq!(monthly_cost_usd(10 * GIB, 0.10), 1.0);
    assert_eq!(monthly_cost_usd(0, 0.10), 0.0);
    assert!((monthly_cost_usd(GIB / 2, 0.10) - 0.05).abs() < 1e-12);
}

#[test]
fn sums_of_figures_keep_the_loosest_bound() {
    let at_least = Figure {
        bytes: 1,
        bound: Bound::AtLeast,
    };
    let at_most = Figure {
        bytes: 2,
        bound: Bound::AtMost,
    };
    assert_eq!(Figure::exact(1).plus(Figure::exact(2)), Figure::exact(3));
    assert_eq!(Figure::exact(1).plus(at_least).bound, Bound::AtLeast);
    assert_eq!(at_least.plus(at_least).bound, Bound::AtLeast);
    assert_eq!(at_most.plus(Figure::exact(0)).bound, Bound::AtMost);
    assert_eq!(at_least.plus(at_most).bound, Bound::Unknown);
    assert!(at_least.admits(5) && !at_least.admits(0));
    assert!(at_most.admits(0) && !at_most.admits(3));
}

/// One image of a generated repository.
#[derive(Clone, Debug)]
enum Spec {
    /// A single-platform image: config first, then layers (blob numbers, repeats
    /// allowed), and how much more than its blobs its listed size says.
    Plain { blobs: Vec<usize>, extra: u64 },
    /// An index over earlier images (so the graph has no cycle, as with real digests).
    Index { children: Vec<usize> },
}

#[derive(Clone, Debug)]
struct Case {
    sizes: Vec<u64>,
    images: Vec<Spec>,
    unreadable: Vec<bool>,
    deleted: Vec<bool>,
    reversed: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(0u64..5000, 1..12),
        prop::collection::vec(
            (
                any::<bool>(),
                prop::collection::vec(0usize..64, 1..6),
                0u64..100,
                any::<bool>(),
                prop::bool::weighted(0.15),
            ),
            1..12,
        ),
        any::<bool>(),
    )
        .prop_map(|(sizes, images, reversed)| {
            let mut specs = Vec::new();
            let mut unreadable = Vec::new();
            let mut deleted = Vec::new();
            for (i, (index, refs, extra, delete, unread)) in images.into_iter().enumerate() {
                specs.push(if index && i > 0 {
                    Spec::Index {
                        children: refs.iter().map(|r| r % i).collect(),
                    }
                } else {
                    Spec::Plain {
                        blobs: refs.iter().map(|r| r % sizes.len()).collect(),
                        extra,
                    }
                });
                deleted.push(delete);
                unreadable.push(unread);
            }
            Case {
                sizes,
                images: specs,
                unreadable,
                deleted,
                reversed,
            }
        })
}

/// The naive model: closures as sets of digest strings, computed recursively.
struct Naive {
    closures: Vec<BTreeSet<String>>,
    sizes: BTreeMap<String, u64>,
}

impl Naive {
    fn new(case: &Case) -> Self {
        let sizes: BTreeMap<String, u64> = case
            .sizes
            .iter()
            .enumerate()
            .map(|(n, size)| (blob(n as u8, 0).digest.to_string(), *size))
            .collect();
        let mut closures: Vec<BTreeSet<String>> = Vec::new();
        for spec in &case.images {
            let closure = match spec {
                Spec::Plain { blobs, .. } => blobs
                    .iter()
                    .map(|&n| blob(n as u8, 0).digest.to_string())
                    .collect(),
                Spec::Index { children } => children
                    .iter()
                    .flat_map(|&c| closures[c].iter().cloned())
                    .collect(),
            };
            closures.push(closure);
        }
        Naive { closures, sizes }
    }

    fn bytes(&self, set: &BTreeSet<String>) -> u64 {
        set.iter().map(|d| self.sizes[d]).sum()
    }

    fn union(&self, images: impl Iterator<Item = usize>) -> BTreeSet<String> {
        images
            .flat_map(|i| self.closures[i].iter().cloned())
            .collect()
    }

    fn stored(&self) -> u64 {
        self.bytes(&self.union(0..self.closures.len()))
    }

    fn unique(&self, image: usize) -> u64 {
        let others = self.union((0..self.closures.len()).filter(|&i| i != image));
        self.bytes(&self.closures[image].difference(&others).cloned().collect())
    }

    fn freed(&self, deleted: &[bool]) -> u64 {
        let gone = self.union((0..deleted.len()).filter(|&i| deleted[i]));
        let kept = self.union((0..deleted.len()).filter(|&i| !deleted[i]));
        self.bytes(&gone.difference(&kept).cloned().collect())
    }
}

/// Listed sizes as ECR's DescribeImages gives them, for an image: `all_blobs` counts
/// the config too (listed ≥ own blobs), otherwise only layers count, as ECR does; an
/// index lists its largest child.
fn listed(case: &Case, image: usize, all_blobs: bool) -> u64 {
    match &case.images[image] {
        Spec::Plain { blobs, extra } => {
            let skip = usize::from(!all_blobs);
            blobs.iter().skip(skip).map(|&n| case.sizes[n]).sum::<u64>() + extra
        }
        Spec::Index { children } => children
            .iter()
            .map(|&c| listed(case, c, all_blobs))
            .max()
            .unwrap_or(0),
    }
}

fn build(case: &Case, with_unreadable: bool) -> RepositoryStorage {
    let mut builder = StorageBuilder::new();
    let mut order: Vec<usize> = (0..case.images.len()).collect();
    if case.reversed {
        order.reverse();
    }
    for i in order {
        if with_unreadable && case.unreadable[i] {
            builder.add_unreadable(image(i as u8));
            continue;
        }
        match &case.images[i] {
            Spec::Plain { blobs, .. } => builder.add_image(
                image(i as u8),
                blobs.iter().map(|&n| blob(n as u8, case.sizes[n])),
            ),
            Spec::Index { children } => {
                builder.add_index(image(i as u8), children.iter().map(|&c| image(c as u8)))
            }
        }
    }
    builder.build()
}

proptest! {
    #[test]
    fn figures_equal_the_naive_set_computation(case in case()) {
        let storage = build(&case, false);
        let naive = Naive::new(&case);
        prop_assert!(storage.is_complete());
        prop_assert_eq!(storage.stored_bytes(), Figure::exact(naive.stored()));
        for i in 0..case.images.len() {
            let figures = storage.image(&image(i as u8)).unwrap();
            prop_assert_eq!(figures.closure_bytes, naive.bytes(&naive.closures[i]));
            prop_assert_eq!(figures.unique_bytes, Figure::exact(naive.unique(i)));
        }
        let delete: Vec<Digest> = (0..case.images.len())
            .filter(|&i| case.deleted[i])
            .map(|i| image(i as u8))
            .collect();
        let freed = storage.bytes_freed(&delete);
        prop_assert_eq!(freed, Figure::exact(naive.freed(&case.deleted)));

        // Freed never exceeds the listed sizes of the deleted images when each listed
        // size covers the image's own blobs.
        let reclaimed: u64 = (0..case.images.len())
            .filter(|&i| case.deleted[i])
            .map(|i| listed(&case, i, true))
            .sum();
        prop_assert!(freed.bytes <= reclaimed, "{} > {}", freed.bytes, reclaimed);

        // ECR's listed size leaves the config blob out: freed can then pass the listed
        // sum, by at most the deleted images' configs.
        let ecr_reclaimed: u64 = (0..case.images.len())
            .filter(|&i| case.deleted[i])
            .map(|i| listed(&case, i, false))
            .sum();
        let configs: u64 = (0..case.images.len())
            .filter(|&i| case.deleted[i])
            .filter_map(|i| match &case.images[i] {
                Spec::Plain { blobs, .. } => Some(case.sizes[blobs[0]]),
                Spec::Index { .. } => None,
            })
            .sum();
        prop_assert!(freed.bytes <= ecr_reclaimed + configs);
    }

    #[test]
    fn with_unreadable_manifests_every_figure_bounds_the_truth(case in case()) {
        let storage = build(&case, true);
        let naive = Naive::new(&case);
        prop_assert_eq!(
            storage.is_complete(),
            !case.unreadable.iter().any(|u| *u)
        );
        let stored = storage.stored_bytes();
        prop_assert!(stored.admits(naive.stored()), "{:?} vs {}", stored, naive.stored());
        // An image is known when it and every image below it were read.
        let mut known = vec![true; case.images.len()];
        for i in 0..case.images.len() {
            known[i] = !case.unreadable[i]
                && match &case.images[i] {
                    Spec::Plain { .. } => true,
                    Spec::Index { children } => children.iter().all(|&c| known[c]),
                };
        }
        for (i, &known) in known.iter().enumerate() {
            let figures = storage.image(&image(i as u8));
            prop_assert_eq!(figures.is_some(), known);
            if let Some(figures) = figures {
                prop_assert_eq!(figures.closure_bytes, naive.bytes(&naive.closures[i]));
                prop_assert!(figures.unique_bytes.admits(naive.unique(i)));
                let shared = naive.bytes(&naive.closures[i]) - naive.unique(i);
                prop_assert!(figures.shared_bytes.admits(shared));
            }
        }
        let delete: Vec<Digest> = (0..case.images.len())
            .filter(|&i| case.deleted[i])
            .map(|i| image(i as u8))
            .collect();
        let freed = storage.bytes_freed(&delete);
        let truth = naive.freed(&case.deleted);
        prop_assert!(freed.admits(truth), "{:?} vs {}", freed, truth);
    }
}
