"""Tags: moving a mutable tag, immutable tags, and filter.tagStatus on DescribeImages."""

import pytest
from botocore.exceptions import ClientError

from helpers import digest_of, error_code, image_manifest


def _tags_by_digest(client, repository):
    details = client.describe_images(repositoryName=repository, maxResults=1000)["imageDetails"]
    return {d["imageDigest"]: d.get("imageTags", []) for d in details}


def test_moving_a_mutable_tag_leaves_the_old_image_untagged(ecr):
    ecr.create_repository(repositoryName="tags/mutable")
    old, new = image_manifest("move-old"), image_manifest("move-new")
    ecr.put_image(repositoryName="tags/mutable", imageManifest=old, imageTag="latest")
    ecr.put_image(repositoryName="tags/mutable", imageManifest=new, imageTag="latest")
    assert _tags_by_digest(ecr, "tags/mutable") == {digest_of(old): [], digest_of(new): ["latest"]}


def test_plain_moto_deletes_the_old_image(plain_ecr):
    plain_ecr.create_repository(repositoryName="tags/mutable")
    old, new = image_manifest("move-old"), image_manifest("move-new")
    plain_ecr.put_image(repositoryName="tags/mutable", imageManifest=old, imageTag="latest", imageDigest=digest_of(old))
    plain_ecr.put_image(repositoryName="tags/mutable", imageManifest=new, imageTag="latest", imageDigest=digest_of(new))
    assert list(_tags_by_digest(plain_ecr, "tags/mutable")) == [digest_of(new)]


def test_moving_a_tag_between_existing_images_keeps_both(ecr):
    ecr.create_repository(repositoryName="tags/retag")
    first, second = image_manifest("retag-1"), image_manifest("retag-2")
    ecr.put_image(repositoryName="tags/retag", imageManifest=first, imageTag="v1")
    ecr.put_image(repositoryName="tags/retag", imageManifest=first, imageTag="stable")
    ecr.put_image(repositoryName="tags/retag", imageManifest=second, imageTag="v2")
    # Retag as berth does it: BatchGetImage, then PutImage of the same bytes.
    manifest = ecr.batch_get_image(repositoryName="tags/retag", imageIds=[{"imageTag": "v2"}])["images"][0]["imageManifest"]
    ecr.put_image(repositoryName="tags/retag", imageManifest=manifest, imageTag="stable")
    assert _tags_by_digest(ecr, "tags/retag") == {digest_of(first): ["v1"], digest_of(second): ["v2", "stable"]}


def test_pushing_the_same_image_and_tag_again_is_image_already_exists(ecr):
    ecr.create_repository(repositoryName="tags/again")
    text = image_manifest("again")
    ecr.put_image(repositoryName="tags/again", imageManifest=text, imageTag="v1")
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName="tags/again", imageManifest=text, imageTag="v1")
    assert error_code(excinfo) == "ImageAlreadyExistsException"


def test_overwriting_an_immutable_tag_is_image_tag_already_exists(ecr):
    ecr.create_repository(repositoryName="tags/immutable", imageTagMutability="IMMUTABLE")
    first, second = image_manifest("immutable-1"), image_manifest("immutable-2")
    ecr.put_image(repositoryName="tags/immutable", imageManifest=first, imageTag="v1")
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName="tags/immutable", imageManifest=second, imageTag="v1")
    assert error_code(excinfo) == "ImageTagAlreadyExistsException"
    # Adding a new tag to an image is allowed; moving an existing one is not.
    ecr.put_image(repositoryName="tags/immutable", imageManifest=first, imageTag="release-1")
    ecr.put_image(repositoryName="tags/immutable", imageManifest=second, imageTag="v2")
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName="tags/immutable", imageManifest=second, imageTag="release-1")
    assert error_code(excinfo) == "ImageTagAlreadyExistsException"
    assert _tags_by_digest(ecr, "tags/immutable") == {digest_of(first): ["v1", "release-1"], digest_of(second): ["v2"]}


def test_plain_moto_says_image_already_exists(plain_ecr):
    plain_ecr.create_repository(repositoryName="tags/immutable", imageTagMutability="IMMUTABLE")
    first, second = image_manifest("immutable-1"), image_manifest("immutable-2")
    plain_ecr.put_image(repositoryName="tags/immutable", imageManifest=first, imageTag="v1", imageDigest=digest_of(first))
    with pytest.raises(ClientError) as excinfo:
        plain_ecr.put_image(repositoryName="tags/immutable", imageManifest=second, imageTag="v1", imageDigest=digest_of(second))
    assert error_code(excinfo) == "ImageAlreadyExistsException"


def test_immutable_with_exclusions_lets_excluded_tags_move(ecr):
    ecr.create_repository(
        repositoryName="tags/excluded",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "latest"}, {"filterType": "WILDCARD", "filter": "dev-*"}],
    )
    first, second = image_manifest("excluded-1"), image_manifest("excluded-2")
    for tag in ("latest", "dev-x", "v1"):
        ecr.put_image(repositoryName="tags/excluded", imageManifest=first, imageTag=tag)
    ecr.put_image(repositoryName="tags/excluded", imageManifest=second, imageTag="latest")
    ecr.put_image(repositoryName="tags/excluded", imageManifest=second, imageTag="dev-x")
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName="tags/excluded", imageManifest=second, imageTag="v1")
    assert error_code(excinfo) == "ImageTagAlreadyExistsException"


@pytest.fixture(scope="module")
def filter_repo(ecr):
    ecr.create_repository(repositoryName="tags/filter")
    for n in range(5):
        ecr.put_image(repositoryName="tags/filter", imageManifest=image_manifest(f"filter-{n}"), imageTag=f"t{n}")
    for n in range(3):
        ecr.put_image(repositoryName="tags/filter", imageManifest=image_manifest(f"filter-untagged-{n}"))
    return "tags/filter"


@pytest.mark.parametrize("status, expected", [("TAGGED", 5), ("UNTAGGED", 3), ("ANY", 8)])
def test_describe_images_filters_by_tag_status(ecr, filter_repo, status, expected):
    details = ecr.describe_images(repositoryName=filter_repo, filter={"tagStatus": status})["imageDetails"]
    assert len(details) == expected
    if status == "TAGGED":
        assert all(d.get("imageTags") for d in details)
    if status == "UNTAGGED":
        assert not any("imageTags" in d for d in details)


def test_describe_images_rejects_an_unknown_tag_status(ecr, filter_repo):
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_images(repositoryName=filter_repo, filter={"tagStatus": "SOMETIMES"})
    assert error_code(excinfo) == "InvalidParameterException"


def test_plain_moto_ignores_the_tag_status_filter(plain_ecr):
    plain_ecr.create_repository(repositoryName="tags/filter")
    tagged, untagged = image_manifest("filter-0"), image_manifest("filter-untagged-0")
    plain_ecr.put_image(repositoryName="tags/filter", imageManifest=tagged, imageTag="t0", imageDigest=digest_of(tagged))
    plain_ecr.put_image(repositoryName="tags/filter", imageManifest=untagged, imageDigest=digest_of(untagged))
    details = plain_ecr.describe_images(repositoryName="tags/filter", filter={"tagStatus": "UNTAGGED"})["imageDetails"]
    assert len(details) == 2
