//! Properties of the two readers of untrusted text that the other property suites do not
//! cover: `sanitize` (registry text on its way to the terminal) and `read_image_records`
//! (an `--images` file, possibly written by hand or by another tool).
//!
//! - `sanitize` never emits ESC, a C0 or C1 control, DEL or a bidi override, for any
//!   input; it changes nothing in clean text, is idempotent, and replaces each control
//!   outside an escape sequence by exactly one `�`. Replayed through a terminal emulator,
//!   its output rings no bell, sets no title and touches no clipboard.
//! - `read_image_records` never panics on near-valid documents (valid records with one
//!   field spoilt); what it accepts satisfies ECR's rules (digest form, tag grammar, one
//!   record per digest, a tag on one image), what it refuses names a record that exists,
//!   and valid records survive a write/read round trip.

use berth::lifecycle::{ImageRecord, ImageRecordError, read_image_records};
use berth::sanitize::sanitize;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use std::collections::HashSet;

// --- sanitize ---

/// Characters that make up terminal attacks, mixed with ordinary and exotic text.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => select(vec!['\u{1b}', '\u{7}', '\u{9b}', '\u{9d}', '\u{90}', '\u{7f}', '\u{0}',
                         '\t', '\n', '\r', '\u{8}', '\u{202e}', '\u{2066}', '\u{fffd}']),
        3 => select(vec!['[', ']', 'P', '_', '^', 'X', '\\', ';', '?', '0', '2', '5', 'c', 'm', 'J', 'H']),
        2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        1 => (0x80u32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
        3 => any::<char>(),
    ]
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..60).prop_map(String::from_iter)
}

fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// What a terminal did when shown some text, besides drawing it.
#[derive(Default)]
struct SideEffects {
    count: usize,
}

impl vt100::Callbacks for SideEffects {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.count += 1;
    }
    fn visual_bell(&mut self, _: &mut vt100::Screen) {
        self.count += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, _: &[u8]) {
        self.count += 1;
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, _: &[u8]) {
        self.count += 1;
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], _: &[u8]) {
        self.count += 1;
    }
    fn paste_from_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8]) {
        self.count += 1;
    }
    fn resize(&mut self, _: &mut vt100::Screen, _: (u16, u16)) {
        self.count += 1;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn sanitize_never_emits_a_control_or_escape(text in hostile_text()) {
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(is_forbidden), "{:?} -> {:?}", text, clean);
        prop_assert!(clean.chars().count() <= text.chars().count());
        // Idempotent: clean text comes back untouched (and unallocated).
        prop_assert!(matches!(sanitize(&clean), std::borrow::Cow::Borrowed(_)));
        if !text.contains('\u{1b}') {
            // Without escape sequences each control becomes exactly one visible mark.
            prop_assert_eq!(clean.chars().count(), text.chars().count());
        }
    }

    #[test]
    fn sanitize_leaves_clean_text_alone(text in any::<String>()) {
        if !text.chars().any(is_forbidden) {
            prop_assert!(matches!(sanitize(&text), std::borrow::Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn sanitized_text_does_nothing_to_a_terminal(text in hostile_text()) {
        let nonzero = |n| std::num::NonZeroU16::new(n).unwrap();
        let mut terminal = vt100::Parser::new_with_callbacks(
            nonzero(4),
            // Wide enough that even 60 double-width characters stay on one line.
            nonzero(128),
            0,
            SideEffects::default(),
        );
        terminal.process(sanitize(&text).as_bytes());
        prop_assert_eq!(terminal.callbacks().count, 0);
        // Nothing moved the cursor off the first line or switched screens.
        prop_assert_eq!(terminal.screen().cursor_position().0, 0);
        prop_assert!(!terminal.screen().alternate_screen());
    }
}

// --- read_image_records ---

fn digest_of(n: u64) -> String {
    format!("sha256:{n:064x}")
}

fn valid_tag() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}"
}

/// ECR's tag grammar.
fn tag_is_valid(tag: &str) -> bool {
    let mut chars = tag.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    first_ok
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn digest_is_valid(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}

/// A list of valid records: distinct digests, each tag on one image.
fn valid_records() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(
        (
            prop::collection::btree_set(valid_tag(), 0..4),
            0i64..4_000_000_000,
            any::<u64>(),
            prop::option::of(0i64..4_000_000_000),
            prop::option::of(select(vec![
                "application/vnd.docker.distribution.manifest.v2+json",
                "application/vnd.oci.image.index.v1+json",
            ])),
            any::<bool>(),
        ),
        0..8,
    )
    .prop_map(|records| {
        let mut seen = HashSet::new();
        records
            .into_iter()
            .enumerate()
            .map(|(i, (tags, pushed, size, pulled, media, referenced))| {
                let tags: Vec<String> = tags
                    .into_iter()
                    .filter(|t| seen.insert(t.clone()))
                    .collect();
                let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
                let mut record = json!({
                    "digest": digest_of(i as u64 + 1),
                    "tags": tags,
                    "pushed_at": at(pushed),
                    "size_bytes": size,
                });
                if let Some(pulled) = pulled {
                    record["last_pulled_at"] = json!(at(pulled));
                }
                if let Some(media) = media {
                    record["media_type"] = json!(media);
                }
                if referenced {
                    record["referenced_by_manifest_list"] = json!(true);
                }
                record
            })
            .collect()
    })
}

/// One way to spoil a record, as a careless hand or a buggy tool would.
fn spoil() -> impl Strategy<Value = (usize, &'static str, Value)> {
    let field = select(vec![
        "digest",
        "tags",
        "pushed_at",
        "size_bytes",
        "last_pulled_at",
        "media_type",
        "referenced_by_manifest_list",
        "digets",
        "",
    ]);
    let value = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!("sha256:ABC")),
        Just(json!(digest_of(1))),
        Just(json!(["v1", "v1"])),
        Just(json!([".bad", "-bad"])),
        Just(json!(["x".repeat(129)])),
        Just(json!(["\u{1b}[2J"])),
        Just(json!("2026-13-45T99:99:99Z")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("-009999-01-01T00:00:00Z")),
        Just(json!({})),
        Just(json!([])),
        ".{0,20}".prop_map(Value::from),
    ];
    (0usize..8, field, value)
}

fn check_accepted(records: &[ImageRecord], count: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(records.len(), count);
    let mut digests = HashSet::new();
    let mut tags = HashSet::new();
    for record in records {
        prop_assert!(digest_is_valid(&record.digest), "{:?}", record.digest);
        prop_assert!(digests.insert(record.digest.clone()), "digest twice");
        for tag in &record.tags {
            prop_assert!(tag_is_valid(tag), "{:?}", tag);
            prop_assert!(tags.insert(tag.clone()), "tag {:?} on two images", tag);
        }
    }
    Ok(())
}

fn check_refused(err: &ImageRecordError, count: usize) -> Result<(), TestCaseError> {
    match err {
        ImageRecordError::Record { index, .. } | ImageRecordError::NotAnObject { index, .. } => {
            prop_assert!(*index < count, "record {} of {}: {}", index, count, err);
        }
        ImageRecordError::Syntax { line, column, .. } => {
            prop_assert!(*line >= 1 && *column >= 1, "{}", err);
        }
        ImageRecordError::NotAnArray { .. } => {}
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_records_round_trip(records in valid_records()) {
        let text = Value::Array(records.clone()).to_string();
        let read = read_image_records(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        check_accepted(&read, records.len())?;
        let written = serde_json::to_string_pretty(&read).unwrap();
        prop_assert_eq!(read_image_records(&written).unwrap(), read);
    }

    #[test]
    fn spoilt_records_are_refused_by_index_or_accepted_only_when_valid(
        mut records in valid_records(),
        (at, field, value) in spoil(),
    ) {
        if !records.is_empty() {
            let at = at % records.len();
            if field.is_empty() {
                records[at] = value;
            } else if value.is_null() && field != "last_pulled_at" {
                records[at].as_object_mut().unwrap().remove(field);
            } else {
                records[at][field] = value;
            }
        }
        let count = records.len();
        let text = serde_json::to_string_pretty(&Value::Array(records)).unwrap();
        match read_image_records(&text) {
            Ok(read) => check_accepted(&read, count)?,
            Err(err) => check_refused(&err, count)?,
        }
    }

    #[test]
    fn arbitrary_text_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(err) = read_image_records(&text) {
            check_refused(&err, usize::MAX)?;
        }
    }

    #[test]
    fn truncated_documents_never_panic(records in valid_records(), cut in any::<prop::sample::Index>()) {
        let text = serde_json::to_string_pretty(&Value::Array(records)).unwrap();
        let cut = cut.index(text.len() + 1);
        if text.is_char_boundary(cut) {
            let _ = read_image_records(&text[..cut]);
        }
    }
}
