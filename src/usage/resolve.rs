//! From image references to "which image of which repository is used by whom".
//!
//! Only references into this registry count: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/…`
//! with the registry's account and region (Docker Hub images, other accounts and other
//! regions are someone else's registry). A digest — in the reference, or the one a task
//! or function reports running — matches exactly. A tag matches the image that carries it
//! *now*, from the images berth holds, and the match says so: the workload may have
//! pulled an earlier image under the same tag.

use super::{Gap, Reference, UsageReport, UserKind, Workload};
use serde::Serialize;
use std::collections::HashMap;

/// The parts of an ECR image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageUri {
    pub account: String,
    pub region: String,
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

impl ImageUri {
    /// Parse `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPO[:TAG][@sha256:…]` (also the
    /// FIPS and dual-stack host forms). Anything that is not an ECR reference is `None`.
    pub fn parse(reference: &str) -> Option<ImageUri> {
        let (host, path) = reference.trim().split_once('/')?;
        let host = host.to_ascii_lowercase();
        let (account, rest) = host.split_once('.')?;
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let region = ["dkr.ecr.", "dkr.ecr-fips.", "dkr-ecr."]
            .iter()
            .find_map(|prefix| rest.strip_prefix(prefix))
            .and_then(|rest| {
                [".amazonaws.com", ".amazonaws.com.cn", ".on.aws"]
                    .iter()
                    .find_map(|suffix| rest.strip_suffix(suffix))
            })?;
        if region.is_empty() || region.contains('.') {
            return None;
        }
        let (name, digest) = match path.split_once('@') {
            Some((name, digest)) if digest.starts_with("sha256:") => {
                (name, Some(digest.to_ascii_lowercase()))
            }
            Some(_) => return None,
            None => (path, None),
        };
        // Repository names cannot hold ':', so one after the last '/' starts the tag.
        let last_slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name[last_slash..].find(':') {
            Some(colon) => (
                &name[..last_slash + colon],
                Some(name[last_slash + colon + 1..].to_string()),
            ),
            None => (name, None),
        };
        if repository.is_empty() || tag.as_deref() == Some("") {
            return None;
        }
        Some(ImageUri {
            account: account.to_string(),
            region: region.to_string(),
            repository: repository.to_string(),
            tag,
            digest,
        })
    }
}

/// How a workload's reference was matched to an image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum MatchedBy {
    /// The workload names or runs exactly this digest.
    Digest,
    /// The workload names this tag, which points at this image now.
    Tag { tag: String },
}

/// One workload using one image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ImageUser {
    #[serde(flatten)]
    pub workload: Workload,
    #[serde(flatten)]
    pub by: MatchedBy,
}

/// The compact counts of an image's users, for the images pane column (`ecs:2 λ:1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsageCounts {
    /// ECS services, plus running tasks whose service is not itself counted here.
    pub ecs: usize,
    /// Lambda functions (all versions of one function count once).
    pub lambda: usize,
}

impl UsageCounts {
    /// Count `users` of one image. A service's own tasks are part of the service; a task
    /// whose service now names another image (an old deployment) counts on its own.
    pub fn of(users: &[ImageUser]) -> UsageCounts {
        let serves = |task: &Workload| {
            users.iter().any(|u| {
                u.workload.kind == UserKind::EcsService
                    && u.workload.cluster == task.cluster
                    && Some(&u.workload.name) == task.service.as_ref()
            })
        };
        let mut counts = UsageCounts::default();
        for user in users {
            match user.workload.kind {
                UserKind::EcsService => counts.ecs += 1,
                UserKind::EcsTask if !serves(&user.workload) => counts.ecs += 1,
                UserKind::EcsTask => {}
                UserKind::Lambda => counts.lambda += 1,
            }
        }
        counts
    }

    pub fn is_empty(self) -> bool {
        self.ecs == 0 && self.lambda == 0
    }
}

/// What a reference points at inside a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Target {
    Digest(String),
    Tag(String),
}

/// The workloads using each image of one registry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageMap {
    /// Per repository, every reference into it.
    repositories: HashMap<String, Vec<(Workload, Target)>>,
    /// What could not be read: while any exists, "no users" means "unknown".
    pub gaps: Vec<Gap>,
    /// References into other registries or not to ECR at all, ignored.
    pub foreign_references: usize,
    /// What could not be read of other accounts' workloads (an organization's member
    /// accounts pulling from this registry): the counts stay known — this registry's own
    /// account was read — and these say whose uses may be missing.
    pub notes: Vec<String>,
}

impl UsageMap {
    /// Why uses may be missing, each reason once (one refused AssumeRole fails both the
    /// ECS and the Lambda survey the same way).
    pub fn gap_summaries(&self) -> Vec<String> {
        let mut summaries: Vec<String> = Vec::new();
        for summary in self.gaps.iter().map(|g| g.summary()) {
            if !summaries.contains(&summary) {
                summaries.push(summary);
            }
        }
        summaries
    }

    /// Keep the references of `report` into the registry of `account` in `region`.
    pub fn build(report: UsageReport, account: &str, region: &str) -> UsageMap {
        let mut map = UsageMap {
            gaps: report.gaps,
            ..UsageMap::default()
        };
        for Reference {
            workload,
            image,
            running_digest,
        } in report.references
        {
            let Some(uri) = ImageUri::parse(&image) else {
                map.foreign_references += 1;
                continue;
            };
            if uri.account != account || uri.region != region {
                map.foreign_references += 1;
                continue;
            }
            let target = match (running_digest, uri.digest, uri.tag) {
                (Some(digest), _, _) if digest.starts_with("sha256:") => Target::Digest(digest),
                (_, Some(digest), _) => Target::Digest(digest),
                (_, None, Some(tag)) => Target::Tag(tag),
                // A bare repository name pulls `latest`.
                (_, None, None) => Target::Tag("latest".into()),
            };
            let references = map.repositories.entry(uri.repository).or_default();
            if !references.contains(&(workload.clone(), target.clone())) {
                references.push((workload, target));
            }
        }
        map
    }

    /// True when every source was read: an image without users is then not in use.
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }

    /// The users of the image `digest` (carrying `tags` now) in `repository`, sorted, one
    /// entry per workload (a digest match wins over a tag match of the same workload).
    pub fn users(&self, repository: &str, digest: &str, tags: &[String]) -> Vec<ImageUser> {
        let Some(references) = self.repositories.get(repository) else {
            return Vec::new();
        };
        let mut users: Vec<ImageUser> = references
            .iter()
            .filter_map(|(workload, target)| {
                let by = match target {
                    Target::Digest(d) if d == digest => MatchedBy::Digest,
                    Target::Tag(t) if tags.contains(t) => MatchedBy::Tag { tag: t.clone() },
                    _ => return None,
                };
                Some(ImageUser {
                    workload: workload.clone(),
                    by,
                })
            })
            .collect();
        users.sort();
        users.dedup_by(|later, earlier| later.workload == earlier.workload);
        users
    }

    /// How many of `images` (digest and current tags) of `repository` are in use.
    pub fn in_use_count<'a>(
        &self,
        repository: &str,
        images: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> u64 {
        if !self.repositories.contains_key(repository) {
            return 0;
        }
        images
            .into_iter()
            .filter(|(digest, tags)| !self.users(repository, digest, tags).is_empty())
            .count() as u64
    }

    /// The other accounts whose workloads use any of `images` of `repository`, sorted
    /// (workloads of the registry's own account carry no account).
    pub fn using_accounts<'a>(
        &self,
        repository: &str,
        images: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Vec<String> {
        if !self.repositories.contains_key(repository) {
            return Vec::new();
        }
        let mut accounts: Vec<String> = images
            .into_iter()
            .flat_map(|(digest, tags)| self.users(repository, digest, tags))
            .filter_map(|user| user.workload.account)
            .collect();
        accounts.sort();
        accounts.dedup();
        accounts
    }

    /// The repositories some workload refers to.
    pub fn repositories(&self) -> impl Iterator<Item = &str> {
        self.repositories.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    #[test]
    fn parses_tags_digests_and_nested_names() {
        let uri = ImageUri::parse(&format!("{HOST}/web/frontend:v1.2")).unwrap();
        assert_eq!(
            (uri.account.as_str(), uri.region.as_str()),
            ("123456789012", "us-east-1")
        );
        assert_eq!(uri.repository, "web/frontend");
        assert_eq!(uri.tag.as_deref(), Some("v1.2"));
        let digest = format!("sha256:{}", "ab".repeat(32));
        let uri = ImageUri::parse(&format!("{HOST}/a/b/c:t@{digest}")).unwrap();
        assert_eq!(
            (uri.repository.as_str(), uri.tag.as_deref()),
            ("a/b/c", Some("t"))
        );
        assert_eq!(uri.digest.as_deref(), Some(digest.as_str()));
        let uri = ImageUri::parse(&format!("{HOST}/plain")).unwrap();
        assert_eq!((uri.tag, uri.digest), (None, None));
        let china =
            ImageUri::parse("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/x:1").unwrap();
        assert_eq!(china.region, "cn-north-1");
        let fips = ImageUri::parse("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/x").unwrap();
        assert_eq!(fips.region, "us-east-1");
    }

    #[test]
    fn other_registries_are_not_ecr_references() {
        for other in [
            "nginx:1.27",
            "docker.io/library/nginx:1.27",
            "public.ecr.aws/nginx/nginx:1",
            "12345.dkr.ecr.us-east-1.amazonaws.com/x:1",
            "123456789012.dkr.ecr.us-east-1.example.com/x:1",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/x@md5:00",
        ] {
            assert_eq!(ImageUri::parse(other), None, "{other}");
        }
    }

    fn workload(kind: UserKind, name: &str, service: Option<&str>) -> Workload {
        Workload {
            kind,
            name: name.into(),
            cluster: (kind != UserKind::Lambda).then(|| "prod".into()),
            service: service.map(str::to_string),
            account: None,
        }
    }

    fn reference(workload: Workload, image: &str, running: Option<&str>) -> Reference {
        Reference {
            workload,
            image: image.into(),
            running_digest: running.map(str::to_string),
        }
    }

    #[test]
    fn digests_match_exactly_and_tags_match_the_image_holding_them_now() {
        let old = format!("sha256:{}", "0".repeat(64));
        let new = format!("sha256:{}", "1".repeat(64));
        let report = UsageReport {
            references: vec![
                reference(
                    workload(UserKind::EcsService, "web", None),
                    &format!("{HOST}/web:live"),
                    None,
                ),
                // The service's old task still runs the image `live` named before.
                reference(
                    workload(UserKind::EcsTask, "t1", Some("web")),
                    &format!("{HOST}/web:live"),
                    Some(&old),
                ),
                reference(
                    workload(UserKind::EcsTask, "t2", Some("web")),
                    &format!("{HOST}/web:live"),
                    Some(&new),
                ),
                reference(
                    workload(UserKind::Lambda, "thumbs", None),
                    &format!("{HOST}/web@{old}"),
                    None,
                ),
                reference(
                    workload(UserKind::Lambda, "elsewhere", None),
                    "999999999999.dkr.ecr.us-east-1.amazonaws.com/web:live",
                    None,
                ),
                reference(
                    workload(UserKind::Lambda, "other-region", None),
                    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:live",
                    None,
                ),
            ],
            gaps: Vec::new(),
        };
        let map = UsageMap::build(report, "123456789012", "us-east-1");
        assert_eq!(map.foreign_references, 2);
        let live = vec!["live".to_string()];
        let users = map.users("web", &new, &live);
        let names: Vec<(&str, &MatchedBy)> = users
            .iter()
            .map(|u| (u.workload.name.as_str(), &u.by))
            .collect();
        assert_eq!(
            names,
            [
                ("web", &MatchedBy::Tag { tag: "live".into() }),
                ("t2", &MatchedBy::Digest)
            ]
        );
        // The service's own task is part of the service.
        assert_eq!(UsageCounts::of(&users), UsageCounts { ecs: 1, lambda: 0 });
        let users = map.users("web", &old, &[]);
        assert_eq!(users.len(), 2);
        assert_eq!(UsageCounts::of(&users), UsageCounts { ecs: 1, lambda: 1 });
        assert!(
            map.users("web", &old, &[])
                .iter()
                .all(|u| u.by == MatchedBy::Digest)
        );
        assert!(map.users("api", &old, &live).is_empty());
        let images = [(new.as_str(), &live[..]), (old.as_str(), &[][..])];
        assert_eq!(map.in_use_count("web", images), 2);
        assert!(map.is_complete());
    }

    #[test]
    fn users_serialize_with_kind_and_how_they_matched() {
        let user = ImageUser {
            workload: workload(UserKind::EcsService, "web", None),
            by: MatchedBy::Tag { tag: "v1".into() },
        };
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            serde_json::json!({"kind": "ecs_service", "name": "web", "cluster": "prod", "by": "tag", "tag": "v1"})
        );
        let user = ImageUser {
            workload: workload(UserKind::Lambda, "f", None),
            by: MatchedBy::Digest,
        };
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            serde_json::json!({"kind": "lambda", "name": "f", "by": "digest"})
        );
    }
}
