"""The archive storage class: image status, UpdateImageStorageClass, the imageStatus
filter, pulls of archived images, and lifecycle policies with archive-era fields."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from helpers import digest_of, error_code, image_manifest

RESTORE_SECONDS = 1.0
SANDBOX_ARGS = ["--seed", "empty", "--restore-seconds", str(RESTORE_SECONDS)]
DEADLINE = 20.0


@pytest.fixture(scope="module")
def repo(ecr):
    ecr.create_repository(repositoryName="archive/app")
    return "archive/app"


def _push(client, repository, name, tag=None):
    text = image_manifest(name)
    client.put_image(repositoryName=repository, imageManifest=text, **({"imageTag": tag} if tag else {}),
                     imageDigest=digest_of(text))
    return digest_of(text)


def _statuses(client, repository, status=None):
    kwargs = {"filter": {"imageStatus": status}} if status else {}
    details = client.describe_images(repositoryName=repository, maxResults=1000, **kwargs)["imageDetails"]
    return {d["imageDigest"]: d for d in details}


def _listed(client, repository, status=None):
    kwargs = {"filter": {"imageStatus": status}} if status else {}
    return {i["imageDigest"] for i in client.list_images(repositoryName=repository, maxResults=1000, **kwargs)["imageIds"]}


def _wait_for_status(client, repository, digest, wanted):
    deadline = time.monotonic() + DEADLINE
    while True:
        [detail] = client.describe_images(repositoryName=repository, imageIds=[{"imageDigest": digest}])["imageDetails"]
        if detail["imageStatus"] == wanted:
            return detail
        assert time.monotonic() < deadline, f"{digest} stayed {detail['imageStatus']}"
        time.sleep(0.1)


def test_every_image_has_a_status(ecr, repo):
    digest = _push(ecr, repo, "plain-status", "s1")
    detail = _statuses(ecr, repo)[digest]
    assert detail["imageStatus"] == "ACTIVE"
    assert "lastArchivedAt" not in detail and "lastActivatedAt" not in detail


def test_plain_moto_knows_no_image_status(plain_ecr):
    plain_ecr.create_repository(repositoryName="archive/plain")
    digest = _push(plain_ecr, "archive/plain", "plain-status", "s1")
    [detail] = plain_ecr.describe_images(repositoryName="archive/plain")["imageDetails"]
    assert detail["imageDigest"] == digest and "imageStatus" not in detail


def test_archive_takes_effect_at_once_and_hides_the_image(ecr, repo):
    digest = _push(ecr, repo, "to-archive", "a1")
    before = datetime.now(timezone.utc) - timedelta(seconds=1)
    answer = ecr.update_image_storage_class(repositoryName=repo, imageId={"imageTag": "a1"}, targetStorageClass="ARCHIVE")
    assert answer["imageStatus"] == "ARCHIVED"
    assert answer["imageId"] == {"imageDigest": digest, "imageTag": "a1"}
    assert answer["repositoryName"] == repo
    # Only ACTIVE images unless the filter asks for more.
    assert digest not in _statuses(ecr, repo) and digest not in _listed(ecr, repo)
    archived = _statuses(ecr, repo, "ARCHIVED")
    assert set(archived) == {digest} and _listed(ecr, repo, "ARCHIVED") == {digest}
    assert before <= archived[digest]["lastArchivedAt"] <= datetime.now(timezone.utc)
    assert "lastActivatedAt" not in archived[digest]
    assert digest in _statuses(ecr, repo, "ANY") and digest in _listed(ecr, repo, "ANY")
    assert digest not in _statuses(ecr, repo, "ACTIVE")
    # Asked for by id, an archived image is still described.
    [detail] = ecr.describe_images(repositoryName=repo, imageIds=[{"imageDigest": digest}])["imageDetails"]
    assert detail["imageStatus"] == "ARCHIVED"


def test_plain_moto_has_no_update_image_storage_class(plain_ecr):
    plain_ecr.create_repository(repositoryName="archive/plain-update")
    digest = _push(plain_ecr, "archive/plain-update", "plain-update", "u1")
    with pytest.raises(ClientError) as excinfo:
        plain_ecr.update_image_storage_class(
            repositoryName="archive/plain-update", imageId={"imageDigest": digest}, targetStorageClass="ARCHIVE"
        )
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_restore_goes_through_activating(ecr, repo):
    digest = _push(ecr, repo, "to-restore")
    ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass="ARCHIVE")
    archived_at = _statuses(ecr, repo, "ARCHIVED")[digest]["lastArchivedAt"]
    answer = ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass="STANDARD")
    assert answer["imageStatus"] == "ACTIVATING"
    assert answer["imageId"] == {"imageDigest": digest}
    activating = _statuses(ecr, repo, "ACTIVATING")
    assert digest in activating and digest not in _statuses(ecr, repo)
    assert "lastActivatedAt" not in activating[digest]
    detail = _wait_for_status(ecr, repo, digest, "ACTIVE")
    assert detail["lastArchivedAt"] == archived_at
    assert detail["lastActivatedAt"] - archived_at >= timedelta(seconds=RESTORE_SECONDS)
    assert digest in _statuses(ecr, repo) and digest in _listed(ecr, repo)


@pytest.mark.parametrize("first, second", [("ARCHIVE", "ARCHIVE"), (None, "STANDARD"), ("ARCHIVE+STANDARD", "ARCHIVE"),
                                           ("ARCHIVE+STANDARD", "STANDARD")])
def test_an_update_to_where_the_image_is_or_goes_is_refused(ecr, repo, first, second):
    digest = _push(ecr, repo, f"refused-{first}-{second}")
    for target in (first or "").split("+"):
        if target:
            ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass=target)
    with pytest.raises(ClientError) as excinfo:
        ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass=second)
    assert error_code(excinfo) == "ImageStorageClassUpdateNotSupportedException"


@pytest.mark.parametrize("repository, image_id, target, code", [
    ("archive/app", {"imageDigest": "sha256:" + "e" * 64}, "ARCHIVE", "ImageNotFoundException"),
    ("archive/app", {"imageTag": "never-pushed"}, "STANDARD", "ImageNotFoundException"),
    ("archive/missing", {"imageTag": "x"}, "ARCHIVE", "RepositoryNotFoundException"),
    ("archive/app", {"imageTag": "s1"}, "GLACIER", "InvalidParameterException"),
    ("archive/app", {}, "ARCHIVE", "InvalidParameterException"),
    ("archive/app", {"imageDigest": "not-a-digest"}, "ARCHIVE", "InvalidParameterException"),
])
def test_update_errors(ecr, repo, repository, image_id, target, code):
    with pytest.raises(ClientError) as excinfo:
        ecr.update_image_storage_class(repositoryName=repository, imageId=image_id, targetStorageClass=target)
    assert error_code(excinfo) == code


def test_an_unknown_image_status_filter_is_refused(ecr, repo):
    for call in (ecr.describe_images, ecr.list_images):
        with pytest.raises(ClientError) as excinfo:
            call(repositoryName=repo, filter={"imageStatus": "DELETED"})
        assert error_code(excinfo) == "InvalidParameterException"


def test_an_archived_image_cannot_be_pulled(ecr, repo):
    digest = _push(ecr, repo, "no-pull", "np")
    other = _push(ecr, repo, "still-pulls", "sp")
    ecr.update_image_storage_class(repositoryName=repo, imageId={"imageTag": "np"}, targetStorageClass="ARCHIVE")
    answer = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "np"}, {"imageDigest": other}])
    assert [i["imageId"]["imageDigest"] for i in answer["images"]] == [other]
    assert answer["failures"] == [{"imageId": {"imageTag": "np"}, "failureCode": "ImageNotFound",
                                   "failureReason": "Requested image not found"}]
    # Still not while it is being restored; again once it is ACTIVE.
    ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass="STANDARD")
    assert ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageDigest": digest}])["images"] == []
    _wait_for_status(ecr, repo, digest, "ACTIVE")
    [image] = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageDigest": digest}])["images"]
    assert image["imageId"]["imageDigest"] == digest


def test_pushing_an_archived_image_again_restores_it(ecr, repo):
    text = image_manifest("re-push")
    digest = _push(ecr, repo, "re-push", "rp")
    ecr.update_image_storage_class(repositoryName=repo, imageId={"imageDigest": digest}, targetStorageClass="ARCHIVE")
    ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="rp")
    assert _statuses(ecr, repo, "ANY")[digest]["imageStatus"] in ("ACTIVATING", "ACTIVE")
    detail = _wait_for_status(ecr, repo, digest, "ACTIVE")
    assert detail["imageTags"] == ["rp"] and "lastActivatedAt" in detail
    # An ACTIVE image pushed again is still ImageAlreadyExistsException, as before.
    with pytest.raises(ClientError) as excinfo:
        ecr.put_image(repositoryName=repo, imageManifest=text, imageTag="rp")
    assert error_code(excinfo) == "ImageAlreadyExistsException"


def test_image_times_route_sets_the_storage_history(ecr, repo, sandbox):
    archived_only, restored = _push(ecr, repo, "times-archived"), _push(ecr, repo, "times-restored")
    status, body = sandbox.call("POST", "image-times", {"repository": repo, "images": [
        {"digest": archived_only, "archived_at": "2026-01-10T00:00:00Z", "last_pulled_at": "2025-12-01T08:00:00Z"},
        {"digest": restored, "archived_at": "2026-01-10T00:00:00Z", "activated_at": "2026-02-01T12:00:00Z"},
    ]})
    assert status == 200, body
    details = _statuses(ecr, repo, "ANY")
    assert details[archived_only]["imageStatus"] == "ARCHIVED"
    assert details[archived_only]["lastArchivedAt"] == datetime(2026, 1, 10, tzinfo=timezone.utc)
    assert details[archived_only]["lastRecordedPullTime"] == datetime(2025, 12, 1, 8, tzinfo=timezone.utc)
    assert details[restored]["imageStatus"] == "ACTIVE"
    assert details[restored]["lastActivatedAt"] == datetime(2026, 2, 1, 12, tzinfo=timezone.utc)
    status, body = sandbox.call("POST", "image-times", {"repository": repo, "images": [
        {"digest": archived_only, "archived_at": None}]})
    assert status == 200, body
    assert "lastArchivedAt" not in _statuses(ecr, repo)[archived_only]
    status, body = sandbox.call("POST", "image-times", {"repository": repo, "images": [
        {"digest": archived_only, "activated_at": "2026-02-01T12:00:00Z"}]})
    assert status == 400 and "archived_at" in body["message"]


# --------------------------------------------------------------------------
# Lifecycle policies


def _policy(*rules):
    return json.dumps({"rules": [
        {"rulePriority": n, "description": f"rule {n}", "selection": selection, "action": action}
        for n, (selection, action) in enumerate(rules, start=1)
    ]})


ARCHIVE_UNPULLED = (
    {"tagStatus": "any", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 30},
    {"type": "transition", "targetStorageClass": "archive"},
)
EXPIRE_ARCHIVED = (
    {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned", "countUnit": "days",
     "countNumber": 365},
    {"type": "expire"},
)


@pytest.fixture(scope="module")
def policy_repo(ecr):
    ecr.create_repository(repositoryName="archive/policy")
    return "archive/policy"


@pytest.mark.parametrize("rules", [
    [EXPIRE_ARCHIVED, ARCHIVE_UNPULLED],
    [({**ARCHIVE_UNPULLED[0], "storageClass": "standard", "tagStatus": "tagged", "tagPatternList": ["v*"]},
      ARCHIVE_UNPULLED[1])],
    [({**EXPIRE_ARCHIVED[0], "countNumber": 90}, EXPIRE_ARCHIVED[1])],
    [({"tagStatus": "untagged", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 7},
      {"type": "expire"})],
    [({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50},
      {"type": "transition", "targetStorageClass": "archive"})],
])
def test_archive_era_policies_are_accepted(ecr, policy_repo, rules):
    text = _policy(*rules)
    ecr.put_lifecycle_policy(repositoryName=policy_repo, lifecyclePolicyText=text)
    assert ecr.get_lifecycle_policy(repositoryName=policy_repo)["lifecyclePolicyText"] == text


def test_plain_moto_refuses_archive_era_policies(plain_ecr):
    plain_ecr.create_repository(repositoryName="archive/plain-policy")
    for rule in (ARCHIVE_UNPULLED, EXPIRE_ARCHIVED):
        with pytest.raises(ClientError) as excinfo:
            plain_ecr.put_lifecycle_policy(repositoryName="archive/plain-policy", lifecyclePolicyText=_policy(rule))
        assert error_code(excinfo) == "InvalidParameterException"


@pytest.mark.parametrize("selection, action", [
    # sinceImageTransitioned needs storageClass archive...
    ({**EXPIRE_ARCHIVED[0], "storageClass": None}, EXPIRE_ARCHIVED[1]),
    ({**EXPIRE_ARCHIVED[0], "storageClass": "standard"}, EXPIRE_ARCHIVED[1]),
    # ...and archived images cannot be expired before 90 days in the archive.
    ({**EXPIRE_ARCHIVED[0], "countNumber": 89}, EXPIRE_ARCHIVED[1]),
    # The other count types only select standard images.
    ({**ARCHIVE_UNPULLED[0], "storageClass": "archive"}, {"type": "expire"}),
    ({"tagStatus": "any", "storageClass": "archive", "countType": "imageCountMoreThan", "countNumber": 5}, {"type": "expire"}),
    ({**ARCHIVE_UNPULLED[0], "storageClass": "glacier"}, ARCHIVE_UNPULLED[1]),
    # A transition needs its target, which can only be archive.
    (ARCHIVE_UNPULLED[0], {"type": "transition"}),
    (ARCHIVE_UNPULLED[0], {"type": "transition", "targetStorageClass": "standard"}),
    (ARCHIVE_UNPULLED[0], {"type": "expire", "targetStorageClass": "archive"}),
    (ARCHIVE_UNPULLED[0], {"type": "delete"}),
    # A transition cannot select what is archived already.
    (EXPIRE_ARCHIVED[0], {"type": "transition", "targetStorageClass": "archive"}),
    # Age-based count types need their unit.
    ({**ARCHIVE_UNPULLED[0], "countUnit": None}, ARCHIVE_UNPULLED[1]),
    ({**ARCHIVE_UNPULLED[0], "countType": "sinceImageAccessed"}, ARCHIVE_UNPULLED[1]),
])
def test_archive_era_mistakes_are_refused(ecr, policy_repo, selection, action):
    selection = {k: v for k, v in selection.items() if v is not None}
    with pytest.raises(ClientError) as excinfo:
        ecr.put_lifecycle_policy(repositoryName=policy_repo, lifecyclePolicyText=_policy((selection, action)))
    assert error_code(excinfo) == "InvalidParameterException"
    assert "Lifecycle policy validation failure" in excinfo.value.response["Error"]["Message"]
