//! The journal of mutations: one JSON line per mutation attempt, in
//! `$XDG_STATE_HOME/berth/audit.jsonl` (`~/.local/state/berth/audit.jsonl` by default).
//!
//! Users know it as the audit log: its file name, `berth restore --from-audit-log` and
//! every message call it that, and they stay so. In code it is the journal, so that
//! "audit" means only the `berth audit` report.
//!
//! Deletes also record each image's manifest and media type, fetched before the delete, so
//! `berth restore --from-audit-log` can put a deleted image back while its layers remain.

use crate::ecr::ImageRef;
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the audit log could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot write the audit log {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the audit log {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no place for the audit log: neither XDG_STATE_HOME nor HOME is set")]
    NoLocation,
}

/// Which mutation an entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalAction {
    Tag,
    Delete,
    Restore,
    PutLifecyclePolicy,
    /// StartImageScan: costs money on enhanced scanning and counts against ECR's limit.
    StartScan,
    /// StartLifecyclePolicyPreview: replaces the repository's stored preview.
    StartLifecyclePreview,
    /// UpdateImageStorageClass to archive: the image can no longer be pulled.
    Archive,
    /// UpdateImageStorageClass to standard: an archived image is restored.
    RestoreFromArchive,
}

/// What happened to one image (or one id) in an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageResult {
    Tagged,
    Moved,
    AlreadyTagged,
    RefusedImmutable,
    DigestChanged,
    Deleted,
    Restored,
    AlreadyPresent,
    /// A restore left a tag on the image it names now.
    TagTaken,
    /// A scan was started (or ECR said it is already running).
    ScanStarted,
    /// The image moved to archive storage.
    Archived,
    /// The image is being restored from archive (ACTIVATING).
    Activating,
    Failed,
}

/// One image of an entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalImage {
    /// The id as berth asked for it (a delete by tag or by digest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ImageRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Tags involved: the new tag, the tags removed, or the tags restored.
    #[serde(default)]
    pub tags: Vec<String>,
    pub result: ImageResult,
    /// For a moved tag, the image it was taken from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The exact manifest, recorded before a delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Why no manifest was recorded before a delete (the BatchGetImage failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_error: Option<String>,
}

impl JournalImage {
    /// An image entry with just a result; fill in the rest with struct update syntax.
    pub fn new(result: ImageResult) -> Self {
        JournalImage {
            id: None,
            digest: None,
            tags: Vec::new(),
            result,
            previous_digest: None,
            error_code: None,
            error: None,
            manifest: None,
            media_type: None,
            manifest_error: None,
        }
    }
}

/// One line of the audit log: one mutation attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// RFC 3339, UTC.
    pub time: String,
    /// The credential source: a profile name, or `env` for the default chain.
    pub profile: String,
    pub account: String,
    /// For a member account (`--organization`): the role berth assumed in it, so
    /// `berth restore` can reach the account again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub region: String,
    pub repository: String,
    pub action: JournalAction,
    pub images: Vec<JournalImage>,
    /// The policy text put, for PutLifecyclePolicy (so an earlier policy can be found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// An error that failed the attempt as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The entries of a log, and how many lines could not be read as entries.
#[derive(Clone, Debug, Default)]
pub struct JournalRead {
    pub entries: Vec<JournalEntry>,
    pub unreadable_lines: usize,
}

/// The log's file name inside berth's state folder.
pub const FILE_NAME: &str = "audit.jsonl";

/// An append-only JSON-lines file.
#[derive(Clone, Debug)]
pub struct Journal {
    path: PathBuf,
}

impl Journal {
    /// A log at an explicit path.
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Journal { path: path.into() }
    }

    /// The log at its standard place for this process's environment.
    pub fn standard() -> Result<Self, JournalError> {
        let state = std::env::var_os("XDG_STATE_HOME");
        let home = std::env::var_os("HOME");
        standard_path(state.as_deref(), home.as_deref())
            .map(Journal::at)
            .ok_or(JournalError::NoLocation)
    }

    /// Where the log lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Create the folder and open the file for appending, writing nothing: a mutation is
    /// only attempted when its record can be kept.
    pub fn check_writable(&self) -> Result<(), JournalError> {
        self.open().map(drop)
    }

    /// Append one entry as one line, in a single write so concurrent berths do not
    /// interleave their lines.
    pub fn append(&self, entry: &JournalEntry) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| JournalError::Write {
            path: self.path.clone(),
            source: e.into(),
        })?;
        line.push(b'\n');
        let mut file = self.open()?;
        file.write_all(&line).map_err(|source| JournalError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Every entry, oldest first. Lines that are not entries (a torn write, a newer
    /// format) are counted, not fatal.
    pub fn read(&self) -> Result<JournalRead, JournalError> {
        let text = std::fs::read_to_string(&self.path).map_err(|source| JournalError::Read {
            path: self.path.clone(),
            source,
        })?;
        let mut read = JournalRead::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str(line) {
                Ok(entry) => read.entries.push(entry),
                Err(_) => read.unreadable_lines += 1,
            }
        }
        Ok(read)
    }

    fn open(&self) -> Result<std::fs::File, JournalError> {
        let fail = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        // Manifests and account ids are not secrets, but the log is a personal record.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(&self.path).map_err(fail)
    }
}

/// `$XDG_STATE_HOME/berth/audit.jsonl`, or `$HOME/.local/state/berth/audit.jsonl`.
pub fn standard_path(xdg_state_home: Option<&OsStr>, home: Option<&OsStr>) -> Option<PathBuf> {
    crate::paths::base_dir(xdg_state_home, home, ".local/state").map(|dir| dir.join(FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: JournalAction) -> JournalEntry {
        JournalEntry {
            role: None,
            time: "2026-11-25T10:00:00Z".into(),
            profile: "env".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            repository: "web/api".into(),
            action,
            images: vec![JournalImage {
                id: Some(ImageRef::Tag("v1".into())),
                digest: Some(format!("sha256:{}", "a".repeat(64))),
                tags: vec!["v1".into()],
                manifest: Some("{\"schemaVersion\":2}".into()),
                ..JournalImage::new(ImageResult::Deleted)
            }],
            policy: None,
            error_code: None,
            error: None,
        }
    }

    #[test]
    fn standard_path_prefers_an_absolute_xdg_state_home() {
        let path = |state: Option<&str>, home: Option<&str>| {
            standard_path(state.map(OsStr::new), home.map(OsStr::new))
        };
        assert_eq!(
            path(Some("/state"), Some("/home/me")),
            Some(PathBuf::from("/state/berth/audit.jsonl"))
        );
        assert_eq!(
            path(Some("relative"), Some("/home/me")),
            Some(PathBuf::from("/home/me/.local/state/berth/audit.jsonl"))
        );
        assert_eq!(
            path(None, Some("/home/me")),
            Some(PathBuf::from("/home/me/.local/state/berth/audit.jsonl"))
        );
        assert_eq!(path(None, None), None);
    }

    #[test]
    fn entries_append_as_single_lines_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = Journal::at(dir.path().join("nested/berth/audit.jsonl"));
        log.check_writable().unwrap();
        log.append(&entry(JournalAction::Delete)).unwrap();
        log.append(&entry(JournalAction::Tag)).unwrap();
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().all(|l| l.starts_with('{') && l.ends_with('}')));
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["action"], "delete");
        assert_eq!(first["images"][0]["result"], "deleted");
        assert_eq!(first["images"][0]["id"]["tag"], "v1");
        assert!(first["images"][0].get("error_code").is_none());

        std::fs::write(log.path(), format!("{text}not json\n{{\"future\":true}}\n")).unwrap();
        let read = log.read().unwrap();
        assert_eq!(read.entries.len(), 2);
        assert_eq!(read.unreadable_lines, 2);
        assert_eq!(read.entries[0], entry(JournalAction::Delete));
    }

    #[test]
    fn an_unwritable_location_is_reported_before_anything_is_done() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "").unwrap();
        let log = Journal::at(blocker.join("audit.jsonl"));
        let err = log.check_writable().unwrap_err();
        assert!(
            err.to_string().contains("cannot write the audit log"),
            "{err}"
        );
    }
}
