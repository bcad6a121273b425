"""The artifact graph moto 5.2.5 does not know: OCI referrers, replication status and
managed signing status.

moto stores a manifest with a `subject` like any other and answers nothing about it;
ListImageReferrers, DescribeImageReplicationStatus and DescribeImageSigningStatus are
not implemented there at all (HTTP 500). One `fix_*` function per difference, installed
by `ecr_fixes.apply()`; DescribeImages' `subjectManifestDigest` and `artifactMediaType`
are read from the manifest at push time (`ecr_fixes.put_image_ecr`).

The AWS sentences each choice rests on are quoted next to the code; where the
documentation is silent, the comment says that the behaviour is ours.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from moto.core.responses import ActionResult
from moto.ecr.exceptions import InvalidParameterException
from moto.ecr.models import ECRBackend, Image, Repository, ecr_backends
from moto.ecr.responses import ECRResponse

import ecr_fixes
from ecr_fixes import LOCK, invalid_parameter

# "This value can be between 1 and 50. If this parameter is not used, then
# ListImageReferrers returns up to 50 results and a nextToken value, if applicable."
REFERRERS_MAX_RESULTS = 50
ARTIFACT_STATUS_FILTERS = ("ACTIVE", "ARCHIVED", "ACTIVATING", "ANY")
REPLICATION_STATUSES = ("IN_PROGRESS", "COMPLETE", "FAILED")
SIGNING_STATUSES = ("IN_PROGRESS", "COMPLETE", "FAILED")


# --------------------------------------------------------------------------
# ListImageReferrers


def referrers_of(repository: Repository, subject: str) -> list[Image]:
    """The manifests of `repository` whose `subject` is `subject`, in push order."""
    index = ecr_fixes.index_of(repository)
    found = (index.by_digest.get(d) for d in index.referrers.get(subject, ()))
    return sorted((i for i in found if i is not None), key=ecr_fixes._seq)


def referrer_entry(image: Image) -> dict[str, Any]:
    """One ImageReferrer: the fields of an OCI referrers-API descriptor, plus the status.

    ECR documents `size` only as "The size, in bytes, of the artifact."; the fields mirror
    the OCI referrers response, whose descriptors give the size of the referrer's manifest,
    so that is the figure here (a comparison with real ECR should settle it). Annotations
    are the manifest's own `annotations`, as the OCI referrers API copies them.
    """
    manifest = json.loads(image.image_manifest)
    entry: dict[str, Any] = {
        "digest": image.get_image_digest(),
        "mediaType": image.image_manifest_media_type,
        "size": len(image.image_manifest.encode("utf-8")),
        "artifactStatus": getattr(image, "image_status", "ACTIVE"),
    }
    artifact_type = getattr(image, "artifact_media_type", None)
    if artifact_type:
        entry["artifactType"] = artifact_type
    annotations = manifest.get("annotations")
    if isinstance(annotations, dict) and annotations:
        entry["annotations"] = {str(k): str(v) for k, v in annotations.items()}
    return entry


def fix_list_image_referrers() -> None:
    """ListImageReferrers: the manifests of the repository whose `subject` is the given
    digest, paged by maxResults (1–50, default 50) / nextToken, filtered by
    `filter.artifactTypes` and `filter.artifactStatus` (default ACTIVE).

    ECR: "Lists the artifacts associated with a specified subject image." and "If no
    filter is specified, only artifacts with ACTIVE status are returned." The subject
    need not exist: ListImageReferrers documents no ImageNotFoundException, and the OCI
    distribution spec's referrers endpoint answers whether or not the digest exists, so
    the referrers a deleted image left behind can still be found.
    """

    def list_image_referrers(self: ECRResponse) -> ActionResult:
        repository_name = self._get_param("repositoryName")
        registry_id = self._get_param("registryId")
        subject_id = self._get_param("subjectId")
        if not repository_name:
            raise invalid_parameter("repositoryName", "Member must not be null")
        if not isinstance(subject_id, dict) or not subject_id.get("imageDigest"):
            raise invalid_parameter("subjectId.imageDigest", "Member must not be null")
        subject = subject_id["imageDigest"]
        if not isinstance(subject, str) or not ecr_fixes.DIGEST_PATTERN.fullmatch(subject):
            raise InvalidParameterException(
                "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'"
            )
        image_filter = self._get_param("filter") or {}
        if not isinstance(image_filter, dict):
            raise invalid_parameter("filter", "Member must be an object")
        types = image_filter.get("artifactTypes")
        if types is not None and not (isinstance(types, list) and all(isinstance(t, str) for t in types)):
            raise invalid_parameter("filter.artifactTypes", "Member must be a list of strings")
        status = image_filter.get("artifactStatus") or "ACTIVE"
        if status not in ARTIFACT_STATUS_FILTERS:
            raise invalid_parameter(
                "filter.artifactStatus", "Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]"
            )
        limit = ecr_fixes._max_results(self, REFERRERS_MAX_RESULTS, REFERRERS_MAX_RESULTS)
        with LOCK:
            repository = ecr_fixes._find_repository(self.ecr_backend, repository_name, registry_id)
            found = [
                image for image in referrers_of(repository, subject)
                if (status == "ANY" or getattr(image, "image_status", "ACTIVE") == status)
                # An empty list filters nothing out, like no filter at all (our choice).
                and (not types or getattr(image, "artifact_media_type", None) in types)
            ]
            scope = f"{self.current_account}/{self.region}/{registry_id or ''}/{repository_name}/{subject}"
            page, next_token = ecr_fixes._paginate(
                found, lambda i: [ecr_fixes._seq(i)], self, "ListImageReferrers", scope, limit
            )
            referrers = [referrer_entry(image) for image in page]
        return ActionResult({"referrers": referrers, "nextToken": next_token})

    ECRResponse.list_image_referrers = list_image_referrers  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# DescribeImageReplicationStatus


def _filters_match(filters: Optional[list[dict[str, Any]]], name: str) -> bool:
    # "If no filters are added, the contents of all repositories are replicated." The
    # only filter type is PREFIX_MATCH: "the repository name prefix to configure
    # replication for".
    if not filters:
        return True
    return any(f.get("filterType") == "PREFIX_MATCH" and name.startswith(f.get("filter", "")) for f in filters)


def _destination_holds(account: str, region: str, repository_name: str, digest: str) -> bool:
    if account not in dict.keys(ecr_backends) or region not in dict.keys(ecr_backends[account]):
        return False
    repository = ecr_backends[account][region].repositories.get(repository_name)
    return repository is not None and digest in ecr_fixes.index_of(repository).by_digest


def replication_statuses(backend: ECRBackend, repository: Repository, image: Image) -> list[dict[str, Any]]:
    """One status per destination of the registry's rules that match the repository.

    A status recorded on the image (the seed's, or `/moto-api/berth/artifact-status`) wins;
    otherwise a destination whose same-named repository holds the digest is COMPLETE.
    A destination that holds nothing and has no record is left out: "By default,
    replication only applies to images pushed after the replication configuration is
    applied", and the sandbox never copies anything itself, so no replication of that
    image was ever attempted (what ECR answers then is not documented).
    """
    recorded: dict[tuple[str, str], dict[str, Any]] = getattr(image, "replication_record", {})
    digest = image.get_image_digest()
    statuses: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for rule in (backend.replication_config or {}).get("rules", []):
        if not _filters_match(rule.get("repositoryFilters"), repository.name):
            continue
        for destination in rule.get("destinations", []):
            key = (destination["region"], destination.get("registryId") or backend.account_id)
            if key in seen:
                continue
            seen.add(key)
            if key in recorded:
                statuses.append({"region": key[0], "registryId": key[1], **recorded[key]})
            elif _destination_holds(key[1], key[0], repository.name, digest):
                statuses.append({"region": key[0], "registryId": key[1], "status": "COMPLETE"})
    return statuses


def fix_describe_image_replication_status() -> None:
    """DescribeImageReplicationStatus (moto: HTTP 500): the image's status per replication
    destination of the registry's rules whose filters match the repository."""

    def describe_image_replication_status(self: ECRResponse) -> ActionResult:
        with LOCK:
            repository, image, tag = ecr_fixes.requested_image(self)
            statuses = replication_statuses(self.ecr_backend, repository, image)
        return ActionResult({
            "repositoryName": repository.name,
            "imageId": ecr_fixes.answered_id(image, tag),
            "replicationStatuses": statuses,
        })

    ECRResponse.describe_image_replication_status = describe_image_replication_status  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# DescribeImageSigningStatus


def fix_describe_image_signing_status() -> None:
    """DescribeImageSigningStatus (moto: HTTP 500): the signing statuses recorded on the
    image, one per signing profile.

    ECR: "Returns the signing status for a specified image. If the image matched signing
    rules that reference different signing profiles, a status is returned for each
    profile." Managed signing signs "when images are pushed"; the sandbox signs nothing
    itself, so an image has the statuses the seed (or `/moto-api/berth/artifact-status`)
    recorded, and none otherwise.
    """

    def describe_image_signing_status(self: ECRResponse) -> ActionResult:
        with LOCK:
            repository, image, tag = ecr_fixes.requested_image(self)
            statuses = [dict(s) for s in getattr(image, "signing_record", [])]
        return ActionResult({
            "repositoryName": repository.name,
            "imageId": ecr_fixes.answered_id(image, tag),
            "registryId": repository.registry_id,
            "signingStatuses": statuses,
        })

    ECRResponse.describe_image_signing_status = describe_image_signing_status  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# Recording statuses (seed and route)


def record_replication(image: Image, region: str, registry_id: str, status: str, failure_code: Optional[str] = None) -> None:
    """Record the replication of `image` to one destination (FAILED needs a failure code;
    ECR's ImageReplicationStatus has a `failureCode` and no reason)."""
    if status not in REPLICATION_STATUSES:
        raise ValueError(f"replication status must be one of {', '.join(REPLICATION_STATUSES)}")
    if (status == "FAILED") != (failure_code is not None):
        raise ValueError("a failure code goes with FAILED, and only with it")
    entry: dict[str, Any] = {"status": status}
    if failure_code is not None:
        entry["failureCode"] = str(failure_code)
    record = image.__dict__.setdefault("replication_record", {})
    record[(region, registry_id)] = entry


def record_signing(
    image: Image, profile_arn: str, status: str,
    failure_code: Optional[str] = None, failure_reason: Optional[str] = None,
) -> None:
    """Record the signing status of `image` for one signing profile, replacing an earlier
    one for that profile. "failureCode: The failure code, which is only present if status
    is FAILED." (failureReason likewise)."""
    if status not in SIGNING_STATUSES:
        raise ValueError(f"signing status must be one of {', '.join(SIGNING_STATUSES)}")
    if (status == "FAILED") != (failure_code is not None and failure_reason is not None):
        raise ValueError("a failure code and reason go with FAILED, and only with it")
    entry: dict[str, Any] = {"signingProfileArn": str(profile_arn), "status": status}
    if failure_code is not None:
        entry["failureCode"] = str(failure_code)
        entry["failureReason"] = str(failure_reason)
    record = [s for s in image.__dict__.get("signing_record", []) if s["signingProfileArn"] != profile_arn]
    record.append(entry)
    image.__dict__["signing_record"] = record


def set_artifact_status(backend: ECRBackend, repository_name: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /moto-api/berth/artifact-status`: replication and signing statuses of one image."""
    if not hasattr(ECRResponse, "list_image_referrers"):
        raise ValueError("artifact statuses need the corrected server (not --plain)")
    replication = body.get("replication", [])
    signing = body.get("signing", [])
    if not isinstance(replication, list) or not isinstance(signing, list):
        raise ValueError("replication and signing must be lists")
    with LOCK:
        repository = backend._get_repository(repository_name)
        image = ecr_fixes.index_of(repository).by_digest.get(str(body.get("digest")))
        if image is None:
            raise ValueError(f"no image {body.get('digest')} in {repository_name}")
        for entry in replication:
            record_replication(
                image, str(entry["region"]), str(entry.get("registry_id") or backend.account_id),
                str(entry["status"]), entry.get("failure_code"),
            )
        for entry in signing:
            record_signing(
                image, str(entry["profile_arn"]), str(entry["status"]),
                entry.get("failure_code"), entry.get("failure_reason"),
            )
        return {
            "digest": image.get_image_digest(),
            "replication": replication_statuses(backend, repository, image),
            "signing": list(getattr(image, "signing_record", [])),
        }


FIXES = [
    fix_list_image_referrers,
    fix_describe_image_replication_status,
    fix_describe_image_signing_status,
]
