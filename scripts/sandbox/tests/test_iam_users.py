"""IAM enforcement: users with inline policies, moto checking every ECR call."""

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import image_manifest

OPERATOR_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"},
        {"Effect": "Deny", "Action": ["ecr:BatchDeleteImage", "ecr:PutImage"], "Resource": "*"},
    ],
}
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def client(sandbox, user):
    return boto3.client(
        "ecr",
        endpoint_url=sandbox.url,
        region_name="us-east-1",
        aws_access_key_id=user["access_key_id"],
        aws_secret_access_key=user["secret_access_key"],
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def users(sandbox, ecr):
    # Data first, while anyone may write; then the users; then enforcement.
    ecr.create_repository(repositoryName="iam/app")
    ecr.put_image(repositoryName="iam/app", imageManifest=image_manifest("iam/app:1"), imageTag="v1")
    status, body = sandbox.call("POST", "iam-users", {
        "users": [{"name": "operator", "policy": OPERATOR_POLICY}, {"name": "admin", "policy": ADMIN_POLICY}],
        "enforce": True,
    })
    assert status == 200, body
    assert body["enforcing"] is True
    yield {u["name"]: u for u in body["users"]}
    status, body = sandbox.call("POST", "iam-users", {"enforce": False})
    assert status == 200 and body["enforcing"] is False


def test_denied_actions_answer_403_with_the_action_named(sandbox, users):
    operator = client(sandbox, users["operator"])
    bodies = []
    operator.meta.events.register("after-call.ecr", lambda http_response, **_: bodies.append(http_response.content))
    assert [r["repositoryName"] for r in operator.describe_repositories()["repositories"]] == ["iam/app"]
    assert len(operator.describe_images(repositoryName="iam/app")["imageDetails"]) == 1
    for action, call in (
        ("BatchDeleteImage", lambda: operator.batch_delete_image(repositoryName="iam/app", imageIds=[{"imageTag": "v1"}])),
        ("PutImage", lambda: operator.put_image(repositoryName="iam/app", imageManifest=image_manifest("iam/app:1"), imageTag="v2")),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        # The body is IAM's XML, which an ECR (JSON) client cannot parse: botocore
        # reports the code as "403". The XML names the code and the action.
        body = bodies[-1].decode()
        assert "<Code>AccessDenied</Code>" in body and f"ecr:{action}" in body, body
    # Nothing changed: the admin still sees the image with its one tag.
    admin = client(sandbox, users["admin"])
    [image] = admin.describe_images(repositoryName="iam/app")["imageDetails"]
    assert image["imageTags"] == ["v1"]


def test_unknown_keys_are_refused_while_enforcing(sandbox, users):
    with pytest.raises(ClientError) as raised:
        sandbox.client().describe_repositories()
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sandbox_routes_still_answer_while_enforcing(sandbox, users):
    status, body = sandbox.call("GET", "summary")
    assert status == 200, body


def test_bad_requests_are_400(sandbox, users):
    status, _ = sandbox.call("POST", "iam-users", {"users": [{"name": "nopolicy"}]})
    assert status == 400
    status, body = sandbox.call("POST", "iam-users", {"users": [{"name": "operator", "policy": ADMIN_POLICY}]})
    assert status == 400 and body["error"] == "EntityAlreadyExists"
    status, _ = sandbox.call("POST", "iam-users", {"enforce": "yes"})
    assert status == 400
