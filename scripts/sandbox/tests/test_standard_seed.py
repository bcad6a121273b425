"""The standard seed: the registry every berth test and the demo starts from."""

import hashlib
import json
from collections import Counter
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from helpers import SERVER, all_pages, error_code

SANDBOX_ARGS = ["--seed", "standard"]


@pytest.fixture(scope="module")
def summary(sandbox):
    status, body = sandbox.call("GET", "summary")
    assert status == 200
    return body


def test_regions_and_repositories(ecr, sandbox, summary):
    us, _ = all_pages(ecr.describe_repositories, "repositories", maxResults=1000)
    eu, _ = all_pages(sandbox.client("eu-west-1").describe_repositories, "repositories")
    assert len(us) >= 40
    assert len(eu) == 3
    assert all("/" in r["repositoryName"] for r in us + eu)
    for expected in ("payments/api", "payments/worker", "web/frontend", "web/admin", "base/python", "base/node",
                     "data/etl", "ml/trainer", "infra/nginx", "ci/build-cache", "sandbox/scratch"):
        assert expected in {r["repositoryName"] for r in us}
    totals = summary["regions"]["us-east-1"]["totals"]
    assert totals["images"] + summary["regions"]["eu-west-1"]["totals"]["images"] >= 2000
    assert totals["untagged"] > 100 and totals["manifest_lists"] > 10


def test_special_repositories(ecr, summary):
    repos = summary["regions"]["us-east-1"]["repositories"]
    assert repos["ci/build-cache"]["images"] == 1500
    assert repos["sandbox/scratch"]["images"] == 0
    assert ecr.describe_images(repositoryName="sandbox/scratch")["imageDetails"] == []
    [api] = ecr.describe_repositories(repositoryNames=["payments/api"])["repositories"]
    assert api["imageTagMutability"] == "IMMUTABLE"
    assert api["encryptionConfiguration"]["encryptionType"] == "KMS"
    assert api["encryptionConfiguration"]["kmsKey"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert api["imageScanningConfiguration"]["scanOnPush"] is True
    mixes = {(r["tag_mutability"], r["encryption"], r["scan_on_push"]) for r in repos.values()}
    assert {m[0] for m in mixes} == {"MUTABLE", "IMMUTABLE"}
    assert {m[1] for m in mixes} == {"AES256", "KMS"}
    assert {m[2] for m in mixes} == {True, False}


def test_lifecycle_policies_are_valid_ecr_policies(ecr, summary):
    with_policy = [n for n, r in summary["regions"]["us-east-1"]["repositories"].items() if r["lifecycle_policy"]]
    assert len(with_policy) >= 3
    for name in with_policy:
        text = ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
        assert 100 <= len(text) <= 30720
        rules = json.loads(text)["rules"]
        priorities = [r["rulePriority"] for r in rules]
        assert len(set(priorities)) == len(priorities)
        for rule in rules:
            assert rule["action"]["type"] in ("expire", "transition")
            selection = rule["selection"]
            if selection["tagStatus"] == "tagged":
                assert ("tagPrefixList" in selection) != ("tagPatternList" in selection)
            if selection["tagStatus"] == "any":
                assert rule["rulePriority"] == max(priorities)
    with pytest.raises(ClientError) as excinfo:
        ecr.get_lifecycle_policy(repositoryName="sandbox/scratch")
    assert error_code(excinfo) == "LifecyclePolicyNotFoundException"


ARCHIVING = {"legacy/monolith", "ml/trainer", "analytics/metabase"}


@pytest.fixture(scope="module")
def archived(ecr):
    """Every ARCHIVED or ACTIVATING image of us-east-1, per repository."""
    names = [r["repositoryName"] for r in all_pages(ecr.describe_repositories, "repositories", maxResults=1000)[0]]
    found = {}
    for name in names:
        details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=name, maxResults=1000,
                               filter={"imageStatus": "ANY"})
        stored = [d for d in details if d["imageStatus"] != "ACTIVE"]
        if stored:
            found[name] = stored
    return found


def test_some_repositories_hold_archived_images(ecr, summary, archived):
    assert set(archived) == ARCHIVING
    now = datetime.now(timezone.utc)
    ages = []
    for name, details in archived.items():
        repository = summary["regions"]["us-east-1"]["repositories"][name]
        assert repository["archived"] == len(details) and repository["activating"] == 0
        # Without a filter, DescribeImages answers the ACTIVE images only.
        active, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=name, maxResults=1000)
        assert len(active) + len(details) == repository["images"]
        assert {d["imageDigest"] for d in active}.isdisjoint(d["imageDigest"] for d in details)
        for detail in details:
            assert detail["imageStatus"] == "ARCHIVED" and "lastActivatedAt" not in detail
            assert detail["imagePushedAt"] < detail["lastArchivedAt"] < now
            assert detail.get("lastRecordedPullTime", detail["imagePushedAt"]) < detail["lastArchivedAt"]
            ages.append((now - detail["lastArchivedAt"]).days)
    assert min(ages) < 90 < max(ages)


def test_a_restored_image_not_pulled_since(ecr):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="ml/trainer", maxResults=1000)
    [restored] = [d for d in details if "lastActivatedAt" in d]
    assert restored["imageStatus"] == "ACTIVE"
    assert restored["lastArchivedAt"] < restored["lastActivatedAt"] < datetime.now(timezone.utc)
    assert restored.get("lastRecordedPullTime", restored["imagePushedAt"]) < restored["lastArchivedAt"]


def test_a_policy_with_transition_rules_matches_what_is_archived(ecr, archived):
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName="legacy/monolith")["lifecyclePolicyText"])["rules"]
    transitions = [r for r in rules if r["action"]["type"] == "transition"]
    [expiry] = [r for r in rules if r["selection"].get("countType") == "sinceImageTransitioned"]
    assert all(r["selection"]["countType"] == "sinceImagePulled" for r in transitions) and len(transitions) == 2
    assert expiry["selection"]["storageClass"] == "archive" and expiry["action"] == {"type": "expire"}
    now = datetime.now(timezone.utc)
    active, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="legacy/monolith", maxResults=1000)

    def idle_days(detail, at):
        return (at - detail.get("lastRecordedPullTime", detail["imagePushedAt"])).total_seconds() / 86400

    def threshold(detail):
        tags = detail.get("imageTags", [])
        if not tags:
            return 90
        return 180 if any(t.startswith("main-") for t in tags) else None

    for detail in archived["legacy/monolith"]:
        # Each went to the archive once idle for its rule's number of days.
        assert threshold(detail) is not None
        assert idle_days(detail, detail["lastArchivedAt"]) >= threshold(detail) - 0.01
    # The dry run has work of both kinds: an ACTIVE image past its threshold, and
    # archived images past the 180 days of the expiry rule.
    assert any(threshold(d) is not None and idle_days(d, now) > threshold(d) for d in active)
    assert any(now - d["lastArchivedAt"] > timedelta(days=180) for d in archived["legacy/monolith"])


def test_manifests_digests_and_sizes(ecr):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="payments/api", maxResults=1000)
    sample = details[:40]
    images = ecr.batch_get_image(repositoryName="payments/api", imageIds=[{"imageDigest": d["imageDigest"]} for d in sample])["images"]
    sizes = {d["imageDigest"]: d["imageSizeInBytes"] for d in sample}
    for image in images:
        text = image["imageManifest"]
        digest = image["imageId"]["imageDigest"]
        assert digest == "sha256:" + hashlib.sha256(text.encode()).hexdigest()
        manifest = json.loads(text)
        assert 1 <= len(manifest["layers"]) <= 12
        assert sizes[digest] == sum(layer["size"] for layer in manifest["layers"])


def test_sizes_range_from_megabytes_to_gigabytes(ecr):
    small = ecr.describe_images(repositoryName="base/distroless", maxResults=1000)["imageDetails"]
    large = ecr.describe_images(repositoryName="ml/trainer", maxResults=1000)["imageDetails"]
    assert min(d["imageSizeInBytes"] for d in small) < 10_000_000
    assert min(d["imageSizeInBytes"] for d in large) > 1_000_000_000


def test_manifest_lists_have_their_children(ecr):
    details = ecr.describe_images(repositoryName="base/python", maxResults=1000)["imageDetails"]
    digests = {d["imageDigest"] for d in details}
    indexes = [d for d in details if d["imageManifestMediaType"].endswith("index.v1+json")]
    assert indexes
    manifests = ecr.batch_get_image(repositoryName="base/python", imageIds=[{"imageDigest": d["imageDigest"]} for d in indexes])["images"]
    for image in manifests:
        children = [m["digest"] for m in json.loads(image["imageManifest"])["manifests"]]
        assert {"amd64", "arm64"} <= {m["platform"]["architecture"] for m in json.loads(image["imageManifest"])["manifests"]}
        assert set(children) <= digests
    [latest] = [d for d in details if "latest" in d.get("imageTags", [])]
    child = json.loads(next(i for i in manifests if i["imageId"]["imageDigest"] == latest["imageDigest"])["imageManifest"])["manifests"][0]["digest"]
    failure = ecr.batch_delete_image(repositoryName="base/python", imageIds=[{"imageDigest": child}])["failures"][0]
    assert failure["failureCode"] == "ImageReferencedByManifestList"


def test_tags_look_like_ci(ecr):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="web/frontend", maxResults=1000)
    tags = [t for d in details for t in d.get("imageTags", [])]
    assert any(t.startswith("main-") and len(t) == 12 for t in tags)
    assert any(t.startswith("pr-") for t in tags)
    assert any(t.startswith("v") and t.count(".") == 2 for t in tags)
    assert "latest" in tags
    assert any(len(d.get("imageTags", [])) >= 3 for d in details)
    assert any("imageTags" not in d for d in details)


def test_times_pulls_and_scans(ecr):
    now = datetime.now(timezone.utc)
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName="payments/api", maxResults=1000)
    pushed = [d["imagePushedAt"] for d in details]
    assert now - max(pushed) < timedelta(days=3)
    assert timedelta(days=300) < now - min(pushed) <= timedelta(days=400)
    pulled = [d for d in details if "lastRecordedPullTime" in d]
    assert len(details) * 0.6 < len(pulled) < len(details)
    assert all(d["imagePushedAt"] <= d["lastRecordedPullTime"] <= now for d in pulled)
    scanned = [d for d in details if d.get("imageScanStatus", {}).get("status") == "COMPLETE"]
    assert len(scanned) > len(details) * 0.8
    summary = scanned[0]["imageScanFindingsSummary"]
    assert {"imageScanCompletedAt", "vulnerabilitySourceUpdatedAt", "findingSeverityCounts"} <= set(summary)


def _summary_run(anchor):
    output = subprocess.run(
        [sys.executable, SERVER, "--summary", "--anchor", anchor],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout
    return json.loads(output)


def test_seed_is_deterministic(summary):
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(_summary_run, ["2026-01-01T00:00:00Z"] * 2)
    assert first["fingerprint"] == second["fingerprint"]
    # Counts and sizes do not depend on the anchor at all.
    assert first["regions"] == summary["regions"]


def test_repository_and_registry_settings_for_the_detail_view(ecr, sandbox):
    policy = json.loads(ecr.get_repository_policy(repositoryName="payments/api")["policyText"])
    assert [s["Sid"] for s in policy["Statement"]] == ["CiPush", "ProdNodesPull"]
    [api] = ecr.describe_repositories(repositoryNames=["payments/api"])["repositories"]
    tags = ecr.list_tags_for_resource(resourceArn=api["repositoryArn"])["tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "payments", "managed-by": "terraform"}
    scanning = ecr.get_registry_scanning_configuration()["scanningConfiguration"]
    assert scanning == {
        "scanType": "BASIC",
        "rules": [{"scanFrequency": "SCAN_ON_PUSH",
                   "repositoryFilters": [{"filter": "payments/*", "filterType": "WILDCARD"}]}],
    }
    [rule] = ecr.describe_registry()["replicationConfiguration"]["rules"]
    assert rule["destinations"] == [{"region": "eu-west-1", "registryId": "123456789012"},
                                    {"region": "us-west-2", "registryId": "210987654321"}]
    # Replication does not copy a repository's policy to the destination.
    with pytest.raises(ClientError) as excinfo:
        sandbox.client("eu-west-1").get_repository_policy(repositoryName="payments/api")
    assert error_code(excinfo) == "RepositoryPolicyNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        ecr.get_repository_policy(repositoryName="payments/worker")
    assert error_code(excinfo) == "RepositoryPolicyNotFoundException"


def test_pull_through_cache_rules_are_missing_from_moto(ecr):
    # moto 5.2.5 lacks DescribePullThroughCacheRules: an HTML 500, no ECR error code.
    # berth shows "not supported by this endpoint" for it; this keeps the gap visible.
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_pull_through_cache_rules()
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert error_code(excinfo) == "500"


COSIGN = "application/vnd.dev.cosign.artifact.sig.v1+json"
NOTATION = "application/vnd.cncf.notary.signature"
SPDX = "application/spdx+json"
IN_TOTO = "application/vnd.in-toto+json"


def _details(ecr, repository):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=repository, maxResults=1000)
    return {d["imageDigest"]: d for d in details}


def _referrers(ecr, repository, subject):
    found, _ = all_pages(ecr.list_image_referrers, "referrers", repositoryName=repository,
                         subjectId={"imageDigest": subject})
    return found


def _graph(ecr, repository):
    """The repository's images, and its referrers per subject (from DescribeImages)."""
    details = _details(ecr, repository)
    by_subject = {}
    for detail in details.values():
        if "subjectManifestDigest" in detail:
            by_subject.setdefault(detail["subjectManifestDigest"], []).append(detail)
    return details, by_subject


def test_cosign_signatures_sboms_attestations_and_an_orphan(ecr, summary):
    details, by_subject = _graph(ecr, "checkout/cart")
    referrers = [d for group in by_subject.values() for d in group]
    types = Counter(d["artifactMediaType"] for d in referrers)
    assert types[COSIGN] >= 5 and types[SPDX] >= 1 and types[SPDX] == types[IN_TOTO]
    assert all("imageTags" not in d for d in referrers)
    [orphan] = [s for s in by_subject if s not in details]
    counted = summary["regions"]["us-east-1"]["repositories"]["checkout/cart"]
    assert (counted["referrers"], counted["orphaned_referrers"]) == (len(referrers), 1)
    assert summary["regions"]["us-east-1"]["totals"]["orphaned_referrers"] == 1
    assert [d["artifactMediaType"] for d in by_subject[orphan]] == [COSIGN]
    assert any(Counter(d["artifactMediaType"] for d in group)[COSIGN] == 2 for group in by_subject.values())
    for subject, group in by_subject.items():
        listed = _referrers(ecr, "checkout/cart", subject)
        assert {r["digest"] for r in listed} == {d["imageDigest"] for d in group}
        for entry in listed:
            assert entry["artifactType"] == details[entry["digest"]]["artifactMediaType"]
            assert entry["artifactStatus"] == "ACTIVE"
            assert "org.opencontainers.image.created" in entry["annotations"]
        if subject in details:
            assert details[subject].get("imageTags")
            assert all(d["imagePushedAt"] >= details[subject]["imagePushedAt"] for d in group)


def test_managed_signing_notation_signatures_and_statuses(ecr):
    details, by_subject = _graph(ecr, "platform/gateway")
    statuses = {}
    for digest, detail in details.items():
        if "subjectManifestDigest" in detail:
            continue
        found = ecr.describe_image_signing_status(repositoryName="platform/gateway",
                                                  imageId={"imageDigest": digest})["signingStatuses"]
        if found:
            statuses[digest] = found
    assert len(statuses) >= 3
    kinds = Counter(s["status"] for found in statuses.values() for s in found)
    assert kinds["COMPLETE"] >= 3 and kinds["IN_PROGRESS"] >= 1 and kinds["FAILED"] == 1
    assert any(len(found) == 2 for found in statuses.values())
    for digest, found in statuses.items():
        signatures = [r for r in _referrers(ecr, "platform/gateway", digest) if r["artifactType"] == NOTATION]
        # One notation signature per profile that signed it.
        assert len(signatures) == sum(1 for s in found if s["status"] == "COMPLETE")
        for entry in signatures:
            annotations = entry["annotations"]
            assert json.loads(annotations["io.cncf.notary.x509chain.thumbprint#S256"])
            assert annotations["org.opencontainers.image.created"].endswith("Z")
        for status in found:
            assert status["signingProfileArn"].startswith("arn:aws:signer:us-east-1:123456789012:/signing-profiles/")
            assert ("failureCode" in status) == ("failureReason" in status) == (status["status"] == "FAILED")
    # Images from before managed signing have no status and no signature.
    unsigned = [d for d in details if d not in statuses and "subjectManifestDigest" not in details[d]]
    assert unsigned and all(d not in by_subject for d in unsigned)


def test_signatures_on_multi_arch_indexes(ecr):
    details, by_subject = _graph(ecr, "infra/nginx")
    assert by_subject
    for subject, group in by_subject.items():
        assert details[subject]["imageManifestMediaType"] == "application/vnd.oci.image.index.v1+json"
        assert [d["artifactMediaType"] for d in group] == [COSIGN]


def test_replication_statuses_with_a_failed_destination(ecr):
    def statuses(repository, digest):
        return ecr.describe_image_replication_status(
            repositoryName=repository, imageId={"imageDigest": digest})["replicationStatuses"]

    newest = {}
    for repository in ("payments/api", "payments/worker"):
        details = sorted(_details(ecr, repository).values(), key=lambda d: d["imagePushedAt"], reverse=True)
        newest[repository] = [d["imageDigest"] for d in details]
    failed = [s for d in newest["payments/api"][:3] for s in statuses("payments/api", d) if s["region"] == "us-west-2"]
    assert [s["status"] for s in failed] == ["FAILED"] * 3 and all(s["failureCode"] for s in failed)
    assert {"region": "eu-west-1", "registryId": "123456789012", "status": "COMPLETE"} in statuses(
        "payments/api", newest["payments/api"][0])
    worker = {s["region"]: s["status"] for s in statuses("payments/worker", newest["payments/worker"][0])}
    assert worker == {"eu-west-1": "COMPLETE", "us-west-2": "IN_PROGRESS"}
    # The oldest images predate replication: no destination received them.
    assert statuses("payments/api", newest["payments/api"][-1]) == []
    # Repositories outside payments/ are not replicated.
    some = next(iter(_details(ecr, "web/admin")))
    assert statuses("web/admin", some) == []
