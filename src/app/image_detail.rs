//! The image detail view (`I` in the images pane): one image's artifact graph, read-only.
//!
//! What DescribeImages already said shows at once; the rest is fetched when the view
//! opens, one read per section, and each section loads and fails on its own like the
//! repository info view's: the referrers (ListImageReferrers, every page), an index's
//! platforms (its manifest), where the image was replicated
//! (DescribeImageReplicationStatus) and how managed signing went
//! (DescribeImageSigningStatus). An endpoint without an operation costs its section
//! only ("not supported by this endpoint"), as does a role without the permission.

#[cfg(test)]
pub(crate) mod tests;

use super::action::{Effect, RegistryId};
use super::info::{Fetch, Lines, SettingsLine};
use super::keymap::{Command, ViewKey};
use super::state::{Pane, State};
use super::status::Topic;
use crate::ecr::EcrError;
use crate::ecr::artifacts::{Referrer, ReplicationStatus, SigningStatus};
use crate::ecr::model::{Image, ImageStatus, ManifestKind};
use crate::format;
use crossterm::event::KeyEvent;

/// One manifest an index lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformEntry {
    /// The child manifest's digest.
    pub digest: String,
    /// `linux/arm64/v8`, when the index gives a platform (sanitised).
    pub platform: Option<String>,
    /// An attestation of another entry (buildx marks these), not a runnable image.
    pub attestation: bool,
}

/// The result of one section's read.
#[derive(Debug)]
pub enum ImagePart {
    /// ListImageReferrers, every page.
    Referrers(Result<Vec<Referrer>, EcrError>),
    /// The index's children, read from its manifest; Err says why it could not be read.
    Platforms(Result<Vec<PlatformEntry>, String>),
    /// DescribeImageReplicationStatus.
    Replication(Result<Vec<ReplicationStatus>, EcrError>),
    /// DescribeImageSigningStatus.
    Signing(Result<Vec<SigningStatus>, EcrError>),
}

/// The image detail view's state.
///
/// Invariant: every section holds what the reads of `generation` answered (or
/// `Loading`); an answer for another generation is dropped, so the view never shows
/// another image's, or an earlier opening's, sections.
#[derive(Debug, Default)]
pub struct ImageDetail {
    /// On screen over the images pane, taking the keys.
    pub visible: bool,
    pub registry: RegistryId,
    pub repository: String,
    /// The repository's URI, for the pinned URI.
    pub repository_uri: String,
    /// The image as DescribeImages reported it when the view opened.
    pub image: Option<Image>,
    /// For a referrer: what the listing said of its subject when the view opened (its
    /// tags, or that it is not in the repository); None while the listing was loading.
    pub subject: Option<String>,
    pub generation: u64,
    pub referrers: Fetch<Vec<Referrer>>,
    pub platforms: Fetch<Vec<PlatformEntry>>,
    pub replication: Fetch<Vec<ReplicationStatus>>,
    pub signing: Fetch<Vec<SigningStatus>>,
    /// First line shown.
    pub scroll: usize,
}

/// Which reads the view of `image` makes: an index's manifest only for an index that can
/// be read (an archived one cannot be pulled until it is restored).
pub fn reads_platforms(image: &Image) -> bool {
    image.kind == ManifestKind::ManifestList && image.status == ImageStatus::Active
}

impl ImageDetail {
    /// Whether any section is still being fetched.
    pub fn is_loading(&self) -> bool {
        self.visible && self.progress().0 > 0
    }

    /// Sections still loading, of those fetched.
    pub fn progress(&self) -> (usize, usize) {
        let platforms = self.image.as_ref().is_some_and(reads_platforms);
        let mut loading = vec![
            self.referrers.is_loading(),
            self.replication.is_loading(),
            self.signing.is_loading(),
        ];
        if platforms {
            loading.push(self.platforms.is_loading());
        }
        (loading.iter().filter(|l| **l).count(), loading.len())
    }

    /// The digest-pinned URI of the image.
    pub fn pinned_uri(&self) -> Option<String> {
        let image = self.image.as_ref()?;
        Some(format!("{}@{}", self.repository_uri, image.digest))
    }

    /// Apply one section's result; results for another opening are dropped. True when
    /// something changed.
    pub fn on_part(&mut self, generation: u64, part: ImagePart) -> bool {
        if generation != self.generation || self.image.is_none() {
            return false;
        }
        match part {
            ImagePart::Referrers(r) => self.referrers = Fetch::from_result(r),
            ImagePart::Platforms(r) => {
                self.platforms = match r {
                    Ok(entries) => Fetch::Ready(entries),
                    Err(message) => Fetch::Failed(message),
                }
            }
            ImagePart::Replication(r) => self.replication = Fetch::from_result(r),
            ImagePart::Signing(r) => self.signing = Fetch::from_result(r),
        }
        true
    }

    /// The view's text wrapped to `width` columns; every registry text sanitised.
    pub fn lines(&self, width: usize) -> Vec<SettingsLine> {
        let mut out = Lines {
            out: Vec::new(),
            width: width.max(20),
        };
        let Some(image) = &self.image else {
            return out.out;
        };
        image_section(
            &mut out,
            image,
            &self.repository_uri,
            self.subject.as_deref(),
        );

        out.heading("Referrers");
        out.section(
            &self.referrers,
            "none: no signature, SBOM or attestation names this image",
            |out, referrers| {
                for referrer in referrers {
                    referrer_lines(out, referrer);
                }
            },
        );

        out.heading("Platforms");
        match (image.kind, image.status) {
            (ManifestKind::ManifestList, ImageStatus::Active) => out.section(
                &self.platforms,
                "the index lists no manifests",
                |out, entries| {
                    for entry in entries {
                        let what = match (&entry.platform, entry.attestation) {
                            (_, true) => "attestation",
                            (Some(platform), false) => platform,
                            (None, false) => "platform not given",
                        };
                        out.field(what, shown_digest(out, &entry.digest));
                    }
                },
            ),
            (ManifestKind::ManifestList, status) => out.note(&format!(
                "{}: the index's manifest cannot be read until the image is restored",
                status.as_str()
            )),
            _ => out.note("not an index: a single manifest, no platforms to list"),
        }

        out.heading("Replication");
        out.section(
            &self.replication,
            "ECR reports no replication of this image",
            |out, statuses| {
                for status in statuses {
                    let mut text = format!("{} · {}", status.registry_id, status.status);
                    if let Some(code) = &status.failure_code {
                        text.push_str(&format!(" · {code}"));
                    }
                    out.field(&status.region, &text);
                }
            },
        );

        out.heading("Signing");
        out.section(
            &self.signing,
            "ECR reports no signing status for this image",
            |out, statuses| {
                for status in statuses {
                    // The profile's ARN is longer than the label column: it gets a line of
                    // its own, unwrapped at 80 columns, and the status goes under it.
                    out.field(&status.profile_arn, &status.status);
                    match (&status.failure_code, &status.failure_reason) {
                        (Some(code), Some(reason)) => out.field("", &format!("{code}: {reason}")),
                        (Some(code), None) => out.field("", code),
                        (None, Some(reason)) => out.field("", reason),
                        (None, None) => {}
                    }
                }
            },
        );
        out.out
    }
}

/// What DescribeImages said of the image.
fn image_section(out: &mut Lines, image: &Image, repository_uri: &str, subject_note: Option<&str>) {
    out.heading("Image");
    out.field("digest", &image.digest);
    out.field(
        "tags",
        &if image.tags.is_empty() {
            super::state::UNTAGGED.to_string()
        } else {
            image.tags.join(", ")
        },
    );
    out.field("URI", &format!("{repository_uri}@{}", image.digest));
    let mut kind = image.kind.label().to_string();
    if let Some(media) = &image.manifest_media_type {
        kind.push_str(&format!(" · {media}"));
    }
    out.field("manifest", &kind);
    // DescribeImages gives a container image's config media type as its artifact type:
    // only an artifact's (a signature's, an SBOM's) says what it is.
    let artifact = image
        .artifact_type
        .as_ref()
        .filter(|_| image.kind == ManifestKind::Artifact || image.subject_digest.is_some());
    if let Some(artifact) = artifact {
        out.field(
            "artifact",
            &format!(
                "{} · {artifact}",
                super::operate::artifact_word(Some(artifact))
            ),
        );
    }
    if let Some(subject) = &image.subject_digest {
        out.field("subject", subject);
        if let Some(note) = subject_note {
            out.field("", note);
        }
    }
    out.field("status", image.status.as_str());
    if let Some(pushed) = image.pushed_at {
        out.field("pushed", &format::utc(pushed));
    }
    out.field(
        "size",
        &format!(
            "{} ({} bytes, imageSizeInBytes)",
            format::size(image.size_bytes),
            image.size_bytes
        ),
    );
}

/// Columns a field's value needs for a full digest and what follows it on its line.
const FULL_DIGEST_ROOM: usize = 100;

/// `digest` in full where the value column has room for it and a little more, cut to
/// `sha256:` and 12 hex (as the images pane shows digests) where it would wrap.
fn shown_digest<'a>(out: &Lines, digest: &'a str) -> &'a str {
    let room = out
        .width
        .saturating_sub(super::info::LABEL_WIDTH + super::info::INDENT);
    if room >= FULL_DIGEST_ROOM {
        digest
    } else {
        crate::ecr::model::short_digest(digest)
    }
}

/// The annotations shown, by key prefix: who signed, when, and what an attestation
/// attests. Others are counted.
const SHOWN_ANNOTATIONS: [&str; 4] = [
    "org.opencontainers.image.created",
    "io.cncf.notary.",
    "dev.sigstore.",
    "in-toto.io/",
];

/// Annotation values are cut to this many characters (a certificate chain's thumbprints
/// run to hundreds).
const ANNOTATION_CHARS: usize = 72;

/// One referrer: what it is, its digest, size and status, then the annotations that
/// say who signed it and when.
fn referrer_lines(out: &mut Lines, referrer: &Referrer) {
    let word = super::operate::artifact_word(referrer.artifact_type.as_deref());
    let mut text = format!(
        "{} · {}",
        shown_digest(out, &referrer.digest),
        format::size(referrer.size).trim_start()
    );
    if let Some(status) = &referrer.status {
        text.push_str(&format!(" · {status}"));
    }
    out.field(word, &text);
    out.field(
        "",
        referrer
            .artifact_type
            .as_deref()
            .unwrap_or(&referrer.media_type),
    );
    // The shown ones in the order of SHOWN_ANNOTATIONS (when, then who), each prefix's
    // keys in ECR's order sorted.
    for prefix in SHOWN_ANNOTATIONS {
        for (key, value) in referrer
            .annotations
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
        {
            out.field("", &annotation_text(key, value));
        }
    }
    let others = referrer
        .annotations
        .iter()
        .filter(|(key, _)| !SHOWN_ANNOTATIONS.iter().any(|p| key.starts_with(p)))
        .count();
    if others > 0 {
        out.field(
            "",
            &format!(
                "{others} other annotation{}",
                if others == 1 { "" } else { "s" }
            ),
        );
    }
}

/// Notation's annotation naming the signing certificate chain: a JSON list of the
/// certificates' SHA-256 thumbprints, shown as their count and the first one, cut.
const NOTARY_THUMBPRINTS: &str = "io.cncf.notary.x509chain.thumbprint#S256";

/// Characters of a certificate's thumbprint shown: enough to tell certificates apart.
const THUMBPRINT_CHARS: usize = 16;

/// One annotation as a line: a known key by what it means, any other as itself; long
/// values cut.
fn annotation_text(key: &str, value: &str) -> String {
    match key {
        "org.opencontainers.image.created" => format!("created: {}", cut(value)),
        "io.cncf.notary.signingAgent" => format!("signing agent: {}", cut(value)),
        NOTARY_THUMBPRINTS => match serde_json::from_str::<Vec<String>>(value) {
            Ok(chain) if !chain.is_empty() => format!(
                "certificate chain of {}, first thumbprint {}…",
                chain.len(),
                chain[0].chars().take(THUMBPRINT_CHARS).collect::<String>()
            ),
            _ => format!("{key}: {}", cut(value)),
        },
        _ => format!("{key}: {}", cut(value)),
    }
}

fn cut(value: &str) -> String {
    if value.chars().count() <= ANNOTATION_CHARS {
        return value.to_string();
    }
    let kept: String = value.chars().take(ANNOTATION_CHARS - 1).collect();
    format!("{kept}…")
}

/// `I`: open the detail of the image under the cursor and fetch its sections.
pub fn open(state: &mut State) -> Vec<Effect> {
    let hint = state.keymap.hint(Command::ImageDetail);
    if state.pane != Pane::Images
        || state.lifecycle.is_visible()
        || state.info.visible
        || state.layers.visible
    {
        state.status.info(
            Topic::Command,
            format!("{hint} shows an image's detail: open a repository's images first (Enter)"),
        );
        return Vec::new();
    }
    let pane = &state.images;
    let Some(image) = pane.list.selected_item().map(|i| pane.images[i].clone()) else {
        state.status.info(Topic::Command, "no image selected");
        return Vec::new();
    };
    if !image.has_valid_digest() {
        state.status.info(
            Topic::Command,
            super::operate::opaque_refusal("show its detail", &image),
        );
        return Vec::new();
    }
    let Some(repository) = pane.repository.clone() else {
        return Vec::new();
    };
    let subject = image
        .subject_digest
        .as_deref()
        .and_then(|digest| subject_note(state, digest));
    let view = ImageDetail {
        registry: pane.registry.clone(),
        repository: repository.name,
        repository_uri: repository.uri,
        image: Some(image),
        subject,
        ..ImageDetail::default()
    };
    load(state, view)
}

/// What the listing on screen says of the subject `digest` of a referrer: its tags, or
/// that the repository does not hold it (the referrer is orphaned). None while the
/// listing is still loading, when its absence would prove nothing.
fn subject_note(state: &State, digest: &str) -> Option<String> {
    let pane = &state.images;
    match pane.images.iter().find(|image| image.digest == digest) {
        Some(subject) if subject.tags.is_empty() => {
            Some(format!("in this repository, {}", super::state::UNTAGGED))
        }
        Some(subject) => Some(format!(
            "in this repository, tagged {}",
            subject.tags.join(", ")
        )),
        None if pane.loading.is_none() => {
            Some("not in this repository: the image it refers to is gone".into())
        }
        None => None,
    }
}

/// Show `view` (its image, what the listing said of it, its scroll) with every section
/// loading, and fetch them all afresh under a new generation.
fn load(state: &mut State, view: ImageDetail) -> Vec<Effect> {
    let Some(image) = &view.image else {
        return Vec::new();
    };
    let generation = state.new_generation();
    let platforms = reads_platforms(image);
    let effect = Effect::FetchImageDetail {
        registry: view.registry.clone(),
        repository: view.repository.clone(),
        digest: image.digest.clone(),
        platforms,
        generation,
    };
    state.image_detail = ImageDetail {
        visible: true,
        generation,
        referrers: Fetch::Loading,
        // A section not read is never "loading".
        platforms: if platforms {
            Fetch::Loading
        } else {
            Fetch::Ready(Vec::new())
        },
        replication: Fetch::Loading,
        signing: Fetch::Loading,
        ..view
    };
    vec![effect]
}

/// Keys while the view is on screen. `None`: not the view's key (ctrl-c, help, the
/// command line), handle it as usual.
pub fn on_key(state: &mut State, key: KeyEvent, command: Option<Command>) -> Option<Vec<Effect>> {
    let height = state.body_height() as isize;
    let Some(command) = command else {
        state.status.info(Topic::Command, close_hint(state));
        return Some(Vec::new());
    };
    match command.in_view(&key, Command::ImageDetail, height) {
        ViewKey::Scroll(delta) => scroll_by(state, delta),
        ViewKey::PassOn => return None,
        ViewKey::Close => state.image_detail.visible = false,
        ViewKey::Reload => return Some(reload(state)),
        ViewKey::CopyUri => {
            let uri = state.image_detail.pinned_uri();
            return Some(super::info::copy(state, uri));
        }
        ViewKey::Other => state.status.info(Topic::Command, close_hint(state)),
    }
    Some(Vec::new())
}

/// What a key the view does not take is told instead of doing nothing.
fn close_hint(state: &State) -> String {
    format!(
        "the image detail is open: {} closes it",
        state.keymap.hint(Command::Back)
    )
}

/// Move the view `delta` lines, staying between the first line and the last screenful.
pub fn scroll_by(state: &mut State, delta: isize) {
    let height = state.body_height().saturating_sub(1);
    let view = &mut state.image_detail;
    let last = view
        .lines(usize::from(state.width))
        .len()
        .saturating_sub(height);
    view.scroll = view.scroll.saturating_add_signed(delta).min(last);
}

/// `r`: fetch every section again, keeping the scroll position.
fn reload(state: &mut State) -> Vec<Effect> {
    let view = std::mem::take(&mut state.image_detail);
    load(state, view)
}
