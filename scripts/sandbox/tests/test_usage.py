"""ECS and Lambda workloads that use sandbox images (usage.py)."""

import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import all_pages, error_code, image_manifest

SANDBOX_ARGS = ["--seed", "standard"]
ACCOUNT = "123456789012"
HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


def client(server, service):
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def ecs(sandbox):
    return client(sandbox, "ecs")


@pytest.fixture(scope="module")
def lam(sandbox):
    return client(sandbox, "lambda")


@pytest.fixture(scope="module")
def truth(sandbox):
    status, body = sandbox.call("GET", "usage")
    assert status == 200, body
    return body["repositories"]


def functions_of(lam, **kwargs):
    items, pages = [], 0
    marker = None
    while True:
        response = lam.list_functions(**kwargs, **({"Marker": marker} if marker else {}))
        items.extend(response["Functions"])
        pages += 1
        marker = response.get("NextMarker")
        if not marker:
            return items, pages


def test_clusters_services_and_tasks_page_like_ecs(ecs):
    clusters, pages = all_pages(ecs.list_clusters, "clusterArns", maxResults=1)
    assert sorted(c.rsplit("/", 1)[1] for c in clusters) == ["batch", "prod"]
    assert pages == 2
    services, pages = all_pages(ecs.list_services, "serviceArns", cluster="prod", maxResults=1)
    assert sorted(s.rsplit("/", 1)[1] for s in services) == ["payments-api", "web-frontend"]
    assert pages == 2
    tasks, _ = all_pages(ecs.list_tasks, "taskArns", cluster="prod", maxResults=2)
    assert len(tasks) == 3
    with pytest.raises(ClientError) as excinfo:
        ecs.list_services(cluster="prod", nextToken="not-a-token")
    assert error_code(excinfo) == "InvalidParameterException"
    with pytest.raises(ClientError) as excinfo:
        ecs.describe_services(cluster="prod", services=[f"s{i}" for i in range(11)])
    assert error_code(excinfo) == "InvalidParameterException"


def test_tasks_report_the_digest_each_container_runs(ecs, truth):
    tasks, _ = all_pages(ecs.list_tasks, "taskArns", cluster="prod")
    described = ecs.describe_tasks(cluster="prod", tasks=tasks)["tasks"]
    by_group = {}
    for task in described:
        by_group.setdefault(task["group"], []).append(task)
    assert sorted(by_group) == ["service:payments-api", "service:web-frontend"]
    frontend = truth["web/frontend"][0]["digest"]
    for task in by_group["service:web-frontend"]:
        (container,) = task["containers"]
        assert container["image"].startswith(f"{HOST}/web/frontend:")
        assert container["imageDigest"] == frontend
    (payments,) = by_group["service:payments-api"]
    images = [c["image"] for c in payments["containers"]]
    assert images[0] == f"{HOST}/payments/api@{truth['payments/api'][0]['digest']}"
    assert images[1].startswith("public.ecr.aws/")


def test_service_task_definitions_name_images_by_tag_and_digest(sandbox, ecs, truth):
    services = ecs.describe_services(cluster="prod", services=["web-frontend", "payments-api"])["services"]
    images = {}
    for service in services:
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        images[service["serviceName"]] = definition["containerDefinitions"][0]["image"]
        assert service["runningCount"] == service["desiredCount"]
    tag = truth["web/frontend"][0]["users"][0]["tag"]
    assert images["web-frontend"] == f"{HOST}/web/frontend:{tag}"
    assert images["payments-api"].endswith("@" + truth["payments/api"][0]["digest"])
    # The tag names the image the tasks run.
    ecr = sandbox.client()
    (detail,) = ecr.describe_images(repositoryName="web/frontend", imageIds=[{"imageTag": tag}])["imageDetails"]
    assert detail["imageDigest"] == truth["web/frontend"][0]["digest"]


def test_image_functions_resolve_to_the_sandbox_digest(lam, truth):
    functions, pages = functions_of(lam, MaxItems=1)
    assert pages == 4
    kinds = {f["FunctionName"]: f["PackageType"] for f in functions}
    assert kinds == {"thumbnailer": "Image", "invoice-renderer": "Image", "partner-hook": "Image", "legacy-zip": "Zip"}
    thumbnailer = lam.get_function(FunctionName="thumbnailer")["Code"]
    digest = truth["platform/notifications"][0]["digest"]
    assert ":" in thumbnailer["ImageUri"].rsplit("/", 1)[1], "configured by tag"
    assert thumbnailer["ResolvedImageUri"] == f"{HOST}/platform/notifications@{digest}"
    renderer = lam.get_function(FunctionName="invoice-renderer")["Code"]
    digest = truth["checkout/pricing"][0]["digest"]
    assert renderer["ImageUri"] == f"{HOST}/checkout/pricing@{digest}"
    assert renderer["ResolvedImageUri"] == renderer["ImageUri"]


def test_a_function_created_over_the_api_resolves_its_image(sandbox, lam):
    ecr = sandbox.client()
    ecr.create_repository(repositoryName="team/fn")
    manifest = image_manifest("team/fn")
    digest = ecr.put_image(repositoryName="team/fn", imageManifest=manifest, imageTag="v7")["image"]["imageId"]["imageDigest"]
    iam = client(sandbox, "iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    lam.create_function(FunctionName="api-made", Role=role["Role"]["Arn"], PackageType="Image",
                        Code={"ImageUri": f"{HOST}/team/fn:v7"})
    code = lam.get_function(FunctionName="api-made")["Code"]
    assert code["ResolvedImageUri"] == f"{HOST}/team/fn@{digest}"
    lam.delete_function(FunctionName="api-made")


def test_plain_moto_mangles_resolved_uris_of_images_given_by_digest(plain):
    iam = client(plain, "iam")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    lam = client(plain, "lambda")
    digest = "sha256:" + "ab" * 32
    lam.create_function(FunctionName="by-digest", Role=role["Role"]["Arn"], PackageType="Image",
                        Code={"ImageUri": f"{HOST}/team/fn@{digest}"})
    resolved = lam.get_function(FunctionName="by-digest")["Code"]["ResolvedImageUri"]
    assert resolved != f"{HOST}/team/fn@{digest}"
    assert "@sha256@" in resolved
