//! Builders shared by the tests of `app`, `ui` and `runtime`: registries, repositories,
//! images and states a few keys away from a view.

use super::action::{Action, Effect};
use super::state::{Mode, State};
use super::{start, update};
use crate::ecr::model::{
    CredentialSource, Encryption, Image, ManifestKind, Page, RegistryTarget, Repository,
    TagMutability,
};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

/// The fixed "now" every fixture is dated against.
pub fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// Repository `name` in account 123456789012, us-east-1.
pub fn repo(name: &str) -> Repository {
    Repository {
        name: name.to_string(),
        registry_id: "123456789012".into(),
        uri: format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}"),
        arn: format!("arn:aws:ecr:us-east-1:123456789012:repository/{name}"),
        created_at: Some(now()),
        tag_mutability: TagMutability::Mutable,
        scan_on_push: false,
        encryption: Encryption::Aes256,
    }
}

/// Image `n` with its own [`digest`], pushed `days_ago` days before [`now`], 1 MB × (n + 1).
pub fn image(n: u64, tags: &[&str], days_ago: i64) -> Image {
    Image {
        digest: digest(n),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        pushed_at: Some(Timestamp::from_second(now().as_second() - days_ago * 86_400).unwrap()),
        last_pulled_at: None,
        size_bytes: 1_000_000 * (n + 1),
        manifest_media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
        kind: ManifestKind::Image,
        scan: None,
        status: Default::default(),
        last_archived_at: None,
        last_activated_at: None,
        subject_digest: None,
        artifact_type: None,
    }
}

/// Two registries: the environment in us-east-1 and profile `prod` in eu-west-1.
pub fn targets() -> Vec<RegistryTarget> {
    vec![
        RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
        RegistryTarget::new(CredentialSource::Profile("prod".into()), "eu-west-1"),
    ]
}

/// The identity of registry `i` of [`targets`].
pub fn reg(i: usize) -> RegistryTarget {
    targets()[i].clone()
}

/// A key press without modifiers.
pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key press without modifiers.
pub fn char_key(c: char) -> Action {
    key(KeyCode::Char(c))
}

/// One page of `items`, with a next token when `next` is given.
pub fn page<T>(items: Vec<T>, next: Option<&str>) -> Page<T> {
    Page {
        items,
        next_token: next.map(str::to_string),
    }
}

/// A state showing the repositories of registry 0 with `names` loaded.
pub fn with_repositories(names: &[&str]) -> State {
    let mut state = State::new(targets(), now());
    let effects = start(&mut state);
    let generation = match effects
        .iter()
        .find(|e| matches!(e, Effect::FetchRepositories { .. }))
    {
        Some(Effect::FetchRepositories { generation, .. }) => *generation,
        other => panic!("start should fetch repositories, got {other:?}"),
    };
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: reg(0),
            generation,
            result: Ok(page(names.iter().map(|n| repo(n)).collect(), None)),
        },
    );
    state
}

/// Open the selected repository and deliver `images` as one page.
pub fn open_with_images(state: &mut State, images: Vec<Image>) {
    let effects = update(state, key(KeyCode::Enter));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects) else {
        panic!("Enter on a repository should fetch images, got {effects:?}");
    };
    let generation = *generation;
    update(
        state,
        Action::ImagesPage {
            generation,
            result: Ok(page(images, None)),
        },
    );
}

/// The FetchImages effect among `effects`.
pub fn fetch_images(effects: &[Effect]) -> Option<&Effect> {
    effects
        .iter()
        .find(|e| matches!(e, Effect::FetchImages { .. }))
}

/// The names of the repositories on screen, in display order.
pub fn visible_repos(state: &State) -> Vec<String> {
    let pane = &state.repositories;
    pane.list
        .rows
        .iter()
        .map(|&i| pane.rows[i].repo.name.clone())
        .collect()
}

/// The tags of the images on screen, comma-joined, in display order.
pub fn visible_tags(state: &State) -> Vec<String> {
    let pane = &state.images;
    pane.list
        .rows
        .iter()
        .map(|&i| pane.images[i].tags.join(","))
        .collect()
}

/// Type `text` on the command line and press Enter; the effects of Enter.
pub fn type_line(state: &mut State, text: &str) -> Vec<Effect> {
    update(state, char_key(':'));
    assert_eq!(state.mode, Mode::Command);
    for c in text.chars() {
        update(state, char_key(c));
    }
    update(state, key(KeyCode::Enter))
}

/// A left click at `column`, `row`.
pub fn click(state: &mut State, column: u16, row: u16) {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    update(
        state,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    );
}

/// The digest of fixture image `n`: `sha256:` and 64 lowercase hex that differ from every
/// other image's in the first 12 (the short form on screen), so a row shown with another
/// row's digest cannot pass unnoticed.
pub fn digest(n: u64) -> String {
    // splitmix64: a bijection on u64 that scatters consecutive `n` across all bits.
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let words: String = (0..4)
        .map(|k| format!("{:016x}", mix(n.wrapping_mul(4).wrapping_add(k))))
        .collect();
    format!("sha256:{words}")
}

/// The layers of fixture image `image`: a base layer every fixture image shares
/// (700,000 bytes), its own config (1,000 bytes) and its own layer (half its listed
/// size).
pub fn fixture_blobs(image: &Image) -> Vec<crate::storage::manifest::Blob> {
    use crate::storage::{Digest, manifest::Blob};
    vec![
        Blob {
            digest: Digest::of(b"base layer"),
            size: 700_000,
        },
        Blob {
            digest: Digest::of(format!("config of {}", image.digest).as_bytes()),
            size: 1_000,
        },
        Blob {
            digest: Digest::of(format!("layer of {}", image.digest).as_bytes()),
            size: image.size_bytes / 2,
        },
    ]
}

/// Storage figures of `images` built from [`fixture_blobs`], the images whose digest
/// is in `unreadable` left unknown.
pub fn fixture_storage(images: &[Image], unreadable: &[&str]) -> super::storage::StorageRead {
    use crate::storage::{Digest, StorageBuilder};
    let mut builder = StorageBuilder::new();
    for image in images {
        let Some(digest) = Digest::parse(&image.digest) else {
            builder.add_opaque();
            continue;
        };
        if unreadable.contains(&image.digest.as_str()) {
            builder.add_unreadable(digest);
        } else {
            builder.add_image(digest, fixture_blobs(image));
        }
    }
    super::storage::StorageRead {
        storage: std::sync::Arc::new(builder.build()),
        problem: (!unreadable.is_empty()).then(|| "AccessDenied: not allowed".to_string()),
    }
}

/// The ReadStorage effect among `effects`: (repository, digests, generation).
pub fn read_storage(effects: &[Effect]) -> Option<(String, Vec<String>, u64)> {
    effects.iter().find_map(|e| match e {
        Effect::ReadStorage {
            repository,
            digests,
            generation,
            ..
        } => Some((repository.clone(), digests.clone(), *generation)),
        _ => None,
    })
}

/// Open the selected repository, deliver `images` as one page, then answer the storage
/// read it asks for with [`fixture_storage`] (`unreadable` left unknown).
pub fn open_with_storage(state: &mut State, images: Vec<Image>, unreadable: &[&str]) {
    let effects = update(state, key(KeyCode::Enter));
    let Some(Effect::FetchImages { generation, .. }) = fetch_images(&effects) else {
        panic!("Enter on a repository should fetch images, got {effects:?}");
    };
    let generation = *generation;
    let storage = fixture_storage(&images, unreadable);
    let effects = update(
        state,
        Action::ImagesPage {
            generation,
            result: Ok(page(images, None)),
        },
    );
    let (repository, _, generation) =
        read_storage(&effects).expect("a complete listing asks for its storage");
    update(
        state,
        Action::StorageRead {
            registry: state.images.registry.clone(),
            repository,
            generation,
            result: Ok(storage),
        },
    );
}

/// Press `code` without modifiers; the effects.
pub fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(state, key(code))
}

/// The layers view's section for fixture image `image` ([`fixture_blobs`], the config
/// second), as the runtime would send it.
pub fn fixture_section(image: &Image, platform: Option<&str>) -> super::layers::LayerSection {
    use super::layers::{BlobKind, LayerBlob, LayerSection};
    LayerSection {
        digest: image.digest.clone(),
        platform: platform.map(str::to_string),
        blobs: fixture_blobs(image)
            .into_iter()
            .enumerate()
            .map(|(i, blob)| LayerBlob {
                kind: if i == 1 {
                    BlobKind::Config
                } else {
                    BlobKind::Layer
                },
                digest: blob.digest,
                size: blob.size,
            })
            .collect(),
        problem: None,
    }
}

/// The lifecycle view fixture's images as storage figures: one base layer of 1 MiB
/// shared by all, and each image's own layer of `own(listed size)` bytes.
pub fn lifecycle_storage(own: impl Fn(u64) -> u64) -> super::storage::StorageRead {
    use crate::storage::{Digest, StorageBuilder, manifest::Blob};
    let mut builder = StorageBuilder::new();
    for record in crate::app::lifecycle::tests::images() {
        builder.add_image(
            Digest::parse(&record.digest).expect("fixture digests are valid"),
            [
                Blob {
                    digest: Digest::of(b"base"),
                    size: 1 << 20,
                },
                Blob {
                    digest: Digest::of(record.digest.as_bytes()),
                    size: own(record.size_bytes),
                },
            ],
        );
    }
    super::storage::StorageRead::complete(builder.build())
}
