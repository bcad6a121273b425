//! Which registries to offer: profiles from the AWS config files × regions.

use super::model::{CredentialSource, RegistryTarget};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A profile found in the AWS config or credentials file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileInfo {
    pub name: String,
    pub region: Option<String>,
}

/// Parse the profile sections of an AWS config (`[profile x]`, `[default]`) or credentials
/// file (`[x]`). Only names and `region` matter here; aws-config does the real loading.
pub fn parse_profiles(text: &str, is_config_file: bool) -> Vec<ProfileInfo> {
    let mut profiles: Vec<ProfileInfo> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let section = section.trim();
            let name = if is_config_file {
                match section.strip_prefix("profile") {
                    Some(rest) if rest.starts_with(char::is_whitespace) => Some(rest.trim()),
                    _ if section == "default" => Some("default"),
                    // sso-session, services and other sections are not profiles
                    _ => None,
                }
            } else {
                Some(section)
            };
            current = name.filter(|n| !n.is_empty()).map(|name| {
                profiles
                    .iter()
                    .position(|p| p.name == name)
                    .unwrap_or_else(|| {
                        profiles.push(ProfileInfo {
                            name: name.to_string(),
                            region: None,
                        });
                        profiles.len() - 1
                    })
            });
            continue;
        }
        if let (Some(index), Some((key, value))) = (current, line.split_once('='))
            && key.trim() == "region"
        {
            profiles[index].region = Some(value.trim().to_string());
        }
    }
    profiles
}

/// What the environment says about profiles and regions (injected so tests stay hermetic).
#[derive(Clone, Debug, Default)]
pub struct AwsEnvironment {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub config_file: Option<String>,
    pub credentials_file: Option<String>,
}

impl AwsEnvironment {
    /// Read `AWS_PROFILE`, `AWS_REGION`/`AWS_DEFAULT_REGION` and the two config files.
    pub fn from_process() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let home = var("HOME").map(PathBuf::from);
        let path = |env_name: &str, default: &str| {
            var(env_name)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
        };
        let read = |p: Option<PathBuf>| p.and_then(|p| std::fs::read_to_string(p).ok());
        AwsEnvironment {
            profile: var("AWS_PROFILE"),
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")),
            config_file: read(path("AWS_CONFIG_FILE", "config")),
            credentials_file: read(path("AWS_SHARED_CREDENTIALS_FILE", "credentials")),
        }
    }

    /// All profiles of both files, config-file regions winning.
    pub fn profiles(&self) -> Vec<ProfileInfo> {
        let mut merged: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (text, is_config) in [
            (self.credentials_file.as_deref(), false),
            (self.config_file.as_deref(), true),
        ] {
            for profile in parse_profiles(text.unwrap_or_default(), is_config) {
                let entry = merged.entry(profile.name).or_default();
                if profile.region.is_some() {
                    *entry = profile.region;
                }
            }
        }
        merged
            .into_iter()
            .map(|(name, region)| ProfileInfo { name, region })
            .collect()
    }
}

/// The registries berth offers, the current one first.
///
/// With `--profile`, only those profiles; otherwise the current credentials (AWS_PROFILE or
/// the default chain) followed by every other profile in the files. With `--region`, each
/// source × each region; otherwise each source's own region. A source with no region at
/// all still gets a row (region `?`) so the UI can say how to set one.
pub fn registry_targets(
    env: &AwsEnvironment,
    profiles_flag: &[String],
    regions_flag: &[String],
) -> Vec<RegistryTarget> {
    let known = env.profiles();
    let region_of = |profile: Option<&str>| -> Option<String> {
        let name = profile.unwrap_or("default");
        env.region.clone().or_else(|| {
            known
                .iter()
                .find(|p| p.name == name)
                .and_then(|p| p.region.clone())
        })
    };
    let mut sources: Vec<CredentialSource> = Vec::new();
    if profiles_flag.is_empty() {
        sources.push(match &env.profile {
            Some(p) => CredentialSource::Profile(p.clone()),
            None => CredentialSource::Environment,
        });
        for profile in &known {
            let source = CredentialSource::Profile(profile.name.clone());
            // The default profile is what the environment source already uses.
            if (env.profile.is_none() && profile.name == "default") || sources.contains(&source) {
                continue;
            }
            sources.push(source);
        }
    } else {
        for name in profiles_flag {
            let source = CredentialSource::Profile(name.clone());
            if !sources.contains(&source) {
                sources.push(source);
            }
        }
    }
    let mut targets = Vec::new();
    for source in sources {
        let regions: Vec<String> = if regions_flag.is_empty() {
            vec![region_of(source.profile()).unwrap_or_else(|| "?".to_string())]
        } else {
            regions_flag.to_vec()
        };
        for region in regions {
            let target = RegistryTarget::new(source.clone(), region);
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[default]
region = us-east-1

[profile prod]
region=eu-west-1
sso_session = corp

[sso-session corp]
sso_region = us-east-1

[profile staging]
";
    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = x
[ci]
aws_access_key_id = y
";

    fn env() -> AwsEnvironment {
        AwsEnvironment {
            profile: None,
            region: None,
            config_file: Some(CONFIG.into()),
            credentials_file: Some(CREDENTIALS.into()),
        }
    }

    #[test]
    fn config_file_sections_become_profiles_but_sso_sessions_do_not() {
        let profiles = parse_profiles(CONFIG, true);
        let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["default", "prod", "staging"]);
        assert_eq!(profiles[1].region.as_deref(), Some("eu-west-1"));
        assert_eq!(profiles[2].region, None);
    }

    #[test]
    fn current_credentials_come_first_then_other_profiles() {
        let targets = registry_targets(&env(), &[], &[]);
        let labels: Vec<_> = targets.iter().map(RegistryTarget::label).collect();
        assert_eq!(
            labels,
            ["env/us-east-1", "ci/?", "prod/eu-west-1", "staging/?"]
        );
    }

    #[test]
    fn aws_profile_is_current_and_region_flags_multiply() {
        let mut env = env();
        env.profile = Some("prod".into());
        let targets = registry_targets(
            &env,
            &["prod".into()],
            &["eu-west-1".into(), "us-west-2".into()],
        );
        let labels: Vec<_> = targets.iter().map(RegistryTarget::label).collect();
        assert_eq!(labels, ["prod/eu-west-1", "prod/us-west-2"]);
    }

    #[test]
    fn a_source_without_any_region_still_gets_a_row() {
        let env = AwsEnvironment::default();
        let targets = registry_targets(&env, &[], &[]);
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].label(), "env/?");
    }
}
