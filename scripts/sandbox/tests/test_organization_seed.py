"""The organization seed (seed_organization.py), read back the way berth will read
it: ListAccounts from the management account, then every member through its
assumed OrganizationAccountAccessRole."""

import json

import pytest
from botocore.exceptions import ClientError

from helpers import all_pages, error_code

SANDBOX_ARGS = ["--seed", "organization"]
MANAGEMENT = "123456789012"
ROLE = "OrganizationAccountAccessRole"
NAMES = {
    MANAGEMENT: "management",
    "314159265358": "platform-shared",
    "271828182845": "payments-prod",
    "161803398874": "payments-dev",
    "141421356237": "sandbox-denied",
    "173205080756": "analytics-retired",
}
ID = {name: account for account, name in NAMES.items()}
ASSUMABLE = ["platform-shared", "payments-prod", "payments-dev"]


@pytest.fixture(scope="module")
def truth(sandbox):
    status, body = sandbox.call("GET", "organization")
    assert status == 200, body
    return body


@pytest.fixture(scope="module")
def credentials(sandbox):
    return {name: sandbox.assume(f"arn:aws:iam::{ID[name]}:role/{ROLE}", session="berth-seed") for name in ASSUMABLE}


def accounts_of(org):
    accounts, token = [], None
    while True:
        page = org.list_accounts(MaxResults=4, **({"NextToken": token} if token else {}))
        accounts += page["Accounts"]
        token = page.get("NextToken")
        if not token:
            return accounts


def test_list_accounts_names_every_account_with_its_state(sandbox, truth):
    accounts = accounts_of(sandbox.aws("organizations"))
    assert {a["Id"]: a["Name"] for a in accounts} == NAMES
    states = {a["Name"]: a["State"] for a in accounts}
    assert states.pop("analytics-retired") == "SUSPENDED"
    assert set(states.values()) == {"ACTIVE"}
    assert {a["Name"]: a["JoinedMethod"] for a in accounts}["sandbox-denied"] == "INVITED"
    # Oldest member first; join dates are the seed's.
    assert [a["Name"] for a in accounts][:2] == ["management", "platform-shared"]
    assert {(a["id"], a["name"], a["state"]) for a in truth["accounts"]} == {
        (a["Id"], a["Name"], a["State"]) for a in accounts
    }
    organization = sandbox.aws("organizations").describe_organization()["Organization"]
    assert organization["MasterAccountId"] == MANAGEMENT == truth["management_account"]
    assert organization["Id"] == truth["organization_id"]


def test_each_member_is_read_through_its_assumed_role(sandbox, truth, credentials):
    expected = {a["name"]: a for a in truth["accounts"]}
    for name in ASSUMABLE:
        keys = credentials[name]
        caller = sandbox.aws("sts", credentials=keys).get_caller_identity()
        assert caller["Account"] == ID[name]
        assert caller["Arn"] == f"arn:aws:sts::{ID[name]}:assumed-role/{ROLE}/berth-seed"
        status, summary = sandbox.call("GET", f"summary?account={ID[name]}")
        assert status == 200, summary
        assert sorted(summary["regions"]) == expected[name]["regions"]
        for region, repositories in expected[name]["repositories"].items():
            ecr = sandbox.aws("ecr", region, keys)
            listed, _ = all_pages(ecr.describe_repositories, "repositories", maxResults=2)
            assert sorted(r["repositoryName"] for r in listed) == repositories
            assert {r["registryId"] for r in listed} == {ID[name]}
            for repository in listed:
                images, _ = all_pages(ecr.describe_images, "imageDetails",
                                      repositoryName=repository["repositoryName"])
                held = summary["regions"][region]["repositories"][repository["repositoryName"]]
                assert len(images) == held["images"], (name, region, repository["repositoryName"])
    # Each member's registry is its own: the same repository name holds other images.
    digests = {
        name: {i["imageDigest"] for i in all_pages(sandbox.aws("ecr", credentials=credentials[name]).describe_images,
                                                    "imageDetails", repositoryName="payments/api")[0]}
        for name in ("payments-prod", "payments-dev")
    }
    assert digests["payments-prod"] and digests["payments-dev"]
    assert not digests["payments-prod"] & digests["payments-dev"]


def test_the_management_account_holds_no_registry(sandbox):
    for region in ("us-east-1", "eu-west-1"):
        assert sandbox.aws("ecr", region).describe_repositories()["repositories"] == []


def test_denied_and_closed_accounts_refuse_the_role(sandbox, truth):
    assumable = {a["name"]: a["role_assumable"] for a in truth["accounts"] if not a["management"]}
    assert sorted(n for n, ok in assumable.items() if ok) == sorted(ASSUMABLE)
    for name in ("sandbox-denied", "analytics-retired"):
        role = f"arn:aws:iam::{ID[name]}:role/{ROLE}"
        with pytest.raises(ClientError) as excinfo:
            sandbox.assume(role)
        assert error_code(excinfo) == "AccessDenied", name
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_eu_south_1_is_enabled_only_in_payments_prod(sandbox, credentials, truth):
    enabled = {a["name"]: a.get("opt_in_regions_enabled") for a in truth["accounts"]}
    assert enabled["payments-prod"] == ["eu-south-1"] and enabled["payments-dev"] == []
    prod = sandbox.aws("ecr", "eu-south-1", credentials["payments-prod"]).describe_repositories()["repositories"]
    assert [r["repositoryName"] for r in prod] == ["payments/archive-exporter"]
    for name in ("platform-shared", "payments-dev"):
        with pytest.raises(ClientError) as excinfo:
            sandbox.aws("ecr", "eu-south-1", credentials[name]).describe_repositories()
        assert error_code(excinfo) == "UnrecognizedClientException", name


def test_the_central_registry_replicates_base_images(sandbox, credentials, truth):
    central = truth["central_registry"]
    assert central["account"] == ID["platform-shared"]
    ecr = sandbox.aws("ecr", credentials=credentials["platform-shared"])
    (rule,) = ecr.describe_registry()["replicationConfiguration"]["rules"]
    destinations = {(d["registryId"], d["region"]) for d in rule["destinations"]}
    assert destinations == {(d["account"], d["region"]) for d in central["destinations"]}
    assert destinations == {(ID[n], "us-east-1") for n in ("payments-prod", "payments-dev", "sandbox-denied")}
    for repository in ("base/python", "base/node"):
        source, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=repository)
        assert source
        for name in ("payments-prod", "payments-dev"):
            replica, _ = all_pages(sandbox.aws("ecr", credentials=credentials[name]).describe_images,
                                   "imageDetails", repositoryName=repository)
            assert {(i["imageDigest"], tuple(sorted(i.get("imageTags", [])))) for i in replica} == {
                (i["imageDigest"], tuple(sorted(i.get("imageTags", [])))) for i in source
            }, (repository, name)
        newest = max(source, key=lambda i: i["imagePushedAt"])
        statuses = ecr.describe_image_replication_status(
            repositoryName=repository, imageId={"imageDigest": newest["imageDigest"]})["replicationStatuses"]
        assert {(s["registryId"], s["status"]) for s in statuses} == {(a, "COMPLETE") for a, _ in destinations}
    # Any account of the organization may pull from the central registry.
    policy = json.loads(ecr.get_repository_policy(repositoryName="shared/envoy")["policyText"])
    (statement,) = policy["Statement"]
    assert statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"] == truth["organization_id"]
    assert "ecr:BatchGetImage" in statement["Action"]


def test_payments_prod_runs_an_image_of_platform_shared(sandbox, credentials, truth):
    keys = credentials["payments-prod"]
    ecs = sandbox.aws("ecs", credentials=keys)
    (service,) = ecs.describe_services(cluster="payments", services=["payments-gateway"])["services"]
    assert service["runningCount"] == 2
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    envoy_uri, api_uri = (c["image"] for c in definition["containerDefinitions"])
    host = f"{ID['platform-shared']}.dkr.ecr.us-east-1.amazonaws.com/"
    assert envoy_uri.startswith(host + "shared/envoy:")
    tag = envoy_uri.rsplit(":", 1)[1]
    (envoy,) = sandbox.aws("ecr", credentials=credentials["platform-shared"]).describe_images(
        repositoryName="shared/envoy", imageIds=[{"imageTag": tag}])["imageDetails"]
    tasks, _ = all_pages(ecs.list_tasks, "taskArns", cluster="payments")
    described = ecs.describe_tasks(cluster="payments", tasks=tasks)["tasks"]
    assert len(described) == 2
    for task in described:
        assert [c["imageDigest"] for c in task["containers"]] == [envoy["imageDigest"], api_uri.split("@", 1)[1]]
    # The seed's own account of it agrees, naming the account that uses the image.
    used = {(u["account_name"], u["repository"], u["digest"]): u["users"] for u in truth["usage"]}
    envoy_users = used[("platform-shared", "shared/envoy", envoy["imageDigest"])]
    assert {(u["account_name"], u["kind"]) for u in envoy_users} == {
        ("payments-prod", "ecs_service"), ("payments-prod", "ecs_task")}
    assert sorted(u["name"] for u in envoy_users if u["kind"] == "ecs_task") == sorted(t["taskArn"].rsplit("/", 1)[1]
                                                                                       for t in described)
    # Nothing runs in platform-shared itself; the Lambda function is payments-prod's.
    assert sandbox.aws("ecs", credentials=credentials["platform-shared"]).list_clusters()["clusterArns"] == []
    code = sandbox.aws("lambda", credentials=keys).get_function(FunctionName="settlement-hook")["Code"]
    digest = code["ResolvedImageUri"].split("@", 1)[1]
    assert used[("payments-prod", "payments/worker", digest)][0]["kind"] == "lambda"


def test_summary_lists_the_organization(sandbox):
    import subprocess
    import sys

    from helpers import SERVER

    def read_summary():
        return json.loads(subprocess.run(
            [sys.executable, SERVER, "--seed", "organization", "--summary", "--anchor", "2026-11-01T00:00:00Z"],
            capture_output=True, check=True, timeout=120,
        ).stdout)

    summary, again = read_summary(), read_summary()
    # The same anchor gives the same registries, image for image.
    assert [a["fingerprint"] for a in summary["accounts"]] == [a["fingerprint"] for a in again["accounts"]]
    by_name = {a["name"]: a for a in summary["accounts"]}
    assert sorted(by_name) == sorted(NAMES.values())
    assert by_name["management"]["registries"] == {}
    assert by_name["payments-prod"]["registries"]["us-east-1"]["totals"]["repositories"] == 4
    assert by_name["analytics-retired"]["state"] == "SUSPENDED"


def test_payments_prod_may_not_delete_images(sandbox, credentials, truth):
    denied = {a["name"]: a.get("denied_actions") for a in truth["accounts"]}
    assert denied["payments-prod"] == ["ecr:BatchDeleteImage", "ecr:DeleteRepository"]
    assert not denied["payments-dev"]
    org = sandbox.aws("organizations")
    policies = org.list_policies_for_target(TargetId=ID["payments-prod"], Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert {p["Name"] for p in policies} == {"FullAWSAccess", "payments-prod-image-retention"}
    prod = sandbox.aws("ecr", credentials=credentials["payments-prod"])
    (image,) = prod.describe_images(repositoryName="payments/worker", maxResults=1)["imageDetails"]
    with pytest.raises(ClientError) as excinfo:
        prod.batch_delete_image(repositoryName="payments/worker", imageIds=[{"imageDigest": image["imageDigest"]}])
    assert error_code(excinfo) == "AccessDeniedException"
    assert "ecr:BatchDeleteImage with an explicit deny in a service control policy" in \
        excinfo.value.response["Error"]["Message"]
    # The image is still there; payments-dev has no such policy.
    assert prod.describe_images(repositoryName="payments/worker", imageIds=[{"imageDigest": image["imageDigest"]}])
    dev = sandbox.aws("ecr", credentials=credentials["payments-dev"])
    dev.create_repository(repositoryName="scratch/throwaway")
    dev.delete_repository(repositoryName="scratch/throwaway")
