//! Keypress-to-frame costs of the TUI with 1k, 10k and 100k images in one repository
//! (ECR's per-repository maximum) and 5,000 repositories in one registry.
//!
//! Every case drives the real core the way the runtime does: `update` with an `Action`,
//! then one frame of `ui::draw` into ratatui's `TestBackend`. The target is a finished
//! frame within 16 ms at 100k images. Run with `cargo bench --bench ui` (or
//! `scripts/bench` for the whole table); divan prints the timings.

use berth::app::{Action, Effect, State, update};
use berth::ecr::model::{
    CredentialSource, Encryption, Image, ManifestKind, Page, RegistryTarget, Repository,
    ScanSummary, Severity, SeverityCounts, TagMutability,
};
use berth::ui::{self, Theme};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use divan::Bencher;
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::cell::RefCell;

fn main() {
    divan::main();
}

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

/// The two terminal sizes that matter: a wide one with the side panel, and the smallest
/// common one.
const WIDE: (u16, u16) = (200, 50);
const SMALL: (u16, u16) = (80, 24);

fn now() -> Timestamp {
    "2026-03-01T12:00:00Z".parse().unwrap()
}

/// A deterministic xorshift stream, so every run measures the same data.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A CI repository like the sandbox's bulk seed: pushes over 400 days, 80% tagged
/// `main-<sha>`, some releases and PR builds with several tags, 70% ever pulled,
/// some scanned.
fn images(count: usize) -> Vec<Image> {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    (0..count)
        .map(|i| {
            let r = random.next();
            let tags = match r % 20 {
                0..=13 => vec![format!("main-{:07x}", r >> 36)],
                14 => vec![
                    format!("v{}.{}.{}", r % 3, (r >> 8) % 20, i % 50),
                    format!("main-{:07x}", r >> 36),
                    "latest".to_string(),
                ],
                15 => vec![format!("pr-{}", i % 5000), format!("sha-{:012x}", r >> 16)],
                _ => Vec::new(),
            };
            let age = SignedDuration::from_secs((r % (400 * 86_400)) as i64);
            let pushed = now() - age;
            let pulled = (r % 10 >= 3)
                .then(|| pushed + SignedDuration::from_secs((r >> 20) as i64 % 86_400));
            let scan = r.is_multiple_of(7).then(|| ScanSummary {
                status: "COMPLETE".to_string(),
                counts: Some(SeverityCounts(vec![
                    (Severity::High, (r % 4) as u32),
                    (Severity::Medium, (r % 9) as u32),
                ])),
            });
            Image {
                digest: format!("sha256:{:016x}{:048x}", r, i),
                tags,
                pushed_at: Some(pushed),
                last_pulled_at: pulled,
                size_bytes: 5_000_000 + r % 400_000_000,
                manifest_media_type: Some(
                    "application/vnd.docker.distribution.manifest.v2+json".to_string(),
                ),
                kind: ManifestKind::Image,
                scan,
                status: Default::default(),
                last_archived_at: None,
                last_activated_at: None,
                subject_digest: None,
                artifact_type: None,
            }
        })
        .collect()
}

fn repository(name: String, created: Timestamp) -> Repository {
    Repository {
        uri: format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{name}"),
        arn: format!("arn:aws:ecr:us-east-1:123456789012:repository/{name}"),
        name,
        registry_id: "123456789012".to_string(),
        created_at: Some(created),
        tag_mutability: TagMutability::Mutable,
        scan_on_push: false,
        encryption: Encryption::Aes256,
    }
}

/// `count` repositories named the way teams name them (`team/service-n`).
fn repositories(count: usize) -> Vec<Repository> {
    const TEAMS: [&str; 8] = [
        "payments", "web", "data", "platform", "infra", "ml", "mobile", "ci",
    ];
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    (0..count)
        .map(|i| {
            let r = random.next();
            let name = format!("{}/service-{i}", TEAMS[(r % 8) as usize]);
            repository(
                name,
                now() - SignedDuration::from_secs((r % 40_000_000) as i64),
            )
        })
        .collect()
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The core plus a terminal, as the runtime holds them.
struct Screen {
    state: State,
    terminal: Terminal<TestBackend>,
    theme: Theme,
}

impl Screen {
    /// A fresh state in a `width`×`height` terminal, started the way the runtime starts.
    fn new((width, height): (u16, u16)) -> (Screen, Vec<Effect>) {
        let target = RegistryTarget::new(CredentialSource::Environment, "us-east-1");
        let mut state = State::new(vec![target], now());
        update(&mut state, Action::Resize { width, height });
        let effects = berth::app::start(&mut state);
        let screen = Screen {
            state,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
            theme: Theme::dark(),
        };
        (screen, effects)
    }

    /// The images pane of one repository holding `images`, all pages arrived.
    fn images(size: (u16, u16), images: Vec<Image>) -> Screen {
        let (mut screen, effects) = Screen::new(size);
        let generation = repositories_generation(&effects);
        screen.act(Action::RepositoriesPage {
            registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
            generation,
            result: Ok(Page {
                items: vec![repository("ci/build-cache".into(), now())],
                next_token: None,
            }),
        });
        let effects = update(&mut screen.state, key(KeyCode::Enter));
        let generation = effects
            .iter()
            .find_map(|e| match e {
                Effect::FetchImages { generation, .. } => Some(*generation),
                _ => None,
            })
            .expect("Enter on a repository fetches its images");
        screen.act(Action::ImagesPage {
            generation,
            result: Ok(Page {
                items: images,
                next_token: None,
            }),
        });
        screen.draw();
        screen
    }

    /// The repositories pane of one registry holding `count` repositories, counted.
    fn repositories(size: (u16, u16), count: usize) -> (Screen, u64) {
        let (mut screen, effects) = Screen::new(size);
        let generation = repositories_generation(&effects);
        let repositories = repositories(count);
        let names: Vec<String> = repositories.iter().map(|r| r.name.clone()).collect();
        screen.act(Action::RepositoriesPage {
            registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
            generation,
            result: Ok(Page {
                items: repositories,
                next_token: None,
            }),
        });
        for (i, repository) in names.into_iter().enumerate() {
            screen.act(stats(generation, repository, i));
        }
        screen.draw();
        (screen, generation)
    }

    fn act(&mut self, action: Action) {
        update(&mut self.state, action);
    }

    fn draw(&mut self) {
        let Screen {
            state,
            terminal,
            theme,
        } = self;
        terminal
            .draw(|frame| ui::draw(frame, state, theme))
            .unwrap();
    }

    /// One keypress and the frame it produces.
    fn press(&mut self, code: KeyCode) {
        self.act(key(code));
        self.draw();
    }
}

fn repositories_generation(effects: &[Effect]) -> u64 {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchRepositories { generation, .. } => Some(*generation),
            _ => None,
        })
        .expect("start fetches the first registry's repositories")
}

fn stats(generation: u64, repository: String, i: usize) -> Action {
    Action::RepositoryStatsLoaded {
        registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
        generation,
        repository,
        result: Ok(berth::app::RepoStats {
            images: i % 700,
            bytes: (i as u64 * 7_919) % 90_000_000_000,
        }),
    }
}

/// Time `timed` keypresses (plus their frames), undoing each with an untimed `undo`
/// press first so every sample starts from the same state.
fn press_and_undo(bencher: Bencher, screen: Screen, timed: KeyCode, undo: KeyCode) {
    let screen = RefCell::new(screen);
    bencher
        .with_inputs(|| screen.borrow_mut().press(undo))
        .bench_local_values(|()| screen.borrow_mut().press(timed));
}

/// Keypresses that do the same work in both directions (Down/Up, PgDn/PgUp, End/Home):
/// every iteration is timed.
fn press_alternating(bencher: Bencher, mut screen: Screen, keys: [KeyCode; 2]) {
    let mut turn = 0;
    bencher.bench_local(|| {
        turn ^= 1;
        screen.press(keys[turn]);
    });
}

/// The images pane with the filter prompt open and `typed` in it.
fn filtering(count: usize, typed: &str) -> Screen {
    let mut screen = Screen::images(WIDE, images(count));
    screen.press(KeyCode::Char('/'));
    for c in typed.chars() {
        screen.press(KeyCode::Char(c));
    }
    screen
}

/// Moving the cursor one row (alternately down and up), with its frame.
#[divan::bench(args = SIZES)]
fn move_selection(bencher: Bencher, count: usize) {
    let screen = Screen::images(WIDE, images(count));
    press_alternating(bencher, screen, [KeyCode::Down, KeyCode::Up]);
}

/// Moving the cursor with every image marked for a bulk action (`V`), with its frame:
/// the status line shows the marked images' total size.
#[divan::bench(args = SIZES)]
fn move_selection_all_marked(bencher: Bencher, count: usize) {
    let mut screen = Screen::images(WIDE, images(count));
    screen.press(KeyCode::Char('V'));
    press_alternating(bencher, screen, [KeyCode::Down, KeyCode::Up]);
}

/// PgDn (alternately PgUp), with its frame.
#[divan::bench(args = SIZES)]
fn page_down(bencher: Bencher, count: usize) {
    let screen = Screen::images(WIDE, images(count));
    press_alternating(bencher, screen, [KeyCode::PageDown, KeyCode::PageUp]);
}

/// End (alternately Home), with its frame.
#[divan::bench(args = SIZES)]
fn jump_to_end(bencher: Bencher, count: usize) {
    let screen = Screen::images(WIDE, images(count));
    press_alternating(bencher, screen, [KeyCode::End, KeyCode::Home]);
}

/// Typing one more character into the fuzzy filter (`mai` → `main`), with its frame.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 60)]
fn filter_type_char(bencher: Bencher, count: usize) {
    let screen = filtering(count, "main");
    press_and_undo(bencher, screen, KeyCode::Char('n'), KeyCode::Backspace);
}

/// Erasing the last character of the filter (`main` → `mai`), with its frame: the
/// match set grows, so nothing can be reused from the narrower result.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 60)]
fn filter_erase_char(bencher: Bencher, count: usize) {
    let screen = filtering(count, "mai");
    press_and_undo(bencher, screen, KeyCode::Backspace, KeyCode::Char('n'));
}

/// The first character typed into an empty filter: every image is matched.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 60)]
fn filter_first_char(bencher: Bencher, count: usize) {
    let screen = filtering(count, "");
    press_and_undo(bencher, screen, KeyCode::Char('7'), KeyCode::Backspace);
}

/// `s`: the next sort column (pushed → tags → size → pulled → pushed), with its frame.
#[divan::bench(args = SIZES, sample_count = 60)]
fn sort_change(bencher: Bencher, count: usize) {
    let mut screen = Screen::images(WIDE, images(count));
    bencher.bench_local(|| screen.press(KeyCode::Char('s')));
}

/// A 1,000-image page arriving while the user looks at the images already loaded
/// (`count` of them), with the frame it produces. The page is taken off again, untimed,
/// so every sample sees the same repository size.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 60)]
fn page_arrives(bencher: Bencher, count: usize) {
    let all = images(count + 1_000);
    let mut screen = Screen::images(WIDE, all[..count].to_vec());
    // Reopen through the same generation so later pages are accepted: a fetch in flight.
    let generation = screen.state.images.generation;
    screen.state.images.loading = Some(Default::default());
    let page = all[count..].to_vec();
    let screen = RefCell::new(screen);
    bencher
        .with_inputs(|| {
            let mut screen = screen.borrow_mut();
            screen.state.images.images.truncate(count);
            screen.state.rebuild_images();
            page.clone()
        })
        .bench_local_values(|items| {
            let mut screen = screen.borrow_mut();
            screen.act(Action::ImagesPage {
                generation,
                result: Ok(Page {
                    items,
                    next_token: Some("more".into()),
                }),
            });
            screen.draw();
        });
}

/// One frame of the images pane, nothing changed in between (a spinner tick).
#[divan::bench(args = SIZES)]
fn draw_images_200x50(bencher: Bencher, count: usize) {
    let mut screen = Screen::images(WIDE, images(count));
    bencher.bench_local(|| screen.draw());
}

#[divan::bench(args = SIZES)]
fn draw_images_80x24(bencher: Bencher, count: usize) {
    let mut screen = Screen::images(SMALL, images(count));
    bencher.bench_local(|| screen.draw());
}

/// One frame of the images pane while a filter highlights matches in every row.
#[divan::bench(args = SIZES)]
fn draw_images_filtered(bencher: Bencher, count: usize) {
    let mut screen = filtering(count, "main");
    bencher.bench_local(|| screen.draw());
}

/// 5,000 repositories: moving, filtering, sorting, and the per-repository image
/// counts arriving one by one from the background sweep.
mod repositories {
    use super::*;

    const COUNT: usize = 5_000;

    #[divan::bench]
    fn move_selection(bencher: Bencher) {
        let (screen, _) = Screen::repositories(WIDE, COUNT);
        press_alternating(bencher, screen, [KeyCode::Down, KeyCode::Up]);
    }

    #[divan::bench(sample_size = 1, sample_count = 60)]
    fn filter_type_char(bencher: Bencher) {
        let (mut screen, _) = Screen::repositories(WIDE, COUNT);
        screen.press(KeyCode::Char('/'));
        screen.press(KeyCode::Char('p'));
        screen.press(KeyCode::Char('a'));
        press_and_undo(bencher, screen, KeyCode::Char('a'), KeyCode::Backspace);
    }

    #[divan::bench]
    fn sort_change(bencher: Bencher) {
        let (mut screen, _) = Screen::repositories(WIDE, COUNT);
        bencher.bench_local(|| screen.press(KeyCode::Char('s')));
    }

    /// One repository's image count arriving (then its frame), sorted by image count so
    /// the row can move.
    #[divan::bench]
    fn stats_arrive(bencher: Bencher) {
        let (mut screen, generation) = Screen::repositories(WIDE, COUNT);
        screen.press(KeyCode::Char('s'));
        let names: Vec<String> = screen
            .state
            .repositories
            .rows
            .iter()
            .map(|r| r.repo.name.clone())
            .collect();
        let mut i = 0;
        bencher.bench_local(|| {
            i = (i + 1) % names.len();
            screen.act(stats(generation, names[i].clone(), i + 1));
            screen.draw();
        });
    }
}

/// Storage figures for `images` as a CI repository has them: ten blobs an image, six
/// from one of twenty shared base stacks, a config and three layers of its own.
fn storage_of(images: &[Image]) -> berth::app::storage::StorageRead {
    use berth::storage::{Digest, StorageBuilder, manifest::Blob};
    let blob = |key: String, size: u64| Blob {
        digest: Digest::of(key.as_bytes()),
        size,
    };
    let mut builder = StorageBuilder::with_capacity(images.len(), images.len() * 4 + 120);
    for (i, image) in images.iter().enumerate() {
        let base = i % 20;
        let mut blobs: Vec<Blob> = (0..6)
            .map(|layer| blob(format!("base {base} layer {layer}"), 20_000_000))
            .collect();
        blobs.push(blob(format!("config {i}"), 2_000));
        blobs.extend((0..3).map(|layer| blob(format!("image {i} layer {layer}"), 1_000_000)));
        builder.add_image(Digest::parse(&image.digest).unwrap(), blobs);
    }
    berth::app::storage::StorageRead::complete(builder.build())
}

impl Screen {
    /// The images pane of `images` with their storage figures arrived.
    fn images_with_storage(size: (u16, u16), images: Vec<Image>) -> Screen {
        let storage = storage_of(&images);
        let mut screen = Screen::images(size, images);
        screen.storage_arrives(storage);
        screen.draw();
        screen
    }

    /// The storage read the images pane waits for answers with `storage`.
    fn storage_arrives(&mut self, storage: berth::app::storage::StorageRead) {
        self.act(Action::StorageRead {
            registry: RegistryTarget::new(CredentialSource::Environment, "us-east-1"),
            repository: "ci/build-cache".into(),
            generation: self.state.images.storage.generation,
            result: Ok(storage),
        });
    }
}

/// The storage figures of every image arriving (each image's UNIQUE placed by listing
/// index), with the frame that shows them. The pane is set back to waiting, untimed.
#[divan::bench(args = SIZES, sample_size = 1, sample_count = 30)]
fn storage_arrives(bencher: Bencher, count: usize) {
    let images = images(count);
    let storage = storage_of(&images);
    let screen = RefCell::new(Screen::images(WIDE, images));
    bencher
        .with_inputs(|| {
            let mut screen = screen.borrow_mut();
            let generation = screen.state.images.storage.generation;
            screen.state.images.storage.request(generation);
            storage.clone()
        })
        .bench_local_values(|storage| {
            let mut screen = screen.borrow_mut();
            screen.storage_arrives(storage);
            screen.draw();
        });
}

/// `S` while sorted by UNIQUE: every image placed again by its unique bytes.
#[divan::bench(args = SIZES, sample_count = 60)]
fn sort_by_unique_reverse(bencher: Bencher, count: usize) {
    let mut screen = Screen::images_with_storage(WIDE, images(count));
    while berth::app::state::IMAGE_SORTS[screen.state.images.list.sort_column] != "unique" {
        screen.press(KeyCode::Char('s'));
    }
    press_alternating(bencher, screen, [KeyCode::Char('S'), KeyCode::Char('S')]);
}

/// `V` (alternately again): every image marked, then none, with what deleting the
/// marked images frees computed from the storage figures each time.
#[divan::bench(args = SIZES, sample_count = 60)]
fn mark_all_with_freed_bytes(bencher: Bencher, count: usize) {
    let screen = Screen::images_with_storage(WIDE, images(count));
    press_alternating(bencher, screen, [KeyCode::Char('V'), KeyCode::Char('V')]);
}

/// `space` on one image (toggling it) with every other image marked: what the marked
/// set frees is computed again for one changed mark.
#[divan::bench(args = SIZES, sample_count = 60)]
fn mark_one_of_all_with_freed_bytes(bencher: Bencher, count: usize) {
    let mut screen = Screen::images_with_storage(WIDE, images(count));
    screen.press(KeyCode::Char('V'));
    press_and_undo(bencher, screen, KeyCode::Char(' '), KeyCode::Up);
}
