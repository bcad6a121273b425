//! config.toml: defaults, every setting, warnings for unknown keys, where the file is
//! looked for, and the folder of broken files that must each fail with their own message.

use berth::config::{
    Config, ConfigError, ConfigLocation, DateFormat, SortOrder, Timezone, config_dir_with,
};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Result<(Config, Vec<berth::config::Warning>), ConfigError> {
    Config::parse(text, Path::new("config.toml"))
}

#[test]
fn every_setting_is_read() {
    let text = r#"
profiles = ["prod", "staging"]
regions = ["eu-west-1", "us-east-1"]
read_only = true
theme = "high-contrast"
date_format = "absolute"
timezone = "local"
concurrency = 16
timeout_seconds = 90
mouse = false

[sort]
repositories = "-size"
images = "+tags"
"#;
    let (config, warnings) = parse(text).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.profiles, ["prod", "staging"]);
    assert_eq!(config.regions, ["eu-west-1", "us-east-1"]);
    assert!(config.read_only);
    assert_eq!(config.theme, "high-contrast");
    assert_eq!(config.date_format, DateFormat::Absolute);
    assert_eq!(config.timezone, Timezone::Local);
    assert_eq!(config.concurrency, 16);
    assert_eq!(config.timeout_seconds, 90);
    assert!(!config.mouse);
    let size = berth::app::state::REPOSITORY_SORTS
        .iter()
        .position(|c| *c == "size")
        .unwrap();
    assert_eq!(
        config.sort.repositories,
        SortOrder {
            column: size,
            descending: true
        }
    );
    let tags = berth::app::state::IMAGE_SORTS
        .iter()
        .position(|c| *c == "tags")
        .unwrap();
    assert_eq!(
        config.sort.images,
        SortOrder {
            column: tags,
            descending: false
        }
    );
}

#[test]
fn the_storage_price_has_a_default_and_per_region_overrides() {
    let (config, _) = parse("").unwrap();
    assert_eq!(config.cost.price("us-east-1"), 0.10);
    let text = r#"
[cost]
storage_usd_per_gib_month = 0.12

[cost.regions]
eu-central-1 = 0.11
us-gov-west-1 = 1
"#;
    let (config, warnings) = parse(text).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.cost.price("us-east-1"), 0.12);
    assert_eq!(config.cost.price("eu-central-1"), 0.11);
    assert_eq!(config.cost.price("us-gov-west-1"), 1.0);
    let (_, warnings) = parse("[cost]\nstorage_usd_per_gib = 0.1\n").unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("storage_usd_per_gib_month"),
        "{}",
        warnings[0].message
    );
}

#[test]
fn member_accounts_and_the_organization_role_are_read() {
    let text = "accounts = [\"111122223333\", \"444455556666\"]\n[organization]\nrole = \"BerthReader\"\naccount_concurrency = 2\n";
    let (config, warnings) = parse(text).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.accounts, ["111122223333", "444455556666"]);
    assert_eq!(config.organization_role.as_deref(), Some("BerthReader"));
    assert_eq!(Config::default().organization_role, None);
    assert_eq!(config.account_concurrency, Some(2));
    assert_eq!(Config::default().account_concurrency, None);
}

#[test]
fn an_empty_file_and_a_missing_file_are_the_defaults() {
    let (config, warnings) = parse("").unwrap();
    assert_eq!(config, Config::default());
    assert!(warnings.is_empty());

    let dir = tempfile::tempdir().unwrap();
    let (config, warnings) = Config::load(&dir.path().join("config.toml")).unwrap();
    assert_eq!(config, Config::default());
    assert!(warnings.is_empty());
}

#[test]
fn defaults_match_what_berth_does_without_a_config() {
    let config = Config::default();
    assert!(config.mouse);
    assert!(!config.read_only);
    assert_eq!(config.theme, "dark");
    assert_eq!(config.date_format, DateFormat::Relative);
    assert_eq!(config.timezone, Timezone::Utc);
    // Repositories A→Z by name, images newest push first.
    assert_eq!(berth::app::state::REPOSITORY_SORTS[0], "name");
    assert_eq!(berth::app::state::IMAGE_SORTS[0], "pushed");
    assert!(!config.sort.repositories.descending);
    assert!(config.sort.images.descending);
    assert!((1..=64).contains(&config.concurrency));
}

#[test]
fn a_single_profile_or_region_may_be_written_without_brackets() {
    let (config, _) = parse("profiles = \"prod\"\nregions = \"eu-west-1\"").unwrap();
    assert_eq!(config.profiles, ["prod"]);
    assert_eq!(config.regions, ["eu-west-1"]);
}

#[test]
fn unknown_keys_warn_with_their_line_and_a_suggestion() {
    let text = "\
theme = \"dark\"
concurency = 4
colour = \"blue\"

[sort]
repositories = \"name\"
tags = \"-size\"

[keys]
frobnicate = \"D\"
";
    let (config, warnings) = parse(text).unwrap();
    let messages: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "config.toml:2: unknown key \"concurency\" ignored (did you mean \"concurrency\"?)",
            "config.toml:3: unknown key \"colour\" ignored",
            "config.toml:7: unknown key \"sort.tags\" ignored",
            "config.toml:10: unknown command \"keys.frobnicate\" ignored",
        ]
    );
    assert_eq!(warnings[0].key, "concurency");
    assert_eq!(warnings[0].line, 2);
    // The rest of the file still applies.
    assert_eq!(config.theme, "dark");
    assert_eq!(config.concurrency, Config::default().concurrency);
}

#[test]
fn every_invalid_value_is_reported_in_file_order() {
    let text = "mouse = \"no\"\nconcurrency = 99\ndate_format = \"soon\"\n";
    let err = parse(text).unwrap_err();
    assert_eq!(
        err.to_string(),
        "config.toml:1: mouse must be true or false, not a string\n\
         config.toml:2: concurrency must be between 1 and 64\n\
         config.toml:3: date_format must be \"relative\" or \"absolute\", not \"soon\""
    );
    let ConfigError::Invalid { problems } = err else {
        panic!("not an Invalid error");
    };
    assert_eq!(problems[1].key, "concurrency");
}

#[test]
fn each_broken_config_fails_with_exactly_its_message() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config/invalid");
    let files = toml_files(&folder);
    assert!(files.len() >= 20, "only {} broken configs", files.len());
    let mut failures = Vec::new();
    for path in files {
        let expect = expectation(&path);
        let wanted = format!("{}:{expect}", path.display());
        match Config::load(&path) {
            Ok(_) => failures.push(format!("{}: loaded, wanted {wanted}", path.display())),
            Err(err) if err.to_string() == wanted => {}
            Err(err) => failures.push(format!("got    {err}\nwanted {wanted}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// The files of a folder of test data, sorted so failures read the same every run.
pub fn toml_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The message a broken file declares on its first line: `# expect: LINE: message`.
fn expectation(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap_or_default();
    first
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{} has no `# expect: ` first line", path.display()))
        .to_string()
}

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| OsString::from(v))
    }
}

#[test]
fn the_file_is_looked_for_in_flag_then_env_then_xdg_then_home() {
    let everything = [
        ("BERTH_CONFIG", "/etc/berth.toml"),
        ("XDG_CONFIG_HOME", "/xdg"),
        ("HOME", "/home/op"),
    ];
    let found = ConfigLocation::find_with(Some(Path::new("/flag.toml")), env(&everything));
    assert_eq!(
        found,
        Some(ConfigLocation {
            path: "/flag.toml".into(),
            required: true
        })
    );
    let found = ConfigLocation::find_with(None, env(&everything)).unwrap();
    assert_eq!(found.path, Path::new("/etc/berth.toml"));
    assert!(found.required);

    let found = ConfigLocation::find_with(None, env(&everything[1..])).unwrap();
    assert_eq!(found.path, Path::new("/xdg/berth/config.toml"));
    assert!(!found.required);

    let relative_xdg = [("XDG_CONFIG_HOME", "xdg"), ("HOME", "/home/op")];
    let found = ConfigLocation::find_with(None, env(&relative_xdg)).unwrap();
    assert_eq!(found.path, Path::new("/home/op/.config/berth/config.toml"));

    let empty_override = [("BERTH_CONFIG", ""), ("HOME", "/home/op")];
    let found = ConfigLocation::find_with(None, env(&empty_override)).unwrap();
    assert_eq!(found.path, Path::new("/home/op/.config/berth/config.toml"));

    assert_eq!(ConfigLocation::find_with(None, env(&[])), None);
    assert_eq!(
        config_dir_with(env(&[("HOME", "/root")])),
        Some(PathBuf::from("/root/.config/berth"))
    );
}

#[test]
fn a_named_file_must_exist_but_the_standard_one_need_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.toml");
    let named = ConfigLocation {
        path: path.clone(),
        required: true,
    };
    let err = named.load().unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read config {}", path.display())),
        "{err}"
    );
    let standard = ConfigLocation {
        path,
        required: false,
    };
    assert_eq!(standard.load().unwrap().0, Config::default());
}

/// The config's `profiles` and `regions` fill in for every command; a command that works
/// on one registry says where the several came from and how to pick one.
#[test]
fn one_registry_commands_say_the_config_listed_several() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "profiles = [\"prod\", \"staging\"]\n").unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_berth"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", dir.path())
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("run berth")
    };
    let out = run(&["uri", "payments/api:v1"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the config file lists profiles [prod, staging]")
            && stderr.contains("--profile NAME"),
        "{stderr}"
    );
    // Headless commands print config warnings on stderr (the TUI has its status line).
    std::fs::write(&config, "profiles = [\"prod\"]\ncolour = \"red\"\n").unwrap();
    let out = run(&[
        "uri",
        "payments/api:v1",
        "--endpoint-url",
        "http://127.0.0.1:9",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("colour"),
        "the unknown key is named:\n{stderr}"
    );
    // Given on the command line, several are the user's own doing: no word of the config.
    let out = run(&["uri", "--profile", "a", "--profile", "b", "payments/api:v1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("config file"));
}
