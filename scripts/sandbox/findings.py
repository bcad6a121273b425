"""Scan findings and the scan lifecycle, as ECR has them and moto lacks them
(the catalogue the findings are drawn from is `findings_catalogue.py`).

moto answers DescribeImageScanFindings with one fixed fake finding, never pages,
and lets StartImageScan go once per calendar day with no status transition.
Here:

- Every scanned image has a `ScanRecord` (attribute `berth_scan`). The seed
  writes one for each image it scanned, holding the severity counts it drew;
  the findings themselves are planned from the counts, the image's software
  stack and its digest on first read, then cached. Seeding stays instant and
  every read, run and machine sees the same findings, always agreeing with the
  counts DescribeImages reports.
- Most repositories get the basic shape (`findings[]` with `attributes`);
  `ENHANCED_REPOSITORIES` get Amazon Inspector's `enhancedFindings[]` (status
  ACTIVE, no `findingSeverityCounts` in DescribeImageScanFindings, UNTRIAGED
  instead of UNDEFINED). ECR serves one shape per registry; the sandbox mixes
  them so a single registry exercises both readers.
- Two real CVEs are planted in many images of many repositories
  (`SHARED_CRITICAL`, `SHARED_HIGH`) so triage has something to group, and
  `seed_standard_extras` gives web/frontend:latest a finding whose text is
  hostile (escape sequences, OSC 52, BEL, a very long word).
- DescribeImageScanFindings takes the image by digest or tag and pages with
  `maxResults` (1-1000, default 100) / `nextToken` like the other corrected
  listings.
- StartImageScan: one scan per image per rolling 24 hours, seeded scans
  included (`LimitExceededException`); manifest lists are refused with
  `UnsupportedImageTypeException`; a started scan answers IN_PROGRESS to the
  next `IN_PROGRESS_READS` status reads (DescribeImages listing or by id,
  DescribeImageScanFindings), and the read after that finds it COMPLETE
  (UNSUPPORTED_IMAGE for artifacts). Counting reads instead of seconds keeps
  tests deterministic: a poller sees IN_PROGRESS exactly twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import LimitExceededException, ScanNotFoundException
from moto.ecr.models import ECRBackend, Image
from moto.ecr.responses import ECRResponse

import ecr_fixes
from findings_catalogue import (
    ECOSYSTEMS,
    FAMILY_ECOSYSTEMS,
    HOSTILE,
    HOSTILE_URI,
    SEVERITIES,
    SHARED_CRITICAL,
    SHARED_HIGH,
    Cve,
    catalogue_entry,
)
from manifests import Rng

# Inspector calls findings it has not rated UNTRIAGED where basic scanning says UNDEFINED.
ENHANCED_SEVERITY = {"UNDEFINED": "UNTRIAGED"}

ENHANCED_REPOSITORIES = frozenset({"security/scanner"})
IN_PROGRESS_READS = 2
SCAN_QUOTA = timedelta(hours=24)
HOSTILE_REPOSITORY = "web/frontend"
HOSTILE_TAG = "latest"

COMPLETE = {"status": "COMPLETE", "description": "The scan was completed successfully."}
ACTIVE = {"status": "ACTIVE", "description": "Continuous scan is selected for image."}
UNSUPPORTED = {"status": "UNSUPPORTED_IMAGE", "description": "The operating system and/or package manager are not supported."}


class UnsupportedImageTypeException(ServiceException):
    code = "UnsupportedImageTypeException"

    def __init__(self) -> None:
        super().__init__("The image is of a type that cannot be scanned.")


def scan_quota_exceeded() -> LimitExceededException:
    error = LimitExceededException()
    # ECR's wording; moto's default message names no limit.
    error.message = "The scan quota per image has been exceeded. Wait and try again."
    return error


# --------------------------------------------------------------------------
# Per-image scan state


@dataclass
class ScanRecord:
    """What the sandbox knows about an image's latest scan."""

    enhanced: bool
    ecosystems: tuple[str, ...]
    scanned_at: datetime  # when the latest scan started (the 24-hour quota counts from here)
    status: dict[str, str]  # the final status, reached once `pending_reads` is 0
    counts: Optional[dict[str, int]] = None  # basic severity names, zero counts left out
    pending_reads: int = 0
    extra: list[Cve] = field(default_factory=list)
    _findings: Optional[list[tuple[Cve, str]]] = None  # (entry, severity as reported)

    def findings(self, digest: str) -> list[tuple[Cve, str]]:
        if self._findings is None:
            self._findings = plan_findings(digest, self.counts or {}, self.ecosystems, self.extra)
        return self._findings


def ecosystems_of(stack: Optional[str]) -> tuple[str, ...]:
    family = (stack or "debian").partition(":")[0]
    return FAMILY_ECOSYSTEMS.get(family, ("debian",))


def plan_findings(digest: str, counts: dict[str, int], ecosystems: tuple[str, ...], extra: list[Cve]) -> list[tuple[Cve, str]]:
    """Exactly `counts[severity]` findings per severity, `extra` among them."""
    rng = Rng(f"berth-findings/{digest}")
    chosen: list[Cve] = []
    for severity in SEVERITIES:
        wanted = counts.get(severity, 0)
        picked = [c for c in extra if c.severity == severity][:wanted]
        shared = SHARED_CRITICAL if severity == "CRITICAL" else SHARED_HIGH if severity == "HIGH" else {}
        for ecosystem in ecosystems:
            if len(picked) < wanted and ecosystem in shared and shared[ecosystem].name not in {c.name for c in picked}:
                picked.append(shared[ecosystem])
        # Pools are a little larger than any count the seed draws; a larger count
        # simply reaches further into the (unbounded) catalogue.
        pool = [(e, i) for e in ecosystems for i in range(max(POOL_SIZES[severity], wanted))]
        rng.shuffle(pool)
        for ecosystem, index in pool:
            if len(picked) >= wanted:
                break
            picked.append(catalogue_entry(ecosystem, severity, index))
        chosen.extend(picked)
    # ECR lists findings in no useful order; berth must sort them itself.
    rng.shuffle(chosen)
    return [(c, c.severity) for c in chosen]


POOL_SIZES = {"CRITICAL": 4, "HIGH": 14, "MEDIUM": 30, "LOW": 40, "INFORMATIONAL": 10, "UNDEFINED": 3}


def record_seeded_scan(image: Image, repository: str, stack: Optional[str], scanned_at: Optional[datetime]) -> None:
    """Give a scan the seed wrote onto `image` (status, summary) its findings.

    Called right after the seed set `image_scan_status` and
    `image_scan_findings_summary`; for enhanced repositories the status and
    the summary's severity names are rewritten the way Inspector reports them.
    """
    image.berth_stack = stack  # type: ignore[attr-defined]
    status = getattr(image, "image_scan_status", None)
    if status is None or scanned_at is None:
        return
    enhanced = repository in ENHANCED_REPOSITORIES
    summary = getattr(image, "image_scan_findings_summary", None)
    counts = dict(summary["findingSeverityCounts"]) if summary else None
    if enhanced and status["status"] == "COMPLETE":
        status = dict(ACTIVE)
        image.image_scan_status = dict(status)  # type: ignore[attr-defined]
        if summary is not None:
            summary["findingSeverityCounts"] = _reported_counts(counts or {}, True)
    image.berth_scan = ScanRecord(  # type: ignore[attr-defined]
        enhanced=enhanced,
        ecosystems=ecosystems_of(stack),
        scanned_at=scanned_at,
        status=dict(status),
        counts=counts if status["status"] in ("COMPLETE", "ACTIVE") else None,
    )


def _reported_counts(counts: dict[str, int], enhanced: bool) -> dict[str, int]:
    if not enhanced:
        return dict(counts)
    return {ENHANCED_SEVERITY.get(k, k): v for k, v in counts.items()}


def add_finding(image: Image, cve: Cve) -> None:
    """Add one more finding to a completed seeded scan, keeping the counts in step."""
    record: ScanRecord = image.berth_scan  # type: ignore[attr-defined]
    if record.counts is None:
        raise ValueError("the image has no completed scan to add a finding to")
    record.counts[cve.severity] = record.counts.get(cve.severity, 0) + 1
    record.extra.append(cve)
    record._findings = None
    summary = image.image_scan_findings_summary  # type: ignore[attr-defined]
    summary["findingSeverityCounts"] = _reported_counts(record.counts, record.enhanced)


def seed_standard_extras(backend: ECRBackend) -> None:
    """The hostile finding, on an image a person opens first: web/frontend:latest."""
    repository = backend._get_repository(HOSTILE_REPOSITORY)
    image = ecr_fixes.find_image(repository, HOSTILE_TAG, None)
    if image is None or getattr(image, "berth_scan", None) is None:
        raise RuntimeError(f"{HOSTILE_REPOSITORY}:{HOSTILE_TAG} should have a completed scan")
    add_finding(image, HOSTILE)


def set_scanned_at(image: Image, when: datetime) -> bool:
    record: Optional[ScanRecord] = getattr(image, "berth_scan", None)
    if record is None:
        return False
    record.scanned_at = when
    return True


# --------------------------------------------------------------------------
# Status reads and StartImageScan


def observe(image: Image) -> None:
    """Count one status read of `image`; a started scan settles after enough of them."""
    record: Optional[ScanRecord] = getattr(image, "berth_scan", None)
    if record is None or image.image_scan_status is None:  # type: ignore[attr-defined]
        return
    if image.image_scan_status.get("status") != "IN_PROGRESS":  # type: ignore[attr-defined]
        return
    if record.pending_reads > 0:
        record.pending_reads -= 1
        return
    now = ecr_fixes.utc_now()
    image.image_scan_status = dict(record.status)  # type: ignore[attr-defined]
    if record.counts is not None:
        image.image_scan_findings_summary = {  # type: ignore[attr-defined]
            "imageScanCompletedAt": now,
            "vulnerabilitySourceUpdatedAt": now - timedelta(hours=3, minutes=41),
            "findingSeverityCounts": _reported_counts(record.counts, record.enhanced),
        }


def _draw_counts(digest: str) -> dict[str, int]:
    # The same spread as the seed's scans of fresh images.
    rng = Rng(f"berth-scan/{digest}")
    counts = {
        "CRITICAL": rng.randint(1, 2) if rng.chance(0.25) else 0,
        "HIGH": rng.randint(0, 5),
        "MEDIUM": rng.randint(0, 10),
        "LOW": rng.randint(0, 15),
        "INFORMATIONAL": rng.randint(0, 6),
        "UNDEFINED": rng.randint(0, 1) if rng.chance(0.2) else 0,
    }
    return {k: v for k, v in counts.items() if v}


def _scannable(image: Image) -> bool:
    artifact = getattr(image, "artifact_media_type", None)
    if artifact is None:
        return True
    return "container.image" in artifact or artifact == "application/vnd.oci.image.config.v1+json"


def start_scan(image: Image, repository: str) -> dict[str, str]:
    if image.image_manifest_media_type in ecr_fixes.INDEX_MEDIA_TYPES:
        raise UnsupportedImageTypeException()
    now = ecr_fixes.utc_now()
    record: Optional[ScanRecord] = getattr(image, "berth_scan", None)
    if record is not None and now - record.scanned_at < SCAN_QUOTA:
        raise scan_quota_exceeded()
    if record is None:
        enhanced = repository in ENHANCED_REPOSITORIES
        record = ScanRecord(
            enhanced=enhanced,
            ecosystems=ecosystems_of(getattr(image, "berth_stack", None)),
            scanned_at=now,
            status=dict(ACTIVE if enhanced else COMPLETE),
        )
        image.berth_scan = record  # type: ignore[attr-defined]
    record.scanned_at = now
    record.pending_reads = IN_PROGRESS_READS
    if not _scannable(image):
        record.status, record.counts = dict(UNSUPPORTED), None
    else:
        # The vulnerability database does not change here: a rescan finds what
        # the last complete scan found, and a first scan draws from the digest.
        record.status = dict(ACTIVE if record.enhanced else COMPLETE)
        if record.counts is None:
            record.counts = _draw_counts(image.get_image_digest())
            record._findings = None
    image.image_scan_status = {"status": "IN_PROGRESS"}  # type: ignore[attr-defined]
    image.image_scan_findings_summary = None  # type: ignore[attr-defined]
    return image.image_scan_status  # type: ignore[attr-defined,no-any-return]


# --------------------------------------------------------------------------
# Response shapes


def _basic(cve: Cve) -> dict[str, Any]:
    attributes = [
        {"key": "package_version", "value": cve.version},
        {"key": "package_name", "value": cve.package},
    ]
    if cve.vector:
        attributes.append({"key": "CVSS3_VECTOR", "value": cve.vector})
        attributes.append({"key": "CVSS3_SCORE", "value": f"{cve.score}"})
    finding: dict[str, Any] = {
        "name": cve.name,
        "description": cve.description,
        "uri": HOSTILE_URI if cve is HOSTILE else ECOSYSTEMS[cve.ecosystem][2] + cve.name,
        "severity": cve.severity,
        "attributes": attributes,
    }
    return finding


def _enhanced(cve: Cve, severity: str, image: Image, region: str, account: str, observed: datetime) -> dict[str, Any]:
    digest = image.get_image_digest()
    manager, source, url, _ = ECOSYSTEMS[cve.ecosystem]
    packages = [{
        "name": cve.package,
        "version": cve.version,
        "fixedInVersion": cve.fixed or "NotAvailable",
        "packageManager": manager,
        "epoch": 0,
    }]
    if cve.partial:
        packages.append({"name": cve.partial, "version": cve.version, "fixedInVersion": "NotAvailable",
                         "packageManager": manager, "epoch": 0})
    if manager == "OS":
        for package in packages:
            package["arch"] = "X86_64"
    fix = "NO" if cve.fixed is None else "PARTIAL" if cve.partial else "YES"
    first_seen = observed - timedelta(days=min(cve.published, 30))
    finding_id = hashlib.sha256(f"{digest}/{cve.name}".encode()).hexdigest()[:32]
    reported = ENHANCED_SEVERITY.get(severity, severity)
    finding: dict[str, Any] = {
        "awsAccountId": account,
        "description": cve.description,
        "findingArn": f"arn:aws:inspector2:{region}:{account}:finding/{finding_id}",
        "firstObservedAt": first_seen,
        "lastObservedAt": observed,
        "updatedAt": observed,
        "packageVulnerabilityDetails": {
            "vulnerabilityId": cve.name,
            "source": source,
            "sourceUrl": (HOSTILE_URI if cve is HOSTILE else url + cve.name),
            "vendorSeverity": reported,
            "vulnerablePackages": packages,
            "referenceUrls": [f"https://nvd.nist.gov/vuln/detail/{cve.name}"],
            "cvss": [{"baseScore": cve.score, "scoringVector": cve.vector, "source": "NVD", "version": "3.1"}]
            if cve.vector else [],
        },
        "remediation": {"recommendation": {
            "text": f"Upgrade {cve.package} to {cve.fixed} or later." if cve.fixed else "None Provided",
        }},
        "resources": [{
            "type": "AWS_ECR_CONTAINER_IMAGE",
            "id": f"arn:aws:ecr:{region}:{account}:repository/{image.repository_name}/{digest}",
            "details": {"awsEcrContainerImage": {
                "architecture": "amd64",
                "imageHash": digest,
                "imageTags": list(image.image_tags),
                "registry": account,
                "repositoryName": image.repository_name,
                "pushedAt": image.image_pushed_at,
            }},
        }],
        "severity": reported,
        "status": "ACTIVE",
        "title": f"{cve.name} - {cve.package}",
        "type": "PACKAGE_VULNERABILITY",
        "fixAvailable": fix,
        "exploitAvailable": "YES" if cve.exploit else "NO",
    }
    if cve.score is not None:
        finding["score"] = cve.score
        finding["scoreDetails"] = {"cvss": {"score": cve.score, "scoreSource": "NVD", "scoringVector": cve.vector,
                                            "version": "3.1", "adjustments": []}}
    return finding


def fix_describe_image_scan_findings() -> None:
    """Findings by digest or tag, paged, in the image's shape (basic or enhanced)."""

    def describe_image_scan_findings(self: ECRResponse) -> ActionResult:
        repository_name = self._get_param("repositoryName")
        registry_id = self._get_param("registryId")
        image_id = self._get_param("imageId") or {}
        tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
        with ecr_fixes.LOCK:
            repository = ecr_fixes._find_repository(self.ecr_backend, repository_name, registry_id)
            image = repository._get_image(tag, digest)
            record: Optional[ScanRecord] = getattr(image, "berth_scan", None)
            if record is None or getattr(image, "image_scan_status", None) is None:
                raise ScanNotFoundException(
                    image_id=f"{{imageDigest:'{digest or 'null'}', imageTag:'{tag or 'null'}'}}",
                    repository_name=repository.name,
                    registry_id=repository.registry_id,
                )
            observe(image)
            result: dict[str, Any] = {
                "registryId": repository.registry_id,
                "repositoryName": repository.name,
                "imageId": ecr_fixes.answered_id(image, tag),
                "imageScanStatus": dict(image.image_scan_status),
            }
            summary = getattr(image, "image_scan_findings_summary", None)
            if image.image_scan_status["status"] not in ("COMPLETE", "ACTIVE") or summary is None:
                # Paging parameters are still checked, as ECR checks them.
                ecr_fixes._max_results(self)
                return ActionResult(result)
            scope = f"{self.current_account}/{self.region}/{registry_id or ''}/{repository.name}/{image.get_image_digest()}"
            indexed = list(enumerate(record.findings(image.get_image_digest())))
            page, next_token = ecr_fixes._paginate(
                indexed, lambda item: [item[0]], self, "DescribeImageScanFindings", scope
            )
            findings: dict[str, Any] = {
                "imageScanCompletedAt": summary.get("imageScanCompletedAt"),
                "vulnerabilitySourceUpdatedAt": summary.get("vulnerabilitySourceUpdatedAt"),
            }
            if record.enhanced:
                # Inspector-backed answers leave the counts out; clients count themselves.
                observed = summary.get("imageScanCompletedAt") or ecr_fixes.utc_now()
                findings["enhancedFindings"] = [
                    _enhanced(cve, severity, image, self.region, self.current_account, observed)
                    for _, (cve, severity) in page
                ]
            else:
                findings["findingSeverityCounts"] = dict(summary.get("findingSeverityCounts") or {})
                findings["findings"] = [_basic(cve) for _, (cve, _) in page]
            result["imageScanFindings"] = findings
            if next_token:
                result["nextToken"] = next_token
        return ActionResult(result)

    ECRResponse.describe_image_scan_findings = describe_image_scan_findings  # type: ignore[method-assign]


def fix_start_image_scan() -> None:
    """One scan per image per 24 h; IN_PROGRESS for a few reads, then done."""

    def start_image_scan(self: ECRResponse) -> ActionResult:
        repository_name = self._get_param("repositoryName")
        registry_id = self._get_param("registryId")
        image_id = self._get_param("imageId") or {}
        tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
        with ecr_fixes.LOCK:
            repository = ecr_fixes._find_repository(self.ecr_backend, repository_name, registry_id)
            image = repository._get_image(tag, digest)
            status = start_scan(image, repository.name)
        return ActionResult({
            "registryId": repository.registry_id,
            "repositoryName": repository.name,
            "imageId": ecr_fixes.answered_id(image, tag),
            "imageScanStatus": dict(status),
        })

    ECRResponse.start_image_scan = start_image_scan  # type: ignore[method-assign]


def fix_scan_status_reads() -> None:
    """DescribeImages counts as a status read of every image it returns."""
    ecr_fixes.DETAIL_HOOKS.append(observe)


FIXES = [fix_describe_image_scan_findings, fix_start_image_scan, fix_scan_status_reads]
