//! The pure side of "in use": per-registry usage maps as the UI holds them, the `u` / `U`
//! filter, and the words the images pane (its footer and side panel), the delete
//! confirmation and the lifecycle summary use. No I/O: maps arrive in Actions from the
//! runtime.

use super::operate::{DeleteKind, DeletePlan};
use crate::ecr::ImageRef;
use crate::ecr::model::short_digest;
use crate::usage::{ImageUser, MatchedBy, UsageCounts, UsageMap, UserKind};
use std::collections::HashMap;
use std::sync::Arc;

/// Where one registry's usage lookup stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryUsage {
    /// `--no-usage`: nothing is asked, nothing is claimed.
    Disabled,
    /// Asked for with `generation`; no answer yet.
    Loading { generation: u64 },
    /// The answer to `generation` (it may hold gaps: see [`UsageMap::gaps`]).
    Ready { generation: u64, map: Arc<UsageMap> },
}

/// What berth knows about one image's users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageUsage {
    /// The lookup is off or has not answered.
    Unknown,
    /// These users were found; `complete` is false when part of the lookup failed, so an
    /// empty list does not prove the image unused.
    Known {
        users: Vec<ImageUser>,
        complete: bool,
    },
}

impl ImageUsage {
    /// Found users, possibly none.
    pub fn users(&self) -> &[ImageUser] {
        match self {
            ImageUsage::Unknown => &[],
            ImageUsage::Known { users, .. } => users,
        }
    }

    /// Some workload uses the image.
    pub fn in_use(&self) -> bool {
        !self.users().is_empty()
    }

    /// Known for certain to have no users.
    pub fn unused(&self) -> bool {
        matches!(self, ImageUsage::Known { users, complete: true } if users.is_empty())
    }
}

/// The usage maps of every registry, keyed by registry identity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageBook {
    registries: HashMap<crate::app::action::RegistryId, RegistryUsage>,
    /// `--no-usage`: every registry is [`RegistryUsage::Disabled`].
    pub disabled: bool,
}

impl UsageBook {
    /// A book that never looks anything up (`--no-usage`).
    pub fn disabled() -> UsageBook {
        UsageBook {
            registries: HashMap::new(),
            disabled: true,
        }
    }

    /// The lookup state of `registry`.
    pub fn get(&self, registry: &crate::app::action::RegistryId) -> Option<&RegistryUsage> {
        if self.disabled {
            return Some(&RegistryUsage::Disabled);
        }
        self.registries.get(registry)
    }

    /// Whether `registry` should be looked up now: enabled and never asked yet (a refresh
    /// asks again through [`UsageBook::requested`] regardless).
    pub fn wants_lookup(&self, registry: &crate::app::action::RegistryId) -> bool {
        !self.disabled && !self.registries.contains_key(registry)
    }

    /// Record that a lookup of `registry` was asked for with `generation`. A map already
    /// held stays visible until the new one arrives.
    pub fn requested(&mut self, registry: &crate::app::action::RegistryId, generation: u64) {
        if self.disabled {
            return;
        }
        match self.registries.get_mut(registry) {
            Some(RegistryUsage::Ready { generation: g, .. }) => *g = generation,
            _ => {
                self.registries
                    .insert(registry.clone(), RegistryUsage::Loading { generation });
            }
        }
    }

    /// Take a lookup's answer; false (and ignored) when a newer lookup was asked since.
    pub fn loaded(
        &mut self,
        registry: &crate::app::action::RegistryId,
        generation: u64,
        map: UsageMap,
    ) -> bool {
        let current = match self.registries.get(registry) {
            Some(
                RegistryUsage::Loading { generation } | RegistryUsage::Ready { generation, .. },
            ) => *generation,
            _ => return false,
        };
        if current != generation {
            return false;
        }
        self.registries.insert(
            registry.clone(),
            RegistryUsage::Ready {
                generation,
                map: Arc::new(map),
            },
        );
        true
    }

    /// The map of `registry`, once one has arrived.
    pub fn map(&self, registry: &crate::app::action::RegistryId) -> Option<&UsageMap> {
        match self.get(registry)? {
            RegistryUsage::Ready { map, .. } => Some(map),
            _ => None,
        }
    }

    /// What is known about the image `digest` (carrying `tags`) of `repository`.
    pub fn image(
        &self,
        registry: &crate::app::action::RegistryId,
        repository: &str,
        digest: &str,
        tags: &[String],
    ) -> ImageUsage {
        match self.map(registry) {
            Some(map) => ImageUsage::Known {
                users: map.users(repository, digest, tags),
                complete: map.is_complete(),
            },
            None => ImageUsage::Unknown,
        }
    }

    /// The status-line note for `registry`: why "in use" is unknown or partial, if it is.
    pub fn note(&self, registry: &crate::app::action::RegistryId) -> Option<String> {
        match self.get(registry)? {
            RegistryUsage::Disabled => None,
            RegistryUsage::Loading { .. } => Some("in-use lookup running…".into()),
            RegistryUsage::Ready { map, .. } => {
                let notes = map.gap_summaries();
                (!notes.is_empty()).then(|| notes.join(" · "))
            }
        }
    }
}

/// The `u` / `U` filter of the images pane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsageFilter {
    #[default]
    All,
    /// `u`: only images some workload uses.
    InUse,
    /// `U`: only images no workload was found using.
    NotInUse,
}

impl UsageFilter {
    /// The filter after pressing the key for `wanted`: the same key again turns it off.
    pub fn toggle(self, wanted: UsageFilter) -> UsageFilter {
        if self == wanted {
            UsageFilter::All
        } else {
            wanted
        }
    }

    /// Whether an image with `usage` stays in the list. `U` keeps images with no users
    /// found even when the lookup is partial; the header says so through [`Self::title`].
    pub fn keeps(self, usage: &ImageUsage) -> bool {
        match self {
            UsageFilter::All => true,
            UsageFilter::InUse => usage.in_use(),
            UsageFilter::NotInUse => matches!(usage, ImageUsage::Known { .. }) && !usage.in_use(),
        }
    }

    /// The pane-title suffix while the filter is on (`in use`, `not in use`, `not in use?`
    /// when the lookup is partial and "not in use" is only "none found").
    pub fn title(self, complete: bool) -> Option<&'static str> {
        match (self, complete) {
            (UsageFilter::All, _) => None,
            (UsageFilter::InUse, _) => Some("in use"),
            (UsageFilter::NotInUse, true) => Some("not in use"),
            (UsageFilter::NotInUse, false) => Some("no users found (lookup partial)"),
        }
    }
}

/// The images-pane column: `ecs:2 λ:1`; empty when unused; `?` when unknown; a count
/// followed by `?` for the source that could not be read.
pub fn column_text(usage: &ImageUsage, map: Option<&UsageMap>) -> String {
    let ImageUsage::Known { users, complete } = usage else {
        return String::new();
    };
    let counts = UsageCounts::of(users);
    let gap = |source: crate::usage::Source| {
        map.is_some_and(|m| m.gaps.iter().any(|g| g.source == source))
    };
    let (ecs_gap, lambda_gap) = (
        gap(crate::usage::Source::Ecs),
        gap(crate::usage::Source::Lambda),
    );
    if counts.is_empty() {
        return if *complete { String::new() } else { "?".into() };
    }
    let mut parts = Vec::new();
    match (counts.ecs, ecs_gap) {
        (0, false) => {}
        (0, true) => parts.push("ecs:?".to_string()),
        (n, _) => parts.push(format!("ecs:{n}")),
    }
    match (counts.lambda, lambda_gap) {
        (0, false) => {}
        (0, true) => parts.push("λ:?".to_string()),
        (n, _) => parts.push(format!("λ:{n}")),
    }
    parts.join(" ")
}

/// One user as the usage line and the delete warning name it:
/// `service web (prod) by tag v1.2`, `task 3f2a9c1d (prod, web)`, `λ thumbnailer`.
pub fn describe_user(user: &ImageUser) -> String {
    let workload = &user.workload;
    let name = match workload.kind {
        // Task ids are 32 hex digits; 8 identify one within a cluster.
        UserKind::EcsTask => workload.name.chars().take(8).collect(),
        _ => workload.name.clone(),
    };
    let mut text = format!("{} {name}", workload.kind.label());
    let place: Vec<&str> = workload
        .cluster
        .iter()
        .chain(workload.service.iter())
        .map(String::as_str)
        .collect();
    if !place.is_empty() {
        text.push_str(&format!(" ({})", place.join(", ")));
    }
    if let MatchedBy::Tag { tag } = &user.by {
        text.push_str(&format!(" by tag {tag}"));
    }
    if let Some(account) = &workload.account {
        // Another account of the organization pulls from this registry.
        text.push_str(&format!(" in {account}"));
    }
    text
}

/// The usage line for an image, in its footer and side panel: `not in use`, why it is
/// unknown, or `in use by service web (prod) by tag v1, λ thumbs`.
pub fn usage_line(usage: &ImageUsage, map: Option<&UsageMap>) -> String {
    match usage {
        ImageUsage::Unknown => "in use: unknown".into(),
        ImageUsage::Known { users, complete } if users.is_empty() => {
            if *complete {
                "not in use by ECS or Lambda".into()
            } else {
                gaps_text(map)
            }
        }
        ImageUsage::Known { users, complete } => {
            let named: Vec<String> = users.iter().map(describe_user).collect();
            let mut line = format!("in use by {}", named.join(", "));
            if users.iter().any(|u| matches!(u.by, MatchedBy::Tag { .. })) {
                line.push_str(" (by tag: the image the tag names now)");
            }
            if !*complete {
                line.push_str(&format!(" · {}", gaps_text(map)));
            }
            line
        }
    }
}

fn gaps_text(map: Option<&UsageMap>) -> String {
    let notes: Vec<String> = map.map(UsageMap::gap_summaries).unwrap_or_default();
    if notes.is_empty() {
        "in-use unknown".into()
    } else {
        notes.join(", ")
    }
}

/// What a delete would take from running workloads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeleteUsage {
    /// Plan entries (by index) whose delete affects a user, with those users.
    pub in_use: Vec<(usize, Vec<ImageUser>)>,
    /// Why the check is incomplete, when it is.
    pub unknown: Option<String>,
}

impl DeleteUsage {
    /// Check `plan` against what `book` knows. Removing a tag only affects users that
    /// name that tag; deleting an image affects every user.
    pub fn of(book: &UsageBook, plan: &DeletePlan) -> DeleteUsage {
        let mut result = DeleteUsage::default();
        for (index, entry) in plan.entries.iter().enumerate() {
            let usage = book.image(&plan.registry, &plan.repository, &entry.digest, &entry.tags);
            let mut users = usage.users().to_vec();
            if plan.kind == DeleteKind::Untag
                && let ImageRef::Tag(removed) = &entry.id
            {
                users.retain(|u| matches!(&u.by, MatchedBy::Tag { tag } if tag == removed));
            }
            if !users.is_empty() {
                result.in_use.push((index, users));
            }
        }
        result.unknown = match book.get(&plan.registry) {
            Some(RegistryUsage::Ready { map, .. }) if map.is_complete() => None,
            Some(RegistryUsage::Ready { map, .. }) => Some(gaps_text(Some(map))),
            Some(RegistryUsage::Disabled) => Some("in-use check off (--no-usage)".into()),
            _ => Some("in-use lookup not finished".into()),
        };
        result
    }

    /// Confirming needs an extra, explicit step when anything in the plan is in use.
    pub fn needs_extra_confirmation(&self) -> bool {
        !self.in_use.is_empty()
    }

    /// The plan's entry order with in-use entries first (the dialog lists them first).
    pub fn order(&self, entries: usize) -> Vec<usize> {
        let first: Vec<usize> = self.in_use.iter().map(|(i, _)| *i).collect();
        first
            .iter()
            .copied()
            .chain((0..entries).filter(|i| !first.contains(i)))
            .collect()
    }

    /// The warning lines, for the warning colour: a heading, then one line per in-use
    /// image naming what uses it; or the one line saying the check is incomplete.
    pub fn warning_lines(&self, plan: &DeletePlan) -> Vec<String> {
        let mut lines = Vec::new();
        if !self.in_use.is_empty() {
            let n = self.in_use.len();
            lines.push(format!(
                "{n} {} IN USE — deleting {} breaks what runs {}:",
                if n == 1 { "image is" } else { "images are" },
                if n == 1 { "it" } else { "them" },
                if n == 1 { "it" } else { "them" },
            ));
            for (index, users) in &self.in_use {
                let entry = &plan.entries[*index];
                let label = match (&entry.id, entry.tags.first()) {
                    (ImageRef::Tag(tag), _) => format!("{}:{tag}", plan.repository),
                    (_, Some(tag)) => format!("{}:{tag}", plan.repository),
                    (_, None) => format!("{}@{}", plan.repository, short_digest(&entry.digest)),
                };
                let named: Vec<String> = users.iter().map(describe_user).collect();
                lines.push(format!("  {label}: {}", named.join(", ")));
            }
        }
        if let Some(unknown) = &self.unknown {
            lines.push(format!("Not checked for use: {unknown}"));
        }
        lines
    }

    /// The prompt for the extra confirmation step.
    pub fn extra_confirmation_prompt(&self) -> String {
        let n = self.in_use.len();
        format!(
            "Press Y to delete {n} in-use {} anyway, Esc to cancel",
            if n == 1 { "image" } else { "images" }
        )
    }
}

/// The lifecycle dry run's summary line: `3 of 41 expiring images are running`.
pub fn expiring_summary(in_use: usize, expiring: usize) -> String {
    format!(
        "{in_use} of {expiring} expiring {} running",
        if expiring == 1 {
            "image is"
        } else {
            "images are"
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::operate::PlanEntry;
    use crate::usage::{Gap, Reference, Source, UsageReport, Workload};

    const HOST: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    fn digest(n: u8) -> String {
        format!("sha256:{}", n.to_string().repeat(64))
    }

    fn map(gaps: Vec<Gap>) -> UsageMap {
        let workload = |kind, name: &str| Workload {
            kind,
            name: name.into(),
            cluster: (kind != UserKind::Lambda).then(|| "prod".into()),
            service: None,
            account: None,
        };
        let report = UsageReport {
            references: vec![
                Reference {
                    workload: workload(UserKind::EcsService, "web"),
                    image: format!("{HOST}/web:live"),
                    running_digest: None,
                },
                Reference {
                    workload: workload(UserKind::Lambda, "thumbs"),
                    image: format!("{HOST}/web@{}", digest(1)),
                    running_digest: None,
                },
            ],
            gaps,
        };
        UsageMap::build(report, "123456789012", "us-east-1")
    }

    fn book(gaps: Vec<Gap>) -> UsageBook {
        let mut book = UsageBook::default();
        book.requested(&crate::app::fixtures::reg(0), 7);
        assert!(book.loaded(&crate::app::fixtures::reg(0), 7, map(gaps)));
        book
    }

    fn denied_ecs() -> Gap {
        Gap {
            source: Source::Ecs,
            action: "ecs:ListClusters".into(),
            code: "AccessDenied".into(),
            error: String::new(),
        }
    }

    #[test]
    fn stale_answers_are_dropped() {
        let mut book = UsageBook::default();
        assert!(book.wants_lookup(&crate::app::fixtures::reg(0)));
        book.requested(&crate::app::fixtures::reg(0), 1);
        book.requested(&crate::app::fixtures::reg(0), 2);
        assert!(!book.loaded(&crate::app::fixtures::reg(0), 1, UsageMap::default()));
        assert!(book.loaded(&crate::app::fixtures::reg(0), 2, UsageMap::default()));
        assert!(!book.wants_lookup(&crate::app::fixtures::reg(0)));
        assert!(!UsageBook::disabled().wants_lookup(&crate::app::fixtures::reg(0)));
    }

    #[test]
    fn column_usage_line_and_filters() {
        let book = book(Vec::new());
        let live = vec!["live".to_string()];
        let both = book.image(&crate::app::fixtures::reg(0), "web", &digest(1), &live);
        let m = book.map(&crate::app::fixtures::reg(0));
        assert_eq!(column_text(&both, m), "ecs:1 λ:1");
        assert_eq!(
            usage_line(&both, m),
            "in use by service web (prod) by tag live, λ thumbs (by tag: the image the tag names now)"
        );
        let unused = book.image(&crate::app::fixtures::reg(0), "web", &digest(2), &[]);
        assert_eq!(column_text(&unused, m), "");
        assert_eq!(usage_line(&unused, m), "not in use by ECS or Lambda");
        assert!(UsageFilter::InUse.keeps(&both) && !UsageFilter::InUse.keeps(&unused));
        assert!(UsageFilter::NotInUse.keeps(&unused) && !UsageFilter::NotInUse.keeps(&both));
        assert!(!UsageFilter::NotInUse.keeps(&ImageUsage::Unknown));
        assert_eq!(
            UsageFilter::InUse.toggle(UsageFilter::InUse),
            UsageFilter::All
        );
        assert_eq!(
            UsageFilter::InUse.toggle(UsageFilter::NotInUse),
            UsageFilter::NotInUse
        );

        let partial = super::tests::book(vec![denied_ecs()]);
        let m = partial.map(&crate::app::fixtures::reg(0));
        let lambda_only = partial.image(&crate::app::fixtures::reg(0), "web", &digest(1), &[]);
        assert_eq!(column_text(&lambda_only, m), "ecs:? λ:1");
        let nothing = partial.image(&crate::app::fixtures::reg(0), "web", &digest(2), &[]);
        assert_eq!(column_text(&nothing, m), "?");
        assert_eq!(
            usage_line(&nothing, m),
            "in-use unknown (missing ecs:ListClusters)"
        );
        assert_eq!(
            partial.note(&crate::app::fixtures::reg(0)).as_deref(),
            Some("in-use unknown (missing ecs:ListClusters)")
        );
    }

    fn plan_of(kind: DeleteKind, entries: Vec<(String, Vec<&str>, ImageRef)>) -> DeletePlan {
        DeletePlan {
            registry: crate::app::fixtures::reg(0),
            repository: "web".into(),
            kind,
            entries: entries
                .into_iter()
                .map(|(digest, tags, id)| PlanEntry {
                    digest,
                    tags: tags.into_iter().map(str::to_string).collect(),
                    size_bytes: 1,
                    id,
                    referrer_of: None,
                })
                .collect(),
            skipped: Vec::new(),
            charges: Vec::new(),
            notes: Vec::new(),
            freed: None,
        }
    }

    #[test]
    fn delete_warnings_list_in_use_images_first_and_need_a_second_yes() {
        let book = book(Vec::new());
        let plan = plan_of(
            DeleteKind::Images,
            vec![
                (digest(3), vec![], ImageRef::Digest(digest(3))),
                (digest(2), vec!["live"], ImageRef::Digest(digest(2))),
            ],
        );
        let usage = DeleteUsage::of(&book, &plan);
        assert!(usage.needs_extra_confirmation());
        assert_eq!(usage.order(2), [1, 0]);
        assert_eq!(
            usage.warning_lines(&plan),
            [
                "1 image is IN USE — deleting it breaks what runs it:",
                "  web:live: service web (prod) by tag live",
            ]
        );
        assert_eq!(
            usage.extra_confirmation_prompt(),
            "Press Y to delete 1 in-use image anyway, Esc to cancel"
        );

        // Untagging only matters to users of that tag.
        let untag = plan_of(
            DeleteKind::Untag,
            vec![(digest(1), vec!["live", "v1"], ImageRef::Tag("v1".into()))],
        );
        assert!(!DeleteUsage::of(&book, &untag).needs_extra_confirmation());

        let off = DeleteUsage::of(&UsageBook::disabled(), &plan);
        assert!(!off.needs_extra_confirmation());
        assert_eq!(
            off.warning_lines(&plan),
            ["Not checked for use: in-use check off (--no-usage)"]
        );
    }

    #[test]
    fn lifecycle_summary_reads_naturally() {
        assert_eq!(
            expiring_summary(3, 41),
            "3 of 41 expiring images are running"
        );
        assert_eq!(expiring_summary(0, 1), "0 of 1 expiring image is running");
    }
}
