//! The regions `--all-regions` sweeps.

/// Every commercial AWS region that has ECR and is enabled on every account by default.
///
/// Regions launched since 2019 (af-south-1, ap-east-1, me-south-1, eu-south-1, …) are
/// opt-in: on an account that has not enabled one, every call fails with an invalid-token
/// error that looks exactly like a denied call. Sweeping them by default would make almost
/// every `--all-regions` report partial, so they are left to `--region`, which adds to
/// this list. GovCloud and China need separate credentials and are never included.
pub const ALL_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
];

/// `--region` values first (in the order given), then the default regions not named yet.
pub fn with_all_regions(named: &[String]) -> Vec<String> {
    let mut regions = named.to_vec();
    for region in ALL_REGIONS {
        if !regions.iter().any(|r| r == region) {
            regions.push((*region).to_string());
        }
    }
    regions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_regions_come_first_and_are_not_repeated() {
        let regions = with_all_regions(&["af-south-1".into(), "eu-west-1".into()]);
        assert_eq!(&regions[..2], ["af-south-1", "eu-west-1"]);
        assert_eq!(regions.len(), ALL_REGIONS.len() + 1);
        assert_eq!(regions.iter().filter(|r| *r == "eu-west-1").count(), 1);
    }
}
