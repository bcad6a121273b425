//! What storing a GiB for a month costs, for the monthly-cost estimates (`[cost]` in
//! config.toml).

/// `[cost]`: what a GiB stored for a month costs, for the monthly-cost estimates.
///
/// An estimate, not a bill: ECR charges for what each repository stores, at the price
/// of its region, and the price list changes. The default is ECR's published storage
/// price for private repositories, USD 0.10 per GB-month, the figure most regions use.
#[derive(Clone, Debug, PartialEq)]
pub struct StoragePrices {
    /// `storage_usd_per_gib_month`: the price where no region overrides it.
    pub storage_usd_per_gib_month: f64,
    /// `[cost.regions]`: region → price, for regions priced differently.
    pub regions: std::collections::BTreeMap<String, f64>,
}

/// ECR's published storage price for private repositories, per GB-month.
pub const DEFAULT_STORAGE_USD_PER_GIB_MONTH: f64 = 0.10;

impl Default for StoragePrices {
    fn default() -> Self {
        StoragePrices {
            storage_usd_per_gib_month: DEFAULT_STORAGE_USD_PER_GIB_MONTH,
            regions: Default::default(),
        }
    }
}

impl StoragePrices {
    /// The price per GiB-month in `region`.
    pub fn price(&self, region: &str) -> f64 {
        self.regions
            .get(region)
            .copied()
            .unwrap_or(self.storage_usd_per_gib_month)
    }
}
