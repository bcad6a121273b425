"""The sandbox's own routes under /moto-api/berth/."""

import pytest

from helpers import all_pages, image_manifest


def test_seed_creates_a_big_repository_quickly(sandbox, ecr):
    status, body = sandbox.call("POST", "seed", {
        "region": "us-east-1",
        "repositories": [{"name": "big/repo", "images": 20000, "tagged_fraction": 0.8}],
    })
    assert status == 200, body
    [result] = body["repositories"]
    assert result["images"] == 20000
    assert 0.77 < result["tagged"] / 20000 < 0.83
    assert body["seconds"] < 10
    ids, pages = all_pages(ecr.list_images, "imageIds", repositoryName="big/repo", maxResults=1000, filter={"tagStatus": "UNTAGGED"})
    assert len(ids) == result["untagged"]
    tagged, _ = all_pages(ecr.list_images, "imageIds", repositoryName="big/repo", maxResults=1000, filter={"tagStatus": "TAGGED"})
    assert len({i["imageDigest"] for i in tagged}) == result["tagged"]


def test_seed_is_deterministic_for_a_name(sandbox):
    request = {"repositories": [{"name": "same/name", "images": 300, "tagged_fraction": 0.5}]}
    for region in ("us-west-2", "eu-central-1"):
        status, body = sandbox.call("POST", "seed", dict(request, region=region))
        assert status == 200, body
    listings = []
    for region in ("us-west-2", "eu-central-1"):
        ids, _ = all_pages(sandbox.client(region).list_images, "imageIds", repositoryName="same/name", maxResults=1000)
        listings.append(sorted((i["imageDigest"], i.get("imageTag", "")) for i in ids))
    assert listings[0] == listings[1]
    assert len({d for d, _ in listings[0]}) == 300


def test_seed_spreads_push_times_over_400_days(sandbox):
    sandbox.call("POST", "seed", {"region": "ap-south-1", "repositories": [{"name": "spread/times", "images": 400}]})
    details, _ = all_pages(sandbox.client("ap-south-1").describe_images, "imageDetails", repositoryName="spread/times", maxResults=1000)
    pushed = sorted(d["imagePushedAt"] for d in details)
    assert (pushed[-1] - pushed[0]).days > 350
    assert len(details) == 400


def test_seed_immutable_repository(sandbox):
    status, body = sandbox.call("POST", "seed", {"region": "us-east-1", "repositories": [{"name": "big/immutable", "images": 10, "immutable": True}]})
    assert status == 200, body
    repository = sandbox.client().describe_repositories(repositoryNames=["big/immutable"])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE"


@pytest.mark.parametrize("body", [
    {"region": "us-east-1"},
    {"region": "us-east-1", "repositories": [{"name": "bad/count", "images": -1}]},
    {"region": "us-east-1", "repositories": [{"name": "bad/fraction", "images": 1, "tagged_fraction": 2}]},
    {"region": "us-east-1", "repositories": [{"name": "Bad Name", "images": 1}]},
])
def test_seed_rejects_bad_requests(sandbox, body):
    status, answer = sandbox.call("POST", "seed", body)
    assert status == 400
    assert answer["error"]


def test_seed_refuses_an_existing_repository(sandbox):
    sandbox.call("POST", "seed", {"region": "us-east-1", "repositories": [{"name": "twice/seeded", "images": 1}]})
    status, answer = sandbox.call("POST", "seed", {"region": "us-east-1", "repositories": [{"name": "twice/seeded", "images": 1}]})
    assert status == 400
    assert answer["error"] == "RepositoryAlreadyExistsException"


def test_image_times_sets_push_and_pull_times(sandbox, ecr):
    ecr.create_repository(repositoryName="times/app")
    digests = []
    for n in range(3):
        pushed = ecr.put_image(repositoryName="times/app", imageManifest=image_manifest(f"times-{n}"), imageTag=f"t{n}")
        digests.append(pushed["image"]["imageId"]["imageDigest"])
    status, body = sandbox.call("POST", "image-times", {
        "region": "us-east-1",
        "repository": "times/app",
        "images": [
            {"digest": digests[0], "pushed_at": "2025-03-01T10:00:00Z", "last_pulled_at": "2025-06-01T08:30:00.250Z"},
            {"digest": digests[1], "pushed_at": "2025-04-01T00:00:00+02:00", "last_pulled_at": None},
            {"digest": "sha256:" + "0" * 64, "pushed_at": "2025-04-01T00:00:00Z"},
        ],
    })
    assert status == 200, body
    assert body["updated"] == digests[:2]
    assert body["not_found"] == ["sha256:" + "0" * 64]
    details = {d["imageDigest"]: d for d in ecr.describe_images(repositoryName="times/app")["imageDetails"]}
    first, second, third = (details[d] for d in digests)
    assert first["imagePushedAt"].isoformat() == "2025-03-01T10:00:00+00:00"
    assert first["lastRecordedPullTime"].isoformat() == "2025-06-01T08:30:00.250000+00:00"
    assert second["imagePushedAt"].isoformat() == "2025-03-31T22:00:00+00:00"
    assert "lastRecordedPullTime" not in second
    assert "lastRecordedPullTime" not in third


def test_image_times_rejects_times_without_zone(sandbox, ecr):
    ecr.create_repository(repositoryName="times/zone")
    status, _ = sandbox.call("POST", "image-times", {
        "region": "us-east-1", "repository": "times/zone",
        "images": [{"digest": "sha256:" + "1" * 64, "pushed_at": "2025-03-01T10:00:00"}],
    })
    assert status == 200  # unknown digest: nothing to parse
    pushed = ecr.put_image(repositoryName="times/zone", imageManifest=image_manifest("zone"), imageTag="z")
    status, answer = sandbox.call("POST", "image-times", {
        "region": "us-east-1", "repository": "times/zone",
        "images": [{"digest": pushed["image"]["imageId"]["imageDigest"], "pushed_at": "2025-03-01T10:00:00"}],
    })
    assert status == 400
    assert "zone" in answer["message"]


def test_image_times_unknown_repository(sandbox):
    status, answer = sandbox.call("POST", "image-times", {"region": "us-east-1", "repository": "no/such", "images": []})
    assert status == 400
    assert answer["error"] == "RepositoryNotFoundException"


def test_summary_route(sandbox):
    status, body = sandbox.call("GET", "summary")
    assert status == 200
    assert body["regions"]["us-east-1"]["repositories"]["big/repo"]["images"] == 20000


def test_unknown_route_is_404(sandbox):
    status, _ = sandbox.call("POST", "nothing-here", {})
    assert status == 404
