"""BatchDeleteImage: per-id results and manifest-list protection."""

import pytest

from helpers import digest_of, image_manifest, index_manifest


def _push_multi_arch(client, repository, name, digest_param=False):
    amd64, arm64 = image_manifest(f"{name}-amd64"), image_manifest(f"{name}-arm64")
    index = index_manifest([amd64, arm64])
    for text, tag in ((amd64, None), (arm64, None), (index, name)):
        kwargs = {"imageTag": tag} if tag else {}
        if digest_param:
            kwargs["imageDigest"] = digest_of(text)
        client.put_image(repositoryName=repository, imageManifest=text, **kwargs)
    return digest_of(amd64), digest_of(arm64), digest_of(index)


def _digests(client, repository):
    return {d["imageDigest"] for d in client.describe_images(repositoryName=repository, maxResults=1000)["imageDetails"]}


def test_a_child_of_a_manifest_list_cannot_be_deleted(ecr):
    ecr.create_repository(repositoryName="delete/multi")
    amd64, arm64, index = _push_multi_arch(ecr, "delete/multi", "multi")
    response = ecr.batch_delete_image(repositoryName="delete/multi", imageIds=[{"imageDigest": amd64}])
    assert response["imageIds"] == []
    [failure] = response["failures"]
    assert failure["failureCode"] == "ImageReferencedByManifestList"
    assert failure["imageId"] == {"imageDigest": amd64}
    assert index in failure["failureReason"]
    assert _digests(ecr, "delete/multi") == {amd64, arm64, index}


def test_children_can_go_once_their_manifest_list_is_gone(ecr):
    ecr.create_repository(repositoryName="delete/order")
    amd64, arm64, index = _push_multi_arch(ecr, "delete/order", "order")
    response = ecr.batch_delete_image(
        repositoryName="delete/order",
        imageIds=[{"imageDigest": index}, {"imageDigest": amd64}, {"imageDigest": arm64}],
    )
    assert response["failures"] == []
    assert {i["imageDigest"] for i in response["imageIds"]} == {index, amd64, arm64}
    assert _digests(ecr, "delete/order") == set()


def test_plain_moto_deletes_a_referenced_child(plain_ecr):
    plain_ecr.create_repository(repositoryName="delete/multi")
    amd64, arm64, index = _push_multi_arch(plain_ecr, "delete/multi", "multi", digest_param=True)
    response = plain_ecr.batch_delete_image(repositoryName="delete/multi", imageIds=[{"imageDigest": amd64}])
    assert response["failures"] == []
    assert amd64 not in _digests(plain_ecr, "delete/multi")


def test_delete_by_tag_removes_only_that_tag_unless_it_is_the_last(ecr):
    ecr.create_repository(repositoryName="delete/tags")
    text = image_manifest("two-tags")
    digest = digest_of(text)
    ecr.put_image(repositoryName="delete/tags", imageManifest=text, imageTag="a")
    ecr.put_image(repositoryName="delete/tags", imageManifest=text, imageTag="b")
    response = ecr.batch_delete_image(repositoryName="delete/tags", imageIds=[{"imageTag": "a"}])
    assert response["imageIds"] == [{"imageDigest": digest, "imageTag": "a"}]
    assert digest in _digests(ecr, "delete/tags")
    response = ecr.batch_delete_image(repositoryName="delete/tags", imageIds=[{"imageTag": "b"}])
    assert response["imageIds"] == [{"imageDigest": digest, "imageTag": "b"}]
    assert _digests(ecr, "delete/tags") == set()


def test_delete_by_digest_reports_every_tag_or_the_bare_digest(ecr):
    ecr.create_repository(repositoryName="delete/digest")
    tagged, untagged = image_manifest("digest-tagged"), image_manifest("digest-untagged")
    ecr.put_image(repositoryName="delete/digest", imageManifest=tagged, imageTag="x")
    ecr.put_image(repositoryName="delete/digest", imageManifest=tagged, imageTag="y")
    ecr.put_image(repositoryName="delete/digest", imageManifest=untagged)
    response = ecr.batch_delete_image(
        repositoryName="delete/digest",
        imageIds=[{"imageDigest": digest_of(tagged)}, {"imageDigest": digest_of(untagged)}],
    )
    assert sorted(response["imageIds"], key=str) == sorted([
        {"imageDigest": digest_of(tagged), "imageTag": "x"},
        {"imageDigest": digest_of(tagged), "imageTag": "y"},
        {"imageDigest": digest_of(untagged)},
    ], key=str)


@pytest.fixture(scope="module")
def empty_repo(ecr):
    ecr.create_repository(repositoryName="delete/failures")
    return "delete/failures"


@pytest.mark.parametrize("image_id, code", [
    ({"imageTag": "never-pushed"}, "ImageNotFound"),
    ({"imageDigest": "sha256:" + "f" * 64}, "ImageNotFound"),
    ({"imageDigest": "not-a-digest"}, "InvalidImageDigest"),
])
def test_failures_are_reported_per_id(ecr, empty_repo, image_id, code):
    response = ecr.batch_delete_image(repositoryName=empty_repo, imageIds=[image_id])
    assert response["imageIds"] == []
    assert response["failures"][0]["failureCode"] == code
    assert response["failures"][0]["imageId"] == image_id


def test_tag_and_digest_that_do_not_match(ecr):
    ecr.create_repository(repositoryName="delete/mismatch")
    one, two = image_manifest("mismatch-1"), image_manifest("mismatch-2")
    ecr.put_image(repositoryName="delete/mismatch", imageManifest=one, imageTag="one")
    ecr.put_image(repositoryName="delete/mismatch", imageManifest=two, imageTag="two")
    response = ecr.batch_delete_image(
        repositoryName="delete/mismatch", imageIds=[{"imageDigest": digest_of(one), "imageTag": "two"}]
    )
    assert response["failures"][0]["failureCode"] == "ImageTagDoesNotMatchDigest"
    assert len(_digests(ecr, "delete/mismatch")) == 2
