//! The status line's messages. Each belongs to a context (where the user was, a registry,
//! a repository) and leaves with it, so a "not found" or a credential error never stays
//! on screen after the user moved on. Pure: `update` tells it where the user is after
//! every event.

use super::state::Pane;

/// Where the user is, as a message's context is compared against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub pane: Pane,
    /// The open registry.
    pub registry: crate::app::action::RegistryId,
    /// The repository whose images (or an image's findings) are on screen.
    pub repository: Option<String>,
}

/// What a message reports: an outcome replaces the notice of the same topic, and a success
/// clears its error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// A `:` command line, a jump or a key that could not act.
    Command,
    /// Listing repositories or images.
    Listing,
    /// Counting a repository's images (the background sweep).
    Stats,
    /// The audit sweep.
    Audit,
    /// Reading manifests for the storage figures.
    Storage,
    /// Putting a tag.
    Tag,
    /// Deleting or untagging.
    Delete,
    /// Copying URIs.
    Copy,
    /// Starting image scans.
    Scan,
    /// Archiving an image or restoring one from archive.
    Archive,
    /// Switching the theme.
    Theme,
    /// Problems found while starting (config, saved location).
    Startup,
}

/// How a message reads and when it may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Something that just happened; the next key clears it.
    Info,
    /// Work under way ("starting 1 scan(s)"); stays until its outcome replaces it.
    Progress,
    /// Something failed; stays until its context leaves or the same thing succeeds.
    Error,
}

/// The context a message belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Wherever the user is once the event that raised the message has been applied
    /// (a command that moves the user reports where it took them).
    Here,
    /// One place: a pane, with its registry and repository.
    At(Place),
    /// As long as this registry is the open one, in any pane.
    Registry(crate::app::action::RegistryId),
    /// As long as this repository's images (or findings) are on screen.
    Repository {
        registry: crate::app::action::RegistryId,
        name: String,
    },
}

impl Scope {
    /// Whether a message of this scope still belongs on screen at `place`.
    pub fn holds(&self, place: &Place) -> bool {
        match self {
            Scope::Here => true,
            Scope::At(at) => at == place,
            Scope::Registry(registry) => *registry == place.registry,
            Scope::Repository { registry, name } => {
                *registry == place.registry && place.repository.as_ref() == Some(name)
            }
        }
    }
}

/// One line of text for the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub kind: Kind,
    pub topic: Topic,
    pub scope: Scope,
    /// Reports text just put on the clipboard, which the view shows alone and whole so it
    /// can be selected with the mouse where the terminal blocks clipboard writes.
    pub copied: bool,
}

/// The status line's messages.
///
/// Invariants (checked by the property test below after every event):
/// - At most one message per topic: a newer one (an outcome, a newer error) replaces it.
/// - After [`Status::moved_to`], every message belongs where the user is: none is
///   [`Scope::Here`] any more, and each one's scope holds at that place. A message leaves
///   when its pane, registry or repository does.
/// - A key press removes [`Kind::Info`] messages only; errors and progress notices stay
///   until their context leaves, their topic posts again (the outcome), or
///   [`Status::succeeded`] reports that the thing they were about worked.
/// - After `succeeded(topic, scope)` no error or progress notice of that topic and scope
///   is left; nothing else changes.
#[derive(Debug, Default)]
pub struct Status {
    messages: Vec<Message>,
    place: Option<Place>,
}

impl Status {
    /// Show `text` about `topic` in `scope`, replacing what was shown about that topic.
    pub fn post(&mut self, kind: Kind, topic: Topic, scope: Scope, text: impl Into<String>) {
        self.messages.retain(|m| m.topic != topic);
        self.messages.push(Message {
            text: text.into(),
            kind,
            topic,
            scope,
            copied: false,
        });
    }

    /// `text` was just put on the clipboard; `report` says so (a [`Kind::Info`] about
    /// [`Topic::Copy`] here).
    pub fn copied(&mut self, report: impl Into<String>) {
        self.info(Topic::Copy, report);
        if let Some(message) = self.messages.last_mut() {
            message.copied = true;
        }
    }

    /// Something just happened here.
    pub fn info(&mut self, topic: Topic, text: impl Into<String>) {
        self.post(Kind::Info, topic, Scope::Here, text);
    }

    /// Something failed here.
    pub fn error(&mut self, topic: Topic, text: impl Into<String>) {
        self.post(Kind::Error, topic, Scope::Here, text);
    }

    /// The thing `topic` in `scope` reported on worked: its error or notice goes.
    pub fn succeeded(&mut self, topic: Topic, scope: &Scope) {
        let place = self.place.clone();
        let same = |s: &Scope| match (s, scope, &place) {
            (Scope::At(at), Scope::Here, Some(here)) => at == here,
            _ => s == scope,
        };
        self.messages
            .retain(|m| m.topic != topic || m.kind == Kind::Info || !same(&m.scope));
    }

    /// A key was pressed: what it reported is read.
    pub fn key(&mut self) {
        self.messages.retain(|m| m.kind != Kind::Info);
    }

    /// The user is at `place` after an event: messages raised by it belong here, and
    /// those whose context is gone leave.
    pub fn moved_to(&mut self, place: Place) {
        for message in &mut self.messages {
            if message.scope == Scope::Here {
                message.scope = Scope::At(place.clone());
            }
        }
        self.messages.retain(|m| m.scope.holds(&place));
        self.place = Some(place);
    }

    /// The messages, oldest first.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The newest message of `kind`.
    pub fn newest(&self, kind: Kind) -> Option<&Message> {
        self.messages.iter().rev().find(|m| m.kind == kind)
    }

    /// The newest message about `topic`, if any.
    pub fn about(&self, topic: Topic) -> Option<&Message> {
        self.messages.iter().find(|m| m.topic == topic)
    }

    /// The text of the newest error, if one is shown.
    pub fn error_text(&self) -> Option<&str> {
        self.newest(Kind::Error).map(|m| m.text.as_str())
    }

    /// The text of the newest message that is not an error, if one is shown.
    pub fn info_text(&self) -> Option<&str> {
        self.messages
            .iter()
            .rev()
            .find(|m| m.kind != Kind::Error)
            .map(|m| m.text.as_str())
    }

    /// Whether nothing is shown.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A registry identity for tests: the default credentials in region `n`.
    fn registry_id(n: usize) -> crate::app::action::RegistryId {
        crate::ecr::model::RegistryTarget::new(Default::default(), format!("region-{n}"))
    }
    use proptest::prelude::*;

    const TOPICS: [Topic; 4] = [Topic::Command, Topic::Listing, Topic::Scan, Topic::Tag];
    const KINDS: [Kind; 3] = [Kind::Info, Kind::Progress, Kind::Error];
    const PANES: [Pane; 3] = [Pane::Repositories, Pane::Images, Pane::Triage];

    #[derive(Clone, Debug)]
    enum Event {
        Post(Kind, Topic, Scope),
        Key,
        Moved(Place),
        Succeeded(Topic, Scope),
    }

    fn place() -> impl Strategy<Value = Place> {
        (0..3usize, 0..2usize, prop::option::of(0..2usize)).prop_map(|(pane, registry, repo)| {
            Place {
                pane: PANES[pane],
                registry: registry_id(registry),
                repository: repo.map(|r| format!("repo{r}")),
            }
        })
    }

    fn scope() -> impl Strategy<Value = Scope> {
        prop_oneof![
            Just(Scope::Here),
            place().prop_map(Scope::At),
            (0..2usize).prop_map(|n| Scope::Registry(registry_id(n))),
            (0..2usize, 0..2usize).prop_map(|(registry, r)| Scope::Repository {
                registry: registry_id(registry),
                name: format!("repo{r}")
            }),
        ]
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0..3usize, 0..4usize, scope())
                .prop_map(|(k, t, s)| Event::Post(KINDS[k], TOPICS[t], s)),
            Just(Event::Key),
            place().prop_map(Event::Moved),
            (0..4usize, scope()).prop_map(|(t, s)| Event::Succeeded(TOPICS[t], s)),
        ]
    }

    proptest! {
        #[test]
        fn messages_keep_their_context_through_any_events(
            events in prop::collection::vec(event(), 1..60)
        ) {
            let mut status = Status::default();
            for (n, event) in events.into_iter().enumerate() {
                let before = status.messages().to_vec();
                match event.clone() {
                    Event::Post(kind, topic, scope) => {
                        status.post(kind, topic, scope.clone(), format!("m{n}"));
                        let mut expected: Vec<Message> =
                            before.into_iter().filter(|m| m.topic != topic).collect();
                        expected.push(Message {
                            text: format!("m{n}"),
                            kind,
                            topic,
                            scope,
                            copied: false,
                        });
                        prop_assert_eq!(status.messages(), &expected[..]);
                    }
                    Event::Key => {
                        status.key();
                        let kept: Vec<Message> =
                            before.into_iter().filter(|m| m.kind != Kind::Info).collect();
                        prop_assert_eq!(status.messages(), &kept[..]);
                    }
                    Event::Moved(place) => {
                        status.moved_to(place.clone());
                        for m in status.messages() {
                            prop_assert!(m.scope != Scope::Here);
                            prop_assert!(m.scope.holds(&place), "{:?} at {:?}", m, place);
                        }
                        // Nothing that still belongs here was dropped.
                        let held = before
                            .iter()
                            .filter(|m| m.scope == Scope::Here || m.scope.holds(&place))
                            .count();
                        prop_assert_eq!(status.messages().len(), held);
                    }
                    Event::Succeeded(topic, scope) => {
                        status.succeeded(topic, &scope);
                        let at_place = |s: &Scope| {
                            s == &scope
                                || matches!((s, &scope, &status.place),
                                    (Scope::At(a), Scope::Here, Some(p)) if a == p)
                        };
                        for m in status.messages() {
                            prop_assert!(
                                m.topic != topic || m.kind == Kind::Info || !at_place(&m.scope),
                                "{:?} survived its success", m
                            );
                        }
                        let others = before
                            .iter()
                            .filter(|m| m.topic != topic || m.kind == Kind::Info || !at_place(&m.scope))
                            .count();
                        prop_assert_eq!(status.messages().len(), others);
                    }
                }
                // At most one message per topic.
                let mut unique = std::collections::HashSet::new();
                prop_assert!(status.messages().iter().all(|m| unique.insert(m.topic)));
            }
        }
    }

    fn here(pane: Pane, repository: Option<&str>) -> Place {
        Place {
            pane,
            registry: registry_id(0),
            repository: repository.map(str::to_string),
        }
    }

    #[test]
    fn only_a_copy_report_is_marked_copied_whatever_its_text() {
        let mut status = Status::default();
        status.info(Topic::Copy, "copied nothing: no image selected");
        assert!(!status.about(Topic::Copy).unwrap().copied);
        status.copied("3 URIs on the clipboard");
        let message = status.about(Topic::Copy).unwrap();
        assert!(message.copied);
        assert_eq!(message.kind, Kind::Info);
        status.info(Topic::Copy, "nothing to copy yet");
        assert!(
            !status.about(Topic::Copy).unwrap().copied,
            "a later notice replaces it"
        );
        status.key();
        assert!(status.is_empty(), "a key clears it like any notice");
    }

    #[test]
    fn an_error_raised_by_a_command_leaves_with_the_pane_it_was_raised_in() {
        let mut status = Status::default();
        status.moved_to(here(Pane::Images, Some("a")));
        status.error(Topic::Command, "unknown command :x");
        status.moved_to(here(Pane::Images, Some("a")));
        status.key();
        assert!(
            status.newest(Kind::Error).is_some(),
            "a key does not clear it"
        );
        status.moved_to(here(Pane::Repositories, None));
        assert!(status.is_empty());
    }

    #[test]
    fn a_notice_ends_with_its_outcome() {
        let mut status = Status::default();
        let scope = Scope::Repository {
            registry: registry_id(0),
            name: "a".into(),
        };
        status.moved_to(here(Pane::Images, Some("a")));
        status.post(
            Kind::Progress,
            Topic::Scan,
            scope.clone(),
            "starting 1 scan(s)",
        );
        status.key();
        assert_eq!(
            status.newest(Kind::Progress).unwrap().text,
            "starting 1 scan(s)"
        );
        status.post(Kind::Info, Topic::Scan, scope, "scan started for 1 image");
        assert!(status.newest(Kind::Progress).is_none());
        assert_eq!(status.messages().len(), 1);
    }

    #[test]
    fn a_success_clears_the_error_it_answers() {
        let mut status = Status::default();
        status.moved_to(here(Pane::Repositories, None));
        status.post(
            Kind::Error,
            Topic::Listing,
            Scope::Registry(registry_id(0)),
            "timed out",
        );
        status.post(
            Kind::Error,
            Topic::Stats,
            Scope::Registry(registry_id(0)),
            "denied",
        );
        status.succeeded(Topic::Listing, &Scope::Registry(registry_id(0)));
        assert_eq!(status.messages().len(), 1);
        assert_eq!(status.messages()[0].topic, Topic::Stats);
    }
}
