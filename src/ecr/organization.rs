//! The accounts of an AWS Organization, for `--organization`: organizations:ListAccounts
//! (every page) from the base credentials, active accounts only.

use super::client::ClientOptions;
use super::error::{EcrError, classify};
use super::model::{CredentialSource, MemberAccount, RegistryTarget};
use crate::sanitize::sanitize;

/// The role berth assumes in each member account unless told otherwise: the one AWS
/// Organizations creates in every account it creates.
pub const DEFAULT_ROLE: &str = "OrganizationAccountAccessRole";

/// One account as ListAccounts lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgAccount {
    pub id: String,
    pub name: String,
}

/// Whether an account ListAccounts lists is in use. AWS reports `State` (and, until its
/// retirement, `Status`); an account that is suspended, closed or not yet active has no
/// registry to read.
fn is_active(account: &aws_sdk_organizations::types::Account) -> bool {
    use aws_sdk_organizations::types::{AccountState, AccountStatus};
    match (account.state(), account.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => false,
    }
}

/// The organization's active accounts, by id, read from the credentials of `via` (a
/// profile; the default chain when None). Organizations is a global service answered
/// in us-east-1 (`aws` partition).
pub async fn active_accounts(
    via: Option<&str>,
    options: &ClientOptions,
) -> Result<Vec<OrgAccount>, EcrError> {
    let base = base_target(via);
    let config = super::client::config_loader(&base, options)?.load().await;
    let client = aws_sdk_organizations::Client::new(&config);
    let mut accounts = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .list_accounts()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|err| classify(err, "organizations:ListAccounts", base.source.label()))?;
        accounts.extend(
            page.accounts()
                .iter()
                .filter(|a| is_active(a))
                .filter_map(|a| {
                    // Ids are used in ARNs and shown: only 12-digit ones are kept.
                    let id = a.id().filter(|id| is_account_id(id))?;
                    Some(OrgAccount {
                        id: id.to_string(),
                        name: sanitize(a.name().unwrap_or_default()).into_owned(),
                    })
                }),
        );
        match page.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => break,
        }
    }
    accounts.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(accounts)
}

/// Where the member accounts come from: the organization (`--organization`), the
/// config's `accounts` list, or both; and how berth reaches them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountSource {
    /// List the organization's active accounts (organizations:ListAccounts).
    pub organization: bool,
    /// Account ids named in the config (`accounts = [...]`).
    pub listed: Vec<String>,
    /// The role assumed in each account.
    pub role: String,
    /// The profile whose credentials list the organization and assume the roles; the
    /// default chain when None.
    pub via: Option<String>,
}

impl AccountSource {
    /// Whether berth works on member accounts rather than profiles.
    pub fn is_set(&self) -> bool {
        self.organization || !self.listed.is_empty()
    }

    /// The accounts: the organization's active ones, then the listed ones it does not
    /// hold (by id; named when the organization names them). The account the base
    /// credentials belong to is reached with them directly (an empty role): the
    /// organization's management account holds no role to assume in itself.
    pub async fn accounts(&self, options: &ClientOptions) -> Result<Vec<MemberAccount>, EcrError> {
        let mut found: Vec<OrgAccount> = if self.organization {
            active_accounts(self.via.as_deref(), options).await?
        } else {
            Vec::new()
        };
        for id in &self.listed {
            if !found.iter().any(|a| &a.id == id) {
                found.push(OrgAccount {
                    id: id.clone(),
                    name: String::new(),
                });
            }
        }
        let own = own_account(self.via.as_deref(), options).await.ok();
        Ok(found
            .into_iter()
            .map(|account| MemberAccount {
                role: if own.as_deref() == Some(account.id.as_str()) {
                    String::new()
                } else {
                    self.role.clone()
                },
                id: account.id,
                name: account.name,
                via: self.via.clone(),
            })
            .collect())
    }
}

/// The account the base credentials belong to (sts:GetCallerIdentity).
async fn own_account(via: Option<&str>, options: &ClientOptions) -> Result<String, EcrError> {
    let base = base_target(via);
    let config = super::client::config_loader(&base, options)?.load().await;
    let out = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|err| classify(err, "sts:GetCallerIdentity", base.source.label()))?;
    Ok(out.account().unwrap_or_default().to_string())
}

/// The base credentials as a registry target in us-east-1, where the global services
/// (Organizations, STS's global endpoint) answer.
fn base_target(via: Option<&str>) -> RegistryTarget {
    RegistryTarget::new(
        via.map_or(CredentialSource::Environment, |p| {
            CredentialSource::Profile(p.to_string())
        }),
        "us-east-1",
    )
}

/// Whether `id` is an AWS account id: 12 digits.
pub fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The registries of `accounts` in `regions`, account by account in the order given.
pub fn member_targets(accounts: &[MemberAccount], regions: &[String]) -> Vec<RegistryTarget> {
    accounts
        .iter()
        .flat_map(|account| {
            regions.iter().map(move |region| {
                RegistryTarget::new(CredentialSource::Member(account.clone()), region.clone())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_account_in_every_region_through_the_role() {
        let member = |id: &str, name: &str| MemberAccount {
            id: id.into(),
            name: name.into(),
            role: DEFAULT_ROLE.into(),
            via: Some("admin".into()),
        };
        let accounts = [
            member("111122223333", "payments-prod"),
            member("444455556666", ""),
        ];
        let regions = ["us-east-1".to_string(), "eu-west-1".to_string()];
        let targets = member_targets(&accounts, &regions);
        let labels: Vec<String> = targets.iter().map(RegistryTarget::label).collect();
        assert_eq!(
            labels,
            [
                "payments-prod/us-east-1",
                "payments-prod/eu-west-1",
                "444455556666/us-east-1",
                "444455556666/eu-west-1"
            ]
        );
        let member = targets[0].source.member().unwrap();
        assert_eq!(member.via.as_deref(), Some("admin"));
        assert_eq!(
            member.role_arn("us-east-1"),
            "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
        );
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("111122223333"));
        assert!(!is_account_id("11112222333"));
        assert!(!is_account_id("11112222333x"));
        assert!(!is_account_id("\u{1b}[2J11112222"));
    }
}
