"""PutImage and friends: digests, sizes and ids as ECR computes them."""

from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from helpers import digest_of, error_code, image_manifest, index_manifest


@pytest.fixture(scope="module")
def repo(ecr):
    ecr.create_repository(repositoryName="push/app")
    return "push/app"


@pytest.fixture(scope="module")
def plain_repo(plain_ecr):
    plain_ecr.create_repository(repositoryName="push/app")
    return "push/app"


def test_digest_is_sha256_of_the_manifest_bytes(ecr, repo):
    text = image_manifest("digest")
    pushed = ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="d1")
    assert pushed["image"]["imageId"]["imageDigest"] == digest_of(text)
    described = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "d1"}])
    assert described["imageDetails"][0]["imageDigest"] == digest_of(text)


def test_plain_moto_digest_is_not_the_manifest_hash(plain_ecr, plain_repo):
    text = image_manifest("digest")
    pushed = plain_ecr.put_image(repositoryName=plain_repo, imageManifest=text, imageTag="d1")
    assert pushed["image"]["imageId"]["imageDigest"] != digest_of(text)


def test_wrong_digest_is_rejected(ecr, repo):
    text = image_manifest("wrong-digest")
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="w1", imageDigest="sha256:" + "0" * 64)
    assert error_code(excinfo) == "ImageDigestDoesNotMatchException"
    # The right digest is accepted.
    ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="w1", imageDigest=digest_of(text))


def test_plain_moto_accepts_a_wrong_digest(plain_ecr, plain_repo):
    text = image_manifest("wrong-digest")
    plain_ecr.put_image(repositoryName=plain_repo, imageManifest=text, imageTag="w1", imageDigest="sha256:" + "0" * 64)


def test_size_is_the_sum_of_the_layers(ecr, repo):
    ecr.put_image(repositoryName=repo, imageManifest=image_manifest("size", (5_000_000, 300, 70_000_000), config_size=4321), imageTag="s1")
    detail = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "s1"}])["imageDetails"][0]
    assert detail["imageSizeInBytes"] == 75_000_300
    assert detail["artifactMediaType"] == "application/vnd.docker.container.image.v1+json"


def test_plain_moto_size_is_the_config_blob(plain_ecr, plain_repo):
    plain_ecr.put_image(repositoryName=plain_repo, imageManifest=image_manifest("size", (5_000_000, 300, 70_000_000), config_size=4321), imageTag="s1")
    detail = plain_ecr.describe_images(repositoryName=plain_repo, imageIds=[{"imageTag": "s1"}])["imageDetails"][0]
    assert detail["imageSizeInBytes"] == 4321


def test_manifest_list_size_is_the_largest_child(ecr, repo):
    amd64 = image_manifest("multi-amd64", (10_000, 20_000))
    arm64 = image_manifest("multi-arm64", (10_000, 25_000))
    for child in (amd64, arm64):
        ecr.put_image(repositoryName=repo, imageManifest=child)
    index = index_manifest([amd64, arm64])
    pushed = ecr.put_image(repositoryName=repo, imageManifest=index, imageTag="multi")
    assert pushed["image"]["imageId"]["imageDigest"] == digest_of(index)
    detail = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "multi"}])["imageDetails"][0]
    assert detail["imageSizeInBytes"] == 35_000
    assert detail["imageManifestMediaType"] == "application/vnd.oci.image.index.v1+json"


def test_manifest_list_needs_its_children(ecr, repo):
    index = index_manifest([image_manifest("absent-amd64"), image_manifest("absent-arm64")])
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName=repo, imageManifest=index, imageTag="orphan")
    assert error_code(excinfo) == "ReferencedImagesNotFoundException"


def test_missing_repository_is_repository_not_found(ecr):
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName="push/absent", imageManifest=image_manifest("x"), imageTag="x")
    assert error_code(excinfo) == "RepositoryNotFoundException"


def test_batch_get_image_answers_in_the_form_asked(ecr, repo):
    text = image_manifest("pull", (1, 2))
    ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="p1")
    ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="p2")
    response = ecr.batch_get_image(
        repositoryName=repo,
        imageIds=[{"imageTag": "p2"}, {"imageDigest": digest_of(text)}, {"imageTag": "nope"}],
    )
    ids = [image["imageId"] for image in response["images"]]
    assert ids == [{"imageDigest": digest_of(text), "imageTag": "p2"}, {"imageDigest": digest_of(text)}]
    assert all(image["imageManifest"] == text for image in response["images"])
    assert [f["failureCode"] for f in response["failures"]] == ["ImageNotFound"]
    assert response["failures"][0]["imageId"] == {"imageTag": "nope"}


def test_authorization_token_lasts_12_hours(ecr):
    [data] = ecr.get_authorization_token()["authorizationData"]
    remaining = data["expiresAt"] - datetime.now(timezone.utc)
    assert timedelta(hours=11, minutes=59) < remaining <= timedelta(hours=12)
    assert data["proxyEndpoint"] == "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_plain_moto_token_expired_long_ago(plain_ecr):
    [data] = plain_ecr.get_authorization_token()["authorizationData"]
    assert data["expiresAt"].year == 2015
