//! The image detail view through `update`: opening on the image under the cursor, the
//! sections arriving in any order, stale answers dropped, failures per section, and esc
//! back to the pane with the cursor where it was.

use super::{ImagePart, PlatformEntry};
use crate::app::action::{Action, Effect};
use crate::app::fixtures::{
    digest, image, open_with_images, open_with_storage, press, with_repositories,
};
use crate::app::info::Fetch;
use crate::app::state::{Pane, State};
use crate::app::update;
use crate::ecr::EcrError;
use crate::ecr::artifacts::{Referrer, ReplicationStatus, SigningStatus};
use crate::ecr::model::{Image, ImageStatus, ManifestKind};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const COSIGN: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const NOTATION: &str = "application/vnd.cncf.notary.signature";
const SPDX: &str = "application/spdx+json";

/// Three images, newest (`v2`, image 2) first and selected; image 1 is a multi-arch index.
fn images() -> Vec<Image> {
    let mut index = image(1, &["v1"], 2);
    index.kind = ManifestKind::ManifestList;
    index.manifest_media_type = Some("application/vnd.oci.image.index.v1+json".into());
    vec![image(0, &["v0"], 3), index, image(2, &["v2"], 1)]
}

/// The images pane of `payments/api` with [`images`], `I` not pressed yet.
fn pane() -> State {
    pane_sized(80, 24)
}

fn pane_sized(width: u16, height: u16) -> State {
    let mut state = with_repositories(&["payments/api"]);
    update(&mut state, Action::Resize { width, height });
    open_with_storage(&mut state, images(), &[]);
    assert_eq!(state.pane, Pane::Images);
    state
}

/// `I`: the FetchImageDetail effect's digest, whether it reads platforms, and its
/// generation.
fn open(state: &mut State) -> (String, bool, u64) {
    let effects = press(state, KeyCode::Char('I'));
    match effects.as_slice() {
        [
            Effect::FetchImageDetail {
                digest,
                platforms,
                generation,
                ..
            },
        ] => (digest.clone(), *platforms, *generation),
        other => panic!("I should fetch the image detail, got {other:?}"),
    }
}

fn deliver(state: &mut State, generation: u64, part: ImagePart) {
    update(state, Action::ImageDetail { generation, part });
}

fn referrer(n: u64, artifact: &str, annotations: &[(&str, &str)]) -> Referrer {
    Referrer {
        digest: digest(100 + n),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        artifact_type: Some(artifact.into()),
        size: 1_000 + n,
        annotations: annotations
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        status: Some("ACTIVE".into()),
    }
}

fn referrers() -> Vec<Referrer> {
    vec![
        referrer(
            1,
            COSIGN,
            &[
                ("dev.cosignproject.cosign/signature", "MEUCIQ…"),
                ("org.opencontainers.image.created", "2026-11-24T10:00:00Z"),
            ],
        ),
        referrer(
            2,
            NOTATION,
            &[
                ("io.cncf.notary.signingAgent", "notation-go/1.3.2"),
                (
                    "io.cncf.notary.x509chain.thumbprint#S256",
                    r#"["adf187c1ea6137622b80141523aac5f66d940fe7834afb7c9f3a49ad63fad8d7","6f0c"]"#,
                ),
                ("org.opencontainers.image.created", "2026-11-24T10:02:00Z"),
            ],
        ),
        referrer(3, SPDX, &[]),
    ]
}

fn replication() -> Vec<ReplicationStatus> {
    vec![
        ReplicationStatus {
            region: "eu-west-1".into(),
            registry_id: "123456789012".into(),
            status: "COMPLETE".into(),
            failure_code: None,
        },
        ReplicationStatus {
            region: "us-west-2".into(),
            registry_id: "210987654321".into(),
            status: "FAILED".into(),
            failure_code: Some("REPLICATION_ACCESS_DENIED".into()),
        },
    ]
}

fn signing() -> Vec<SigningStatus> {
    vec![SigningStatus {
        profile_arn: "arn:aws:signer:us-east-1:123456789012:/signing-profiles/release".into(),
        status: "FAILED".into(),
        failure_code: Some("SIGNING_PROFILE_REVOKED".into()),
        failure_reason: Some("The signing profile was revoked.".into()),
    }]
}

fn platforms() -> Vec<PlatformEntry> {
    vec![
        PlatformEntry {
            digest: digest(11),
            platform: Some("linux/amd64".into()),
            attestation: false,
        },
        PlatformEntry {
            digest: digest(12),
            platform: Some("linux/arm64/v8".into()),
            attestation: false,
        },
        PlatformEntry {
            digest: digest(13),
            platform: Some("unknown/unknown".into()),
            attestation: true,
        },
    ]
}

fn parts() -> Vec<ImagePart> {
    vec![
        ImagePart::Referrers(Ok(referrers())),
        ImagePart::Platforms(Ok(platforms())),
        ImagePart::Replication(Ok(replication())),
        ImagePart::Signing(Ok(signing())),
    ]
}

fn text(state: &State) -> Vec<String> {
    state
        .image_detail
        .lines(usize::from(state.width))
        .into_iter()
        .map(|line| format!("{}{}", line.label, line.text))
        .collect()
}

/// The lines under `heading` up to the next blank one.
fn section(state: &State, heading: &str) -> Vec<String> {
    let lines = text(state);
    let start = lines
        .iter()
        .position(|l| l == heading)
        .unwrap_or_else(|| panic!("no {heading} in {lines:#?}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .cloned()
        .collect()
}

/// The index (image 1) selected, its detail open and every section answered.
pub(crate) fn loaded_detail_sized(width: u16, height: u16) -> State {
    let mut state = pane_sized(width, height);
    press(&mut state, KeyCode::Char('j'));
    let (wanted, platforms, generation) = open(&mut state);
    assert_eq!((wanted, platforms), (digest(1), true));
    for part in parts() {
        deliver(&mut state, generation, part);
    }
    state
}

#[test]
fn capital_i_opens_the_image_under_the_cursor_with_what_describe_images_said() {
    let mut state = pane();
    let (wanted, platforms, generation) = open(&mut state);
    // Newest first: image 2 is under the cursor; it is no index.
    assert_eq!(wanted, digest(2));
    assert!(!platforms);
    let view = &state.image_detail;
    assert!(view.visible);
    assert_eq!(view.generation, generation);
    assert_eq!(view.repository, "payments/api");
    assert_eq!(view.progress(), (3, 3));
    assert!(state.is_loading(), "the spinner runs while sections load");
    let lines = text(&state).join("\n");
    // At 80 columns a full digest wraps under its label.
    assert!(
        lines.contains(&format!("digest{}", &digest(2)[..62])),
        "{lines}"
    );
    assert!(lines.contains("\ntagsv2\n"), "{lines}");
    let lines = text(&state);
    assert_eq!(lines.iter().filter(|l| *l == "loading…").count(), 3);
    assert_eq!(
        section(&state, "Platforms"),
        ["not an index: a single manifest, no platforms to list"]
    );
}

#[test]
fn sections_arriving_in_any_order_give_the_same_view() {
    let expected = text(&loaded_detail_sized(80, 24));
    // Every rotation and its reverse: each section arrives first and last at least once.
    for first in 0..4 {
        for reverse in [false, true] {
            let mut state = pane();
            press(&mut state, KeyCode::Char('j'));
            let (_, _, generation) = open(&mut state);
            let mut parts = parts();
            parts.rotate_left(first);
            if reverse {
                parts.reverse();
            }
            for part in parts {
                assert!(state.image_detail.is_loading());
                deliver(&mut state, generation, part);
            }
            assert!(!state.image_detail.is_loading());
            assert_eq!(
                text(&state),
                expected,
                "rotation {first}, reversed {reverse}"
            );
        }
    }
}

#[test]
fn the_view_shows_each_section_as_the_registry_answered() {
    let state = loaded_detail_sized(80, 24);
    let short = |n| crate::ecr::model::short_digest(&digest(n)).to_string();
    assert_eq!(
        section(&state, "Referrers"),
        [
            format!("signature{} · 1001 B · ACTIVE", short(101)),
            COSIGN.to_string(),
            "created: 2026-11-24T10:00:00Z".into(),
            "1 other annotation".into(),
            format!("signature{} · 1002 B · ACTIVE", short(102)),
            NOTATION.to_string(),
            "created: 2026-11-24T10:02:00Z".into(),
            "signing agent: notation-go/1.3.2".into(),
            "certificate chain of 2, first thumbprint adf187c1ea613762…".into(),
            format!("SBOM{} · 1003 B · ACTIVE", short(103)),
            SPDX.to_string(),
        ]
    );
    assert_eq!(
        section(&state, "Platforms"),
        [
            format!("linux/amd64{}", short(11)),
            format!("linux/arm64/v8{}", short(12)),
            format!("attestation{}", short(13)),
        ]
    );
    assert_eq!(
        section(&state, "Replication"),
        [
            "eu-west-1123456789012 · COMPLETE",
            "us-west-2210987654321 · FAILED · REPLICATION_ACCESS_DENIED",
        ]
    );
    assert_eq!(
        section(&state, "Signing"),
        [
            "arn:aws:signer:us-east-1:123456789012:/signing-profiles/release",
            "FAILED",
            "SIGNING_PROFILE_REVOKED: The signing profile was revoked.",
        ]
    );
}

#[test]
fn a_wide_view_shows_digests_in_full() {
    let state = loaded_detail_sized(200, 50);
    let referrers = section(&state, "Referrers");
    assert_eq!(
        referrers[0],
        format!("signature{} · 1001 B · ACTIVE", digest(101))
    );
    assert_eq!(
        section(&state, "Platforms")[1],
        format!("linux/arm64/v8{}", digest(12))
    );
    assert!(text(&state).contains(&format!("digest{}", digest(1))));
}

#[test]
fn a_stale_answer_is_dropped() {
    let mut state = pane();
    press(&mut state, KeyCode::Char('j'));
    let (_, _, old) = open(&mut state);
    // r fetches every section again under a new generation.
    let effects = press(&mut state, KeyCode::Char('r'));
    let [Effect::FetchImageDetail { generation, .. }] = effects.as_slice() else {
        panic!("r reloads the detail, got {effects:?}");
    };
    let new = *generation;
    assert_ne!(old, new);
    deliver(&mut state, old, ImagePart::Referrers(Ok(referrers())));
    assert_eq!(state.image_detail.referrers, Fetch::Loading);
    deliver(&mut state, new, ImagePart::Referrers(Ok(Vec::new())));
    assert_eq!(state.image_detail.referrers, Fetch::Ready(Vec::new()));
    // Closed and opened on another image: the first image's answers never show.
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('j'));
    let (other, _, third) = open(&mut state);
    assert_eq!(other, digest(0));
    deliver(&mut state, new, ImagePart::Replication(Ok(replication())));
    deliver(&mut state, old, ImagePart::Signing(Ok(signing())));
    assert_eq!(state.image_detail.replication, Fetch::Loading);
    assert_eq!(state.image_detail.signing, Fetch::Loading);
    deliver(&mut state, third, ImagePart::Signing(Ok(Vec::new())));
    assert_eq!(
        section(&state, "Signing"),
        ["ECR reports no signing status for this image"]
    );
}

#[test]
fn esc_goes_back_to_the_pane_with_the_cursor_where_it_was() {
    let mut state = loaded_detail_sized(80, 24);
    let before = state.images.list.selected_item();
    assert_eq!(
        before.map(|i| state.images.images[i].digest.clone()),
        Some(digest(1))
    );
    // Movement keys scroll the view, not the list underneath.
    press(&mut state, KeyCode::Char('j'));
    press(&mut state, KeyCode::Char('G'));
    assert!(state.image_detail.scroll > 0);
    press(&mut state, KeyCode::Esc);
    assert!(!state.image_detail.visible);
    assert_eq!(state.pane, Pane::Images);
    assert_eq!(state.images.list.selected_item(), before);
    // q closes the view too, and I toggles it, without quitting.
    open(&mut state);
    press(&mut state, KeyCode::Char('q'));
    assert!(!state.image_detail.visible && !state.should_quit);
    open(&mut state);
    press(&mut state, KeyCode::Char('I'));
    assert!(!state.image_detail.visible);
    assert_eq!(state.images.list.selected_item(), before);
    // ctrl-c still quits from the view.
    open(&mut state);
    update(
        &mut state,
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(state.should_quit);
}

#[test]
fn keys_of_the_pane_underneath_do_nothing_and_say_how_to_close() {
    let mut state = loaded_detail_sized(80, 24);
    assert!(press(&mut state, KeyCode::Char('d')).is_empty());
    assert!(
        state.dialog.is_none(),
        "no delete asked from under the view"
    );
    assert!(
        state
            .status
            .info_text()
            .unwrap()
            .contains("the image detail is open: esc closes it")
    );
}

#[test]
fn y_copies_the_images_pinned_uri() {
    let mut state = loaded_detail_sized(80, 24);
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::CopyToClipboard {
            text: format!(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api@{}",
                digest(1)
            )
        }]
    );
}

#[test]
fn each_section_fails_on_its_own() {
    let mut state = pane();
    press(&mut state, KeyCode::Char('j'));
    let (_, _, generation) = open(&mut state);
    let unsupported = |action: &str| EcrError::Unsupported {
        action: action.into(),
        subject: "payments/api".into(),
    };
    deliver(
        &mut state,
        generation,
        ImagePart::Referrers(Err(unsupported("ecr:ListImageReferrers"))),
    );
    deliver(
        &mut state,
        generation,
        ImagePart::Replication(Err(unsupported("ecr:DescribeImageReplicationStatus"))),
    );
    deliver(
        &mut state,
        generation,
        ImagePart::Signing(Err(EcrError::AccessDenied {
            action: "ecr:DescribeImageSigningStatus".into(),
            subject: "payments/api".into(),
            message: String::new(),
        })),
    );
    deliver(
        &mut state,
        generation,
        ImagePart::Platforms(Err(
            "the manifest could not be read: KmsError: key disabled".into(),
        )),
    );
    assert!(!state.image_detail.is_loading());
    assert_eq!(
        section(&state, "Referrers"),
        ["not supported by this endpoint (ecr:ListImageReferrers)"]
    );
    assert_eq!(
        section(&state, "Replication"),
        ["not supported by this endpoint (ecr:DescribeImageReplicationStatus)"]
    );
    let signing = section(&state, "Signing").join(" ");
    assert!(
        signing.starts_with("AccessDenied on ecr:DescribeImageSigningStatus for payments/api"),
        "{signing}"
    );
    assert_eq!(
        section(&state, "Platforms"),
        ["the manifest could not be read: KmsError: key disabled"]
    );
    // The image itself still shows.
    assert!(text(&state).contains(&"tagsv1".to_string()));
}

#[test]
fn an_archived_index_says_its_manifest_cannot_be_read_and_asks_for_nothing_it_cannot_read() {
    let mut state = with_repositories(&["payments/api"]);
    let mut archived = images();
    archived[1].status = ImageStatus::Archived;
    open_with_images(&mut state, archived);
    press(&mut state, KeyCode::Char('j'));
    let (wanted, platforms, _) = open(&mut state);
    assert_eq!(wanted, digest(1));
    assert!(!platforms, "no manifest read for an archived index");
    assert_eq!(state.image_detail.progress(), (3, 3));
    assert_eq!(
        section(&state, "Platforms"),
        ["ARCHIVED: the index's manifest cannot be read until the image is restored"]
    );
    assert!(text(&state).contains(&"statusARCHIVED".to_string()));
}

#[test]
fn registry_text_is_sanitised() {
    let mut state = pane();
    let (_, _, generation) = open(&mut state);
    let mut hostile = referrer(
        9,
        "application/vnd.dev.cosign.artifact.sig.v1+json\u{1b}]52;c;ZXZpbA==\u{7}",
        &[("io.cncf.notary.signingAgent", "evil\u{1b}[2Jagent")],
    );
    hostile.status = Some("ACTIVE\u{1b}[31m".into());
    deliver(
        &mut state,
        generation,
        ImagePart::Referrers(Ok(vec![hostile])),
    );
    deliver(
        &mut state,
        generation,
        ImagePart::Replication(Ok(vec![ReplicationStatus {
            region: "eu-west-1\u{1b}[H".into(),
            registry_id: "1\u{9b}2".into(),
            status: "FAILED".into(),
            failure_code: Some("CODE\u{1b}[5m".into()),
        }])),
    );
    for line in state.image_detail.lines(80) {
        for text in [&line.label, &line.text] {
            assert!(
                !text.chars().any(|c| c.is_control() || c == '\u{9b}'),
                "{text:?}"
            );
        }
    }
}

#[test]
fn capital_i_elsewhere_says_what_it_needs() {
    let mut state = with_repositories(&["payments/api"]);
    assert!(press(&mut state, KeyCode::Char('I')).is_empty());
    assert!(!state.image_detail.visible);
    assert!(
        state
            .status
            .info_text()
            .unwrap()
            .contains("open a repository's images first")
    );
}

#[test]
fn leaving_the_images_pane_closes_the_view() {
    let mut state = loaded_detail_sized(80, 24);
    crate::app::fixtures::type_line(&mut state, "repos");
    assert_eq!(state.pane, Pane::Repositories);
    assert!(!state.image_detail.visible);
}

#[test]
fn the_help_lists_the_key_in_the_images_pane_and_the_views_keys_first() {
    let state = loaded_detail_sized(80, 24);
    let groups = state.help_groups();
    assert_eq!(groups[0].title, "image detail view");
    assert!(
        groups[0]
            .entries
            .iter()
            .any(|e| e.description == "copy the image's digest-pinned URI")
    );
    let images = groups
        .iter()
        .find(|g| g.title == Pane::Images.title())
        .unwrap();
    let entry = images
        .entries
        .iter()
        .find(|e| e.name == "image_detail")
        .expect("image_detail in the images pane's keys");
    assert_eq!(entry.keys, "I");
}

#[test]
fn a_referrer_says_what_its_subject_is_or_that_it_is_gone() {
    let mut state = with_repositories(&["payments/api"]);
    let mut signature = image(5, &[], 1);
    signature.subject_digest = Some(digest(2));
    signature.artifact_type = Some(COSIGN.into());
    signature.kind = ManifestKind::Artifact;
    let mut orphan = image(6, &[], 2);
    orphan.subject_digest = Some(digest(99));
    orphan.artifact_type = Some(COSIGN.into());
    orphan.kind = ManifestKind::Artifact;
    let mut listed = images();
    listed.extend([signature, orphan]);
    open_with_images(&mut state, listed);
    // Every manifest as its own row: the signature folds under its image otherwise.
    press(&mut state, KeyCode::Char('Z'));
    let select = |state: &mut State, wanted: &str| {
        while state
            .images
            .list
            .selected_item()
            .map(|i| &state.images.images[i].digest)
            != Some(&wanted.to_string())
        {
            press(state, KeyCode::Char('j'));
        }
    };
    select(&mut state, &digest(5));
    open(&mut state);
    let image = section(&state, "Image");
    assert!(
        image.contains(
            &"artifactsignature · application/vnd.dev.cosign.artifact.sig.v1+json".to_string()
        ),
        "{image:#?}"
    );
    assert!(
        image.contains(&"in this repository, tagged v2".to_string()),
        "{image:#?}"
    );
    // r keeps what the listing said.
    press(&mut state, KeyCode::Char('r'));
    assert!(section(&state, "Image").contains(&"in this repository, tagged v2".to_string()));
    press(&mut state, KeyCode::Esc);
    select(&mut state, &digest(6));
    open(&mut state);
    assert!(
        section(&state, "Image")
            .contains(&"not in this repository: the image it refers to is gone".to_string())
    );
}

#[test]
fn a_container_image_shows_no_artifact_line() {
    let mut state = with_repositories(&["payments/api"]);
    let mut built = image(0, &["v0"], 1);
    // DescribeImages reports a container image's config type as its artifact type.
    built.artifact_type = Some("application/vnd.docker.container.image.v1+json".into());
    open_with_images(&mut state, vec![built]);
    open(&mut state);
    let image = section(&state, "Image");
    assert!(
        !image.iter().any(|l| l.starts_with("artifact")),
        "{image:#?}"
    );
}

#[test]
fn the_mouse_wheel_scrolls_the_view_and_not_the_list_underneath() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut state = loaded_detail_sized(80, 24);
    let before = state.images.list.selected_item();
    let wheel = |kind| {
        Action::Mouse(MouseEvent {
            kind,
            column: 10,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    update(&mut state, wheel(MouseEventKind::ScrollDown));
    assert_eq!(state.image_detail.scroll, 3);
    update(&mut state, wheel(MouseEventKind::ScrollUp));
    assert_eq!(state.image_detail.scroll, 0);
    assert_eq!(state.images.list.selected_item(), before);
    // A taller terminal shows everything: the scroll is clamped to its new last screenful.
    press(&mut state, KeyCode::Char('G'));
    update(
        &mut state,
        Action::Resize {
            width: 200,
            height: 60,
        },
    );
    assert_eq!(state.image_detail.scroll, 0);
}
