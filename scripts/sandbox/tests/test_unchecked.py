"""Names and tags that ECR's grammar forbids, for berth's hostile-data tests."""

from helpers import image_manifest, digest_of

HOSTILE_TAG = "x\x1b[2Jclear\x1b]52;c;SGVsbG8=\x07bell\x07"


def test_a_repository_name_with_escape_sequences_is_listed(sandbox, ecr):
    name = "evil/\x1b]0;pwned\x07repo"
    status, body = sandbox.call("POST", "unchecked-repository", {"region": "us-east-1", "name": name})
    assert status == 200, body
    names = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    assert name in names
    status, _ = sandbox.call("POST", "unchecked-repository", {"region": "us-east-1", "name": name})
    assert status == 400


def test_tags_with_control_characters_come_back_unchanged(sandbox, ecr):
    ecr.create_repository(repositoryName="hostile/tags")
    manifest = image_manifest("hostile/tags:1")
    ecr.put_image(repositoryName="hostile/tags", imageManifest=manifest, imageTag="plain")
    digest = digest_of(manifest)
    long_tag = "L" * 5000
    status, body = sandbox.call("POST", "unchecked-tags", {
        "region": "us-east-1", "repository": "hostile/tags", "digest": digest, "tags": [HOSTILE_TAG, long_tag],
    })
    assert status == 200, body
    [image] = ecr.describe_images(repositoryName="hostile/tags")["imageDetails"]
    assert sorted(image["imageTags"]) == sorted(["plain", HOSTILE_TAG, long_tag])
    # The corrected server's tag index sees the new tags too.
    [found] = ecr.describe_images(repositoryName="hostile/tags", imageIds=[{"imageTag": long_tag}])["imageDetails"]
    assert found["imageDigest"] == digest


def test_unchecked_tags_need_an_existing_image(sandbox, ecr):
    ecr.create_repository(repositoryName="hostile/none")
    status, _ = sandbox.call("POST", "unchecked-tags", {
        "region": "us-east-1", "repository": "hostile/none", "digest": "sha256:" + "0" * 64, "tags": ["x"],
    })
    assert status == 400


def test_an_image_can_be_given_a_digest_that_is_not_one(sandbox, ecr):
    ecr.create_repository(repositoryName="hostile/digest")
    manifest = image_manifest("hostile/digest:1")
    ecr.put_image(repositoryName="hostile/digest", imageManifest=manifest, imageTag="v1")
    hostile = "sha256:\u00e9t\u00e9-\u754c-not-hex"
    status, body = sandbox.call("POST", "unchecked-digest", {
        "region": "us-east-1", "repository": "hostile/digest", "digest": digest_of(manifest),
        "new_digest": hostile,
    })
    assert status == 200, body
    [image] = ecr.describe_images(repositoryName="hostile/digest")["imageDetails"]
    assert image["imageDigest"] == hostile
    assert image["imageTags"] == ["v1"]
    [found] = ecr.describe_images(repositoryName="hostile/digest", imageIds=[{"imageTag": "v1"}])["imageDetails"]
    assert found["imageDigest"] == hostile


def test_an_unchecked_digest_needs_an_existing_image(sandbox, ecr):
    ecr.create_repository(repositoryName="hostile/no-digest")
    status, _ = sandbox.call("POST", "unchecked-digest", {
        "region": "us-east-1", "repository": "hostile/no-digest", "digest": "sha256:" + "0" * 64,
        "new_digest": "x",
    })
    assert status == 400
