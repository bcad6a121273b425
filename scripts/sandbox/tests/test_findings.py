"""Scan findings and StartImageScan in the standard seed (findings.py)."""

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from helpers import DOCKER_MANIFEST, all_pages, error_code, image_manifest

SANDBOX_ARGS = ["--seed", "standard"]
RATED = {"CRITICAL", "HIGH", "MEDIUM", "LOW"}


def scanned(ecr, repository, status="COMPLETE"):
    details, _ = all_pages(ecr.describe_images, "imageDetails", repositoryName=repository, maxResults=1000)
    return [d for d in details if d.get("imageScanStatus", {}).get("status") == status]


def all_findings(ecr, repository, image_id, key="findings", **kwargs):
    pages = []
    token = None
    while True:
        response = ecr.describe_image_scan_findings(
            repositoryName=repository, imageId=image_id, **kwargs, **({"nextToken": token} if token else {})
        )
        pages.append(response)
        token = response.get("nextToken")
        if not token:
            break
    return [f for p in pages for f in p.get("imageScanFindings", {}).get(key, [])], pages


def attributes(finding):
    return {a["key"]: a["value"] for a in finding["attributes"]}


def test_basic_findings_agree_with_describe_images_counts(ecr):
    images = scanned(ecr, "payments/api")
    assert len(images) > 100
    for detail in images[:25]:
        expected = detail["imageScanFindingsSummary"]["findingSeverityCounts"]
        findings, pages = all_findings(ecr, "payments/api", {"imageDigest": detail["imageDigest"]}, maxResults=1000)
        assert len(pages) == 1
        assert dict(Counter(f["severity"] for f in findings)) == expected
        assert pages[0]["imageScanFindings"]["findingSeverityCounts"] == expected
        assert pages[0]["imageScanStatus"]["status"] == "COMPLETE"
        assert len({f["name"] for f in findings}) == len(findings)
        for finding in findings:
            attrs = attributes(finding)
            assert attrs["package_name"] and attrs["package_version"]
            assert finding["name"].startswith("CVE-") and finding["uri"].startswith("https://")
            if finding["severity"] in RATED:
                low, high = {"CRITICAL": (9, 10), "HIGH": (7, 8.9), "MEDIUM": (4, 6.9), "LOW": (0.1, 3.9)}[finding["severity"]]
                assert low <= float(attrs["CVSS3_SCORE"]) <= high
                assert attrs["CVSS3_VECTOR"].startswith("CVSS:3.1/")


def test_enhanced_findings_have_inspector_shape_and_no_counts(ecr):
    images = scanned(ecr, "security/scanner", status="ACTIVE")
    assert len(images) >= 10
    shapes = Counter()
    for detail in images:
        expected = detail["imageScanFindingsSummary"]["findingSeverityCounts"]
        findings, pages = all_findings(ecr, "security/scanner", {"imageDigest": detail["imageDigest"]},
                                       key="enhancedFindings", maxResults=1000)
        section = pages[0]["imageScanFindings"]
        assert "findingSeverityCounts" not in section and "findings" not in section
        assert dict(Counter(f["severity"] for f in findings)) == expected
        for finding in findings:
            details = finding["packageVulnerabilityDetails"]
            package = details["vulnerablePackages"][0]
            assert package["name"] and package["version"]
            assert finding["title"].startswith(details["vulnerabilityId"])
            assert finding["fixAvailable"] in ("YES", "NO", "PARTIAL")
            assert finding["exploitAvailable"] in ("YES", "NO")
            assert (package["fixedInVersion"] == "NotAvailable") == (finding["fixAvailable"] == "NO")
            assert finding["status"] == "ACTIVE" and finding["type"] == "PACKAGE_VULNERABILITY"
            if finding["severity"] in RATED:
                assert finding["score"] == details["cvss"][0]["baseScore"]
            shapes[finding["severity"]] += 1
            shapes[finding["fixAvailable"]] += 1
    # Inspector says UNTRIAGED where basic scanning says UNDEFINED.
    assert "UNDEFINED" not in shapes
    assert {"CRITICAL", "HIGH", "MEDIUM", "LOW", "YES", "NO"} <= set(shapes)


def test_findings_page_with_max_results_and_next_token(ecr):
    detail = max(scanned(ecr, "web/frontend"), key=lambda d: sum(d["imageScanFindingsSummary"]["findingSeverityCounts"].values()))
    image_id = {"imageDigest": detail["imageDigest"]}
    whole, _ = all_findings(ecr, "web/frontend", image_id, maxResults=1000)
    assert len(whole) > 30
    paged, pages = all_findings(ecr, "web/frontend", image_id, maxResults=7)
    assert [f["name"] for f in paged] == [f["name"] for f in whole]
    assert len(pages) == -(-len(whole) // 7)
    assert all(p["imageScanFindings"]["findingSeverityCounts"] == pages[0]["imageScanFindings"]["findingSeverityCounts"] for p in pages)
    default, default_pages = all_findings(ecr, "web/frontend", image_id)
    assert default == whole and len(default_pages) == -(-len(whole) // 100)

    other = next(d for d in scanned(ecr, "web/frontend") if d["imageDigest"] != detail["imageDigest"])
    token = pages[0]["nextToken"]
    for bad in [{"nextToken": token, "imageId": {"imageDigest": other["imageDigest"]}},
                {"nextToken": "garbage", "imageId": image_id},
                {"maxResults": 1001, "imageId": image_id}]:
        with pytest.raises(ClientError) as excinfo:
            ecr.describe_image_scan_findings(repositoryName="web/frontend", **bad)
        assert error_code(excinfo) == "InvalidParameterException"


def test_findings_by_tag_or_digest(ecr):
    [detail] = ecr.describe_images(repositoryName="web/frontend", imageIds=[{"imageTag": "production"}])["imageDetails"]
    by_tag, tag_pages = all_findings(ecr, "web/frontend", {"imageTag": "production"}, maxResults=5)
    by_digest, digest_pages = all_findings(ecr, "web/frontend", {"imageDigest": detail["imageDigest"]}, maxResults=5)
    assert by_tag == by_digest
    assert tag_pages[0]["imageId"] == {"imageTag": "production", "imageDigest": detail["imageDigest"]}
    assert "imageTag" not in digest_pages[0]["imageId"]
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_image_scan_findings(repositoryName="web/frontend", imageId={"imageTag": "no-such-tag"})
    assert error_code(excinfo) == "ImageNotFoundException"


def test_shared_cves_span_many_images_and_repositories(ecr):
    images = Counter()
    repositories = {}
    for repository in ("web/frontend", "payments/api", "payments/ledger", "search/api", "ml/inference"):
        for detail in scanned(ecr, repository):
            counts = detail["imageScanFindingsSummary"]["findingSeverityCounts"]
            if not counts.get("CRITICAL") and not counts.get("HIGH"):
                continue
            findings, _ = all_findings(ecr, repository, {"imageDigest": detail["imageDigest"]}, maxResults=1000)
            for finding in findings:
                if finding["severity"] in ("CRITICAL", "HIGH"):
                    images[finding["name"]] += 1
                    repositories.setdefault(finding["name"], set()).add(repository)
    assert images["CVE-2023-45853"] >= 20 and len(repositories["CVE-2023-45853"]) >= 4
    assert images["CVE-2023-44487"] >= 100 and len(repositories["CVE-2023-44487"]) == 5


def test_a_finding_carries_hostile_text(ecr):
    findings, _ = all_findings(ecr, "web/frontend", {"imageTag": "latest"}, maxResults=1000)
    [hostile] = [f for f in findings if "\x1b" in f["description"]]
    assert hostile["severity"] == "HIGH"
    for needle in ("\x1b]52;c;", "\x07", "\x1b[2J", "\x1b[6n", "\x9b"):
        assert needle in hostile["description"]
    assert len(hostile["description"]) > 3000
    assert "\x1b" in attributes(hostile)["package_name"] and "\x1b" in hostile["uri"]
    [detail] = ecr.describe_images(repositoryName="web/frontend", imageIds=[{"imageTag": "latest"}])["imageDetails"]
    assert detail["imageScanFindingsSummary"]["findingSeverityCounts"] == dict(Counter(f["severity"] for f in findings))


def test_start_image_scan_goes_in_progress_then_complete(ecr):
    [detail] = ecr.describe_images(repositoryName="web/admin", imageIds=[{"imageTag": "latest"}])["imageDetails"]
    assert "imageScanStatus" not in detail
    image_id = {"imageDigest": detail["imageDigest"]}
    with pytest.raises(ClientError) as excinfo:
        ecr.describe_image_scan_findings(repositoryName="web/admin", imageId=image_id)
    assert error_code(excinfo) == "ScanNotFoundException"

    started = ecr.start_image_scan(repositoryName="web/admin", imageId={"imageTag": "latest"})
    assert started["imageScanStatus"]["status"] == "IN_PROGRESS"
    assert started["imageId"] == {"imageTag": "latest", "imageDigest": detail["imageDigest"]}
    # Two status reads answer IN_PROGRESS (of either kind), the third finds the scan done.
    [first] = ecr.describe_images(repositoryName="web/admin", imageIds=[image_id])["imageDetails"]
    assert first["imageScanStatus"] == {"status": "IN_PROGRESS"} and "imageScanFindingsSummary" not in first
    second = ecr.describe_image_scan_findings(repositoryName="web/admin", imageId=image_id)
    assert second["imageScanStatus"]["status"] == "IN_PROGRESS" and "imageScanFindings" not in second
    [third] = ecr.describe_images(repositoryName="web/admin", imageIds=[image_id])["imageDetails"]
    assert third["imageScanStatus"]["status"] == "COMPLETE"
    counts = third["imageScanFindingsSummary"]["findingSeverityCounts"]
    findings, _ = all_findings(ecr, "web/admin", image_id, maxResults=1000)
    assert dict(Counter(f["severity"] for f in findings)) == counts


def test_one_scan_per_image_per_24_hours(ecr, sandbox):
    [detail] = ecr.describe_images(repositoryName="web/admin", imageIds=[{"imageTag": "production"}])["imageDetails"]
    image_id = {"imageDigest": detail["imageDigest"]}
    ecr.start_image_scan(repositoryName="web/admin", imageId=image_id)
    with pytest.raises(ClientError) as excinfo:
        ecr.start_image_scan(repositoryName="web/admin", imageId={"imageTag": "production"})
    assert error_code(excinfo) == "LimitExceededException"
    assert "scan quota" in excinfo.value.response["Error"]["Message"]
    reads = [ecr.describe_images(repositoryName="web/admin", imageIds=[image_id])["imageDetails"][0] for _ in range(3)]
    assert reads[-1]["imageScanStatus"]["status"] == "COMPLETE"
    before, _ = all_findings(ecr, "web/admin", image_id, maxResults=1000)

    def scanned_ago(hours):
        at = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat()
        status, body = sandbox.call("POST", "image-times", {
            "repository": "web/admin", "images": [{"digest": detail["imageDigest"], "scanned_at": at}],
        })
        assert status == 200 and body["updated"] == [detail["imageDigest"]], body

    scanned_ago(23)
    with pytest.raises(ClientError) as excinfo:
        ecr.start_image_scan(repositoryName="web/admin", imageId=image_id)
    assert error_code(excinfo) == "LimitExceededException"
    scanned_ago(25)
    assert ecr.start_image_scan(repositoryName="web/admin", imageId=image_id)["imageScanStatus"]["status"] == "IN_PROGRESS"
    for _ in range(3):
        ecr.describe_images(repositoryName="web/admin", imageIds=[image_id])
    after, _ = all_findings(ecr, "web/admin", image_id, maxResults=1000)
    assert after == before  # the vulnerability database has not changed


def test_seeded_scans_count_towards_the_quota(ecr, sandbox):
    detail = scanned(ecr, "payments/ledger")[0]
    status, body = sandbox.call("POST", "image-times", {
        "repository": "payments/ledger",
        "images": [{"digest": detail["imageDigest"], "scanned_at": datetime.now(timezone.utc).isoformat()}],
    })
    assert status == 200, body
    with pytest.raises(ClientError) as excinfo:
        ecr.start_image_scan(repositoryName="payments/ledger", imageId={"imageDigest": detail["imageDigest"]})
    assert error_code(excinfo) == "LimitExceededException"
    never = ecr.describe_images(repositoryName="web/admin", maxResults=1)["imageDetails"][0]
    status, body = sandbox.call("POST", "image-times", {
        "repository": "web/admin", "images": [{"digest": never["imageDigest"], "scanned_at": "2026-01-01T00:00:00Z"}],
    })
    assert status == 400 and "never scanned" in body["message"]


def test_manifest_lists_and_artifacts_cannot_be_scanned(ecr):
    details = ecr.describe_images(repositoryName="base/node", maxResults=1000)["imageDetails"]
    index = next(d for d in details if d["imageManifestMediaType"].endswith("manifest.list.v2+json"))
    with pytest.raises(ClientError) as excinfo:
        ecr.start_image_scan(repositoryName="base/node", imageId={"imageDigest": index["imageDigest"]})
    assert error_code(excinfo) == "UnsupportedImageTypeException"

    cache = ecr.describe_images(repositoryName="ci/build-cache", maxResults=1)["imageDetails"][0]
    image_id = {"imageDigest": cache["imageDigest"]}
    ecr.start_image_scan(repositoryName="ci/build-cache", imageId=image_id)
    statuses = [ecr.describe_image_scan_findings(repositoryName="ci/build-cache", imageId=image_id) for _ in range(3)]
    assert [s["imageScanStatus"]["status"] for s in statuses] == ["IN_PROGRESS", "IN_PROGRESS", "UNSUPPORTED_IMAGE"]
    assert "imageScanFindings" not in statuses[-1]


def test_plain_moto_answers_one_fake_finding(plain_ecr):
    plain_ecr.create_repository(repositoryName="plain/repo")
    plain_ecr.put_image(repositoryName="plain/repo", imageManifest=image_manifest("plain"), imageTag="v1",
                        imageManifestMediaType=DOCKER_MANIFEST)
    plain_ecr.start_image_scan(repositoryName="plain/repo", imageId={"imageTag": "v1"})
    answer = plain_ecr.describe_image_scan_findings(repositoryName="plain/repo", imageId={"imageTag": "v1"}, maxResults=1)
    assert [f["name"] for f in answer["imageScanFindings"]["findings"]] == ["CVE-9999-9999"]
    assert answer["imageScanStatus"]["status"] == "COMPLETE"  # no IN_PROGRESS phase
