//! The only code that knows aws-sdk-lambda: the calls a usage survey makes, converted to
//! berth's own types.

use super::{FunctionImage, FunctionVersion, LambdaSource};
use crate::ecr::EcrError;
use crate::ecr::assume::classified;
use crate::ecr::error::classify;
use crate::ecr::model::{Page, RegistryTarget};
use crate::sanitize::sanitize;
use async_trait::async_trait;
use aws_sdk_lambda::types::{FunctionVersion as ListedVersions, PackageType};

/// The largest page ListFunctions serves.
const MAX_LIST_PAGE: i32 = 50;
/// The version Lambda edits in place; other versions are published snapshots.
const LATEST: &str = "$LATEST";

/// Lambda reached through aws-sdk-lambda.
pub struct LambdaClient {
    client: aws_sdk_lambda::Client,
    /// `profile/region`, the subject of error messages about listings.
    subject: String,
}

impl LambdaClient {
    /// The client for `target`'s account and region, from its loaded AWS configuration
    /// (see [`super::sdk_config`]); see `classified!` for how calls are retried.
    pub fn for_target(config: &aws_config::SdkConfig, target: &RegistryTarget) -> Self {
        let builder = classified!(aws_sdk_lambda::config::Builder::from(config), target);
        LambdaClient {
            client: aws_sdk_lambda::Client::from_conf(builder.build()),
            subject: target.label(),
        }
    }
}

#[async_trait]
impl LambdaSource for LambdaClient {
    async fn image_functions_page(
        &self,
        next: Option<String>,
    ) -> Result<Page<FunctionVersion>, EcrError> {
        // Every version, not only $LATEST: an alias may still route traffic to a published
        // version built from an older image.
        let out = self
            .client
            .list_functions()
            .function_version(ListedVersions::All)
            .max_items(MAX_LIST_PAGE)
            .set_marker(next)
            .send()
            .await
            .map_err(|e| classify(e, "lambda:ListFunctions", &self.subject))?;
        Ok(Page {
            items: out
                .functions()
                .iter()
                .filter(|f| f.package_type() == Some(&PackageType::Image))
                .filter_map(|f| {
                    Some(FunctionVersion {
                        name: sanitize(f.function_name()?).into_owned(),
                        version: f.version().unwrap_or(LATEST).to_string(),
                    })
                })
                .collect(),
            next_token: out.next_marker().map(str::to_string),
        })
    }

    async fn function_image(&self, function: &FunctionVersion) -> Result<FunctionImage, EcrError> {
        let mut call = self.client.get_function().function_name(&function.name);
        if function.version != LATEST {
            call = call.qualifier(&function.version);
        }
        let out = call.send().await.map_err(|e| {
            let not_found = e
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception());
            let err = classify(e, "lambda:GetFunction", &function.name);
            match err {
                // Lambda's own code for it; the ECR classifier does not know it.
                EcrError::Service {
                    action,
                    subject,
                    message,
                    ..
                } if not_found => EcrError::NotFound {
                    action,
                    subject,
                    message,
                },
                other => other,
            }
        })?;
        let code = out.code();
        let clean = |text: Option<&str>| text.map(|t| sanitize(t).into_owned());
        Ok(FunctionImage {
            image_uri: clean(code.and_then(|c| c.image_uri())),
            resolved_image_uri: clean(code.and_then(|c| c.resolved_image_uri())),
        })
    }
}
