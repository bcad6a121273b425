//! The `:` command line: parsing, completion and suggestions. Pure.

/// A parsed command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineCommand {
    Repositories,
    Images,
    Registries,
    Profile(String),
    Region(String),
    Theme(String),
    Refresh,
    Quit,
    /// The help, searching for the words given (`:help delete`).
    Help(String),
    /// Toggle the audit columns of the repositories pane.
    Audit,
    /// The triage view: CRITICAL and HIGH findings across the registry, by CVE; with
    /// `all`, across every registry of the registries pane.
    Criticals {
        everywhere: bool,
    },
    /// The findings of the selected image (as `f`).
    Findings,
    /// Open a repository, optionally selecting a tag: `:payments/api` or `:web/app:v1.2`.
    Jump {
        repository: String,
        tag: Option<String>,
    },
}

/// Command words, with the argument each takes and what each does: completion, "did you
/// mean" and the `?` help are all made from this table.
pub const COMMANDS: &[(&str, Option<&str>, &str)] = &[
    ("repos", None, "the repositories of the open registry"),
    ("images", None, "back to the images of the open repository"),
    ("registries", None, "the registries pane"),
    (
        "profile",
        Some("NAME"),
        "open AWS profile NAME's registry (env: the environment)",
    ),
    (
        "region",
        Some("NAME"),
        "open the registry of region NAME, same profile",
    ),
    ("theme", Some("NAME"), "switch the colour theme"),
    ("refresh", None, "fetch the current pane again (as r)"),
    (
        "criticals",
        None,
        "CRITICAL/HIGH findings by CVE (all: every registry)",
    ),
    (
        "findings",
        None,
        "scan findings of the selected image (as f)",
    ),
    (
        "audit",
        None,
        "show or hide the audit columns of the repositories",
    ),
    ("help", Some("[WORDS]"), "this help, searching for WORDS"),
    ("quit", None, "quit berth"),
];

/// The jump form of the command line, for the help.
pub const JUMP_HELP: (&str, &str) = (
    "REPO[:TAG]",
    "open repository REPO, selecting the image tagged TAG",
);

/// Regions offered for completion of `:region` (ECR's commercial regions).
pub const KNOWN_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "sa-east-1",
];

/// Why a command line could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("unknown command :{word}{}", suggestion.as_ref().map(|s| format!(" — did you mean :{s}?")).unwrap_or_default())]
    Unknown {
        word: String,
        suggestion: Option<String>,
    },
    #[error(":{command} needs {argument}")]
    MissingArgument {
        command: &'static str,
        argument: &'static str,
    },
    #[error(":{command} takes {expected} or nothing, not {given:?}")]
    UnexpectedArgument {
        command: &'static str,
        expected: &'static str,
        given: String,
    },
}

/// Parse a command line (without the leading `:`).
pub fn parse(line: &str) -> Result<LineCommand, LineError> {
    let line = line.trim();
    let (word, argument) = match line.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (line, ""),
    };
    let needs = |command: &'static str, make: fn(String) -> LineCommand| {
        if argument.is_empty() {
            Err(LineError::MissingArgument {
                command,
                argument: "a NAME",
            })
        } else {
            Ok(make(argument.to_string()))
        }
    };
    match word {
        "repos" | "repositories" | "repo" => Ok(LineCommand::Repositories),
        "images" | "image" | "img" => Ok(LineCommand::Images),
        "registries" | "registry" | "reg" => Ok(LineCommand::Registries),
        "profile" => needs("profile", LineCommand::Profile),
        "region" => needs("region", LineCommand::Region),
        "theme" => needs("theme", LineCommand::Theme),
        "refresh" | "r" => Ok(LineCommand::Refresh),
        "audit" => Ok(LineCommand::Audit),
        "quit" | "q" | "q!" => Ok(LineCommand::Quit),
        "help" | "h" | "?" => Ok(LineCommand::Help(argument.to_string())),
        "criticals" | "triage" => match argument {
            "" => Ok(LineCommand::Criticals { everywhere: false }),
            "all" => Ok(LineCommand::Criticals { everywhere: true }),
            given => Err(LineError::UnexpectedArgument {
                command: "criticals",
                expected: "`all`",
                given: given.to_string(),
            }),
        },
        "findings" => Ok(LineCommand::Findings),
        _ if looks_like_repository(word) => Ok(jump(word)),
        _ => Err(LineError::Unknown {
            word: word.to_string(),
            suggestion: suggest(word, COMMANDS.iter().map(|(c, _, _)| *c)),
        }),
    }
}

/// `payments/api` or `payments/api:v1.2` as a jump.
pub fn jump(text: &str) -> LineCommand {
    match text.rsplit_once(':') {
        Some((repository, tag)) if !tag.is_empty() && !tag.contains('/') => LineCommand::Jump {
            repository: repository.to_string(),
            tag: Some(tag.to_string()),
        },
        _ => LineCommand::Jump {
            repository: text.to_string(),
            tag: None,
        },
    }
}

/// Whether a word names a repository rather than a command: namespaced names always do;
/// a bare name does when it is not a command word.
fn looks_like_repository(word: &str) -> bool {
    word.contains('/') || word.contains(':')
}

/// The closest candidate within a small edit distance, for "did you mean".
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// What Tab completes against.
pub struct CompletionSources<'a> {
    pub profiles: &'a [String],
    pub regions: &'a [String],
    pub themes: &'a [String],
    pub repositories: &'a [&'a str],
}

/// Complete `line`: the longest common extension of every candidate that starts with what
/// was typed, or the line unchanged when nothing matches. Returns the candidates too, so
/// the UI can list them.
pub fn complete(line: &str, sources: &CompletionSources) -> (String, Vec<String>) {
    let (prefix, partial, candidates): (String, &str, Vec<String>) = match line
        .split_once(char::is_whitespace)
    {
        Some((word, rest)) => {
            let list: Vec<String> = match word {
                "profile" => sources.profiles.to_vec(),
                "region" => {
                    let mut all: Vec<String> = sources.regions.to_vec();
                    for region in KNOWN_REGIONS {
                        if !all.iter().any(|r| r == region) {
                            all.push(region.to_string());
                        }
                    }
                    all
                }
                "theme" => sources.themes.to_vec(),
                _ => Vec::new(),
            };
            (format!("{word} "), rest.trim_start(), list)
        }
        None => {
            let mut list: Vec<String> = COMMANDS.iter().map(|(c, _, _)| c.to_string()).collect();
            list.extend(sources.repositories.iter().map(|r| r.to_string()));
            (String::new(), line, list)
        }
    };
    let matches: Vec<String> = candidates
        .into_iter()
        .filter(|c| c.starts_with(partial))
        .collect();
    let Some(first) = matches.first() else {
        return (line.to_string(), matches);
    };
    let mut common = first.clone();
    for other in &matches[1..] {
        let shared = common
            .chars()
            .zip(other.chars())
            .take_while(|(a, b)| a == b)
            .count();
        common = common.chars().take(shared).collect();
    }
    let mut completed = format!("{prefix}{common}");
    if matches.len() == 1 && prefix.is_empty() {
        // A complete command word is followed by its argument.
        if COMMANDS
            .iter()
            .any(|(c, arg, _)| *c == common && arg.is_some())
        {
            completed.push(' ');
        }
    }
    (completed, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_arguments_and_jumps() {
        assert_eq!(parse("repos"), Ok(LineCommand::Repositories));
        assert_eq!(
            parse(" region eu-west-1 "),
            Ok(LineCommand::Region("eu-west-1".into()))
        );
        assert_eq!(parse("q"), Ok(LineCommand::Quit));
        assert_eq!(parse("findings"), Ok(LineCommand::Findings));
        assert_eq!(parse("help"), Ok(LineCommand::Help(String::new())));
        assert_eq!(
            parse("help copy uri"),
            Ok(LineCommand::Help("copy uri".into()))
        );
        assert_eq!(
            parse("criticals"),
            Ok(LineCommand::Criticals { everywhere: false })
        );
        assert_eq!(
            parse("criticals all"),
            Ok(LineCommand::Criticals { everywhere: true })
        );
        assert!(
            parse("criticals everything")
                .unwrap_err()
                .to_string()
                .contains("takes `all`")
        );
        assert_eq!(
            parse("payments/api"),
            Ok(LineCommand::Jump {
                repository: "payments/api".into(),
                tag: None
            })
        );
        assert_eq!(
            parse("web/app:v1.2"),
            Ok(LineCommand::Jump {
                repository: "web/app".into(),
                tag: Some("v1.2".into())
            })
        );
        assert_eq!(
            parse("profile"),
            Err(LineError::MissingArgument {
                command: "profile",
                argument: "a NAME"
            })
        );
    }

    #[test]
    fn unknown_commands_get_a_suggestion() {
        let err = parse("regoin").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown command :regoin — did you mean :region?"
        );
        let err = parse("zzzzzz").unwrap_err();
        assert_eq!(err.to_string(), "unknown command :zzzzzz");
    }

    #[test]
    fn tab_completes_commands_arguments_and_repositories() {
        let profiles = vec!["prod".to_string(), "staging".to_string()];
        let repos = ["payments/api", "payments/worker", "web/frontend"];
        let sources = CompletionSources {
            profiles: &profiles,
            regions: &[],
            themes: &[],
            repositories: &repos,
        };
        assert_eq!(complete("reg", &sources).0, "regi");
        assert_eq!(complete("regio", &sources).0, "region ");
        assert_eq!(complete("profile st", &sources).0, "profile staging");
        assert_eq!(complete("region eu-w", &sources).0, "region eu-west-");
        assert_eq!(complete("pay", &sources).0, "payments/");
        assert_eq!(complete("web", &sources).0, "web/frontend");
        let (unchanged, none) = complete("xyz", &sources);
        assert_eq!(unchanged, "xyz");
        assert!(none.is_empty());
    }
}
