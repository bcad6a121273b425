"""Corrections that make moto's ECR answer the way Amazon ECR does.

moto 5.2.5 is close to ECR for most calls, but differs in ways berth depends on
(digests, sizes, paging, tag moves, manifest lists, error codes). Each difference
is corrected by one function named `fix_*` below; `apply()` installs them all.
They replace methods on moto's classes inside this process only, so moto itself
stays pristine and `server.py --plain` can still show its original behaviour.

Where ECR's behaviour is not documented, the choice made is written next to
the code so that a later comparison with the real service can settle it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Optional

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import (
    ImageAlreadyExistsException,
    ImageNotFoundException,
    InvalidParameterException,
)
from moto.ecr.models import ECRBackend, Image, Repository, RepoTagMutability
from moto.ecr.responses import ECRResponse

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_MEDIA_TYPES = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})

MAX_RESULTS_LIMIT = 1000
DEFAULT_MAX_RESULTS = 100
MAX_IMAGE_IDS = 100

TAG_PATTERN = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}")
DIGEST_PATTERN = re.compile(r"[a-zA-Z0-9_+.-]+:[a-fA-F0-9]+")

# moto is not thread-safe and the server answers requests on several threads;
# every corrected operation holds this lock so the per-repository indexes below
# never disagree with moto's image lists.
LOCK = threading.RLock()

# Images get a creation sequence number; pages are cut on it, so a page boundary
# survives images being deleted or tags moving between two page requests.
_SEQUENCE = itertools.count(1)

_applied = False


# --------------------------------------------------------------------------
# Errors ECR has and moto lacks


class ImageTagAlreadyExistsException(ServiceException):
    code = "ImageTagAlreadyExistsException"

    def __init__(self, repository_name: str, tag: str):
        super().__init__(
            f"The image tag '{tag}' already exists in the '{repository_name}' "
            "repository and cannot be overwritten because the tag is immutable."
        )


class ImageDigestDoesNotMatchException(ServiceException):
    code = "ImageDigestDoesNotMatchException"

    def __init__(self, given: str, computed: str):
        super().__init__(
            f"Provided digest '{given}' does not match digest of image manifest "
            f"'{computed}' computed by Amazon ECR."
        )


class ReferencedImagesNotFoundException(ServiceException):
    code = "ReferencedImagesNotFoundException"

    def __init__(self, missing: list[str]):
        super().__init__(
            "The manifest list is referencing images that do not exist in the "
            f"repository: {missing}"
        )


def invalid_parameter(name: str, constraint: str) -> InvalidParameterException:
    # ECR words constraint failures this way; moto already does for other fields.
    return InvalidParameterException(
        f"Invalid parameter at '{name}' failed to satisfy constraint: '{constraint}'"
    )


# --------------------------------------------------------------------------
# Image model


def utc_now() -> datetime:
    now = datetime.now(timezone.utc)
    # ECR timestamps carry milliseconds; keeping the same precision means a value
    # read back through the API compares equal to the one stored.
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def manifest_digest(manifest: str) -> str:
    return "sha256:" + hashlib.sha256(manifest.encode("utf-8")).hexdigest()


def is_index(parsed: dict[str, Any], media_type: Optional[str]) -> bool:
    if media_type in INDEX_MEDIA_TYPES:
        return True
    return "manifests" in parsed and "layers" not in parsed


class BerthImage(Image):
    """An image as ECR describes it.

    Size, digest, children and the optional DescribeImages fields are plain
    attributes, named like the response fields so moto's serializer picks them up.
    """

    # moto files every model class under the service named in its module path.
    __module__ = "moto.ecr.models"

    # How long a restore from the archive keeps an image ACTIVATING. ECR takes minutes and
    # documents no figure; tests want seconds (archive.set_restore_delay).
    restore_delay = timedelta(seconds=2)

    def __init__(
        self,
        account_id: str,
        registry_id: str,
        repository_name: str,
        manifest: str,
        media_type: str,
        digest: str,
        size: int,
        children: list[str],
        artifact_media_type: Optional[str],
        pushed_at: datetime,
        subject_manifest_digest: Optional[str] = None,
    ):
        super().__init__(
            account_id,
            None,  # type: ignore[arg-type]
            manifest,
            repository_name,
            media_type,
            digest,
            registry_id,
        )
        self.image_pushed_at = pushed_at
        self.children = children
        self.artifact_media_type = artifact_media_type
        # An OCI referrer (signature, SBOM, attestation) names the image it refers to.
        self.subject_manifest_digest = subject_manifest_digest
        self.last_recorded_pull_time: Optional[datetime] = None
        self.image_scan_status: Optional[dict[str, Any]] = None
        self.image_scan_findings_summary: Optional[dict[str, Any]] = None
        # Storage class (archive.py): ACTIVE, ARCHIVED, or ACTIVATING until `_activates_at`.
        self._status = "ACTIVE"
        self._activates_at: Optional[datetime] = None
        self._last_activated_at: Optional[datetime] = None
        self.last_archived_at: Optional[datetime] = None
        self.seq = next(_SEQUENCE)
        self._size = size

    @property
    def image_status(self) -> str:
        self._settle()
        return self._status

    @property
    def last_activated_at(self) -> Optional[datetime]:
        self._settle()
        return self._last_activated_at

    def _settle(self) -> None:
        # A restore finishes on its own once its moment has passed, whoever looks first.
        if self._activates_at is not None and utc_now() >= self._activates_at:
            self._status = "ACTIVE"
            self._last_activated_at = self._activates_at
            self._activates_at = None

    def archive(self, at: datetime) -> None:
        self._status = "ARCHIVED"
        self._activates_at = None
        self.last_archived_at = at

    def restore(self, at: datetime) -> None:
        """Back to standard storage: ACTIVATING until `at + restore_delay`, then ACTIVE."""
        self._status = "ACTIVATING"
        self._activates_at = at + self.restore_delay
        self._settle()

    def restored(self, at: datetime) -> None:
        """A restore that finished at `at` (for seeded histories)."""
        self._status = "ACTIVE"
        self._activates_at = None
        self._last_activated_at = at

    def never_archived(self) -> None:
        self._status = "ACTIVE"
        self._activates_at = None
        self._last_activated_at = self.last_archived_at = None

    @property
    def image_size_in_bytes(self) -> int:  # type: ignore[override]
        return self._size

    def get_image_size_in_bytes(self) -> int:
        return self._size

    def get_image_digest(self) -> str:
        return self._image_digest  # type: ignore[return-value]

    def add_tag(self, tag: str) -> None:
        if tag not in self.image_tags:
            self.image_tags.append(tag)
        self.image_tag = tag

    def drop_tag(self, tag: str) -> None:
        if tag in self.image_tags:
            self.image_tags.remove(tag)
        self.image_tag = self.image_tags[-1] if self.image_tags else None  # type: ignore[assignment]


class RepoIndex:
    """Lookups by digest and tag, which manifest lists reference which image, and
    which referrers (manifests with a `subject`) name which image.

    moto finds images by scanning the repository's list, which makes seeding
    tens of thousands of images quadratic; the list stays moto's source of truth
    and this index is kept in step by every corrected operation.
    """

    def __init__(self, images: Iterable[Image]):
        self.by_digest: dict[str, Image] = {}
        self.by_tag: dict[str, Image] = {}
        self.parents: dict[str, set[str]] = {}
        # subject digest -> digests of the manifests whose `subject` names it; the subject
        # need not exist (OCI lets a referrer be pushed before, or outlive, its subject).
        self.referrers: dict[str, set[str]] = {}
        for image in images:
            self.added(image)

    def added(self, image: Image) -> None:
        digest = image.get_image_digest()
        self.by_digest[digest] = image
        for tag in image.image_tags:
            self.by_tag[tag] = image
        for child in getattr(image, "children", ()):
            self.parents.setdefault(child, set()).add(digest)
        subject = getattr(image, "subject_manifest_digest", None)
        if subject:
            self.referrers.setdefault(subject, set()).add(digest)

    def removed(self, image: Image) -> None:
        digest = image.get_image_digest()
        self.by_digest.pop(digest, None)
        for tag in image.image_tags:
            if self.by_tag.get(tag) is image:
                del self.by_tag[tag]
        for child in getattr(image, "children", ()):
            holders = self.parents.get(child)
            if holders is not None:
                holders.discard(digest)
                if not holders:
                    del self.parents[child]
        subject = getattr(image, "subject_manifest_digest", None)
        referring = self.referrers.get(subject) if subject else None
        if referring is not None:
            referring.discard(digest)
            if not referring:
                del self.referrers[subject]  # type: ignore[arg-type]


def index_of(repository: Repository) -> RepoIndex:
    index = repository.__dict__.get("_berth_index")
    if index is None:
        index = RepoIndex(repository.images)
        repository.__dict__["_berth_index"] = index
    return index


def _wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def tag_is_immutable(repository: Repository, tag: str) -> bool:
    # Exclusion filters are ECR wildcard patterns ('*' only), not regexes.
    filters = repository.image_tag_mutability_exclusion_filters or []
    excluded = any(_wildcard(f.get("filter", "")).fullmatch(tag) for f in filters)
    mutability = repository.image_tag_mutability
    if mutability in (RepoTagMutability.IMMUTABLE, RepoTagMutability.IMMUTABLE_WITH_EXCLUSION):
        return not excluded
    if mutability == RepoTagMutability.MUTABLE_WITH_EXCLUSION:
        return excluded
    return False


def _image_not_found(repository: Repository, tag: Optional[str], digest: Optional[str]) -> ImageNotFoundException:
    return ImageNotFoundException(
        image_id=f"{{imageDigest:'{digest or 'null'}', imageTag:'{tag or 'null'}'}}",
        repository_name=repository.name,
        registry_id=repository.registry_id,
    )


def answered_id(image: Image, tag: Optional[str]) -> dict[str, str]:
    """The imageId an answer carries: the digest, and the tag if the request named one."""
    answered = {"imageDigest": image.get_image_digest()}
    if tag:
        answered["imageTag"] = tag
    return answered


def find_image(repository: Repository, tag: Optional[str], digest: Optional[str]) -> Optional[Image]:
    index = index_of(repository)
    if digest:
        image = index.by_digest.get(digest)
        if image is not None and tag and tag not in image.image_tags:
            return None
        return image
    if tag:
        return index.by_tag.get(tag)
    return None


def _find_repository(backend: ECRBackend, name: str, registry_id: Optional[str]) -> Repository:
    return backend._get_repository(name, registry_id)


def requested_image(response: ECRResponse) -> tuple[Repository, Image, Optional[str]]:
    """The repository and image a request's repositoryName / registryId / imageId name,
    and the tag it asked by (callers hold LOCK)."""
    repository_name = response._get_param("repositoryName")
    image_id = response._get_param("imageId")
    if not repository_name:
        raise invalid_parameter("repositoryName", "Member must not be null")
    if not isinstance(image_id, dict):
        raise invalid_parameter("imageId", "Member must not be null")
    failure = _id_failure(image_id)
    if failure is not None:
        raise InvalidParameterException(failure["failureReason"])
    tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
    repository = _find_repository(response.ecr_backend, repository_name, response._get_param("registryId"))
    image = find_image(repository, tag, digest)
    if image is None:
        raise _image_not_found(repository, tag, digest)
    return repository, image, tag


# --------------------------------------------------------------------------
# PutImage: digest, size, tag moves, immutability, manifest lists


def put_image_ecr(
    backend: ECRBackend,
    repository_name: str,
    image_manifest: str,
    image_tag: Optional[str],
    image_manifest_mediatype: Optional[str] = None,
    digest: Optional[str] = None,
    registry_id: Optional[str] = None,
    pushed_at: Optional[datetime] = None,
) -> BerthImage:
    repository = _find_repository(backend, repository_name, registry_id)
    try:
        parsed = json.loads(image_manifest)
    except (TypeError, ValueError):
        raise invalid_parameter("imageManifest", "Invalid JSON syntax")
    if not isinstance(parsed, dict):
        raise invalid_parameter("imageManifest", "Invalid JSON syntax")

    in_manifest = parsed.get("mediaType")
    media_type = image_manifest_mediatype or in_manifest
    if not media_type:
        raise InvalidParameterException(
            "image manifest mediatype not provided in manifest or parameter"
        )
    if image_manifest_mediatype and in_manifest and image_manifest_mediatype != in_manifest:
        raise invalid_parameter(
            "imageManifestMediaType", "Media type does not match the manifest's mediaType"
        )
    if image_tag is not None and not TAG_PATTERN.fullmatch(image_tag):
        raise invalid_parameter(
            "imageTag", "Member must satisfy regular expression pattern: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}"
        )

    # ECR names an image by the sha256 of the exact manifest bytes and refuses a
    # push whose declared digest disagrees (rather than silently correcting it).
    computed = manifest_digest(image_manifest)
    if digest and digest != computed:
        raise ImageDigestDoesNotMatchException(digest, computed)

    index = index_of(repository)
    existing = index.by_digest.get(computed)
    holder = index.by_tag.get(image_tag) if image_tag is not None else None

    if existing is not None:
        if getattr(existing, "image_status", "ACTIVE") == "ARCHIVED":
            # ECR: "The image can be restored as an active image by manually selecting it
            # to be restored or by re-pushing the image to the repository." Whether a push
            # goes through ACTIVATING is not documented; the sandbox says it does.
            existing.restore(utc_now())  # type: ignore[attr-defined]
            if image_tag is None or image_tag in existing.image_tags:
                return existing  # type: ignore[return-value]
        elif image_tag is None or image_tag in existing.image_tags:
            raise ImageAlreadyExistsException(
                repository_name=repository.name,
                registry_id=repository.registry_id,
                digest=computed,
                image_tag=image_tag or "null",
            )
        if holder is not None:
            _move_tag_away(repository, index, holder, image_tag)
        _tag(index, existing, image_tag)
        return existing  # type: ignore[return-value]

    children: list[str] = []
    # OCI 1.1: a manifest's `artifactType` names what it carries; without one, the config's
    # mediaType does (the referrers API reports it the same way). An index has no config.
    artifact_media_type = parsed.get("artifactType") if isinstance(parsed.get("artifactType"), str) else None
    subject = parsed.get("subject")
    subject_digest = subject.get("digest") if isinstance(subject, dict) else None
    if subject_digest is not None and not (isinstance(subject_digest, str) and DIGEST_PATTERN.fullmatch(subject_digest)):
        raise invalid_parameter("imageManifest", "subject.digest is not a valid digest")
    if is_index(parsed, media_type):
        children = [m.get("digest") for m in parsed.get("manifests", []) if m.get("digest")]
        missing = [c for c in children if c not in index.by_digest]
        if missing:
            raise ReferencedImagesNotFoundException(missing)
        # ECR documents a manifest list's size as the largest of its manifests'.
        size = max((index.by_digest[c].get_image_size_in_bytes() or 0 for c in children), default=0)
    else:
        # ECR reports the compressed size of the layers; the config blob is not a layer.
        size = sum(int(layer.get("size", 0)) for layer in parsed.get("layers", []))
        artifact_media_type = artifact_media_type or (parsed.get("config") or {}).get("mediaType")

    if holder is not None:
        _move_tag_away(repository, index, holder, image_tag)  # type: ignore[arg-type]

    image = BerthImage(
        account_id=backend.account_id,
        registry_id=repository.registry_id,
        repository_name=repository.name,
        manifest=image_manifest,
        media_type=media_type,
        digest=computed,
        size=size,
        children=children,
        artifact_media_type=artifact_media_type,
        pushed_at=pushed_at or utc_now(),
        subject_manifest_digest=subject_digest,
    )
    if image_tag is not None:
        image.add_tag(image_tag)
    repository.images.append(image)
    index.added(image)
    return image


def _move_tag_away(repository: Repository, index: RepoIndex, holder: Image, tag: str) -> None:
    # A mutable tag pushed onto another manifest moves; the image it leaves keeps
    # existing, untagged if that was its last tag (moto deletes it instead).
    if tag_is_immutable(repository, tag):
        raise ImageTagAlreadyExistsException(repository.name, tag)
    holder.drop_tag(tag)  # type: ignore[attr-defined]
    if index.by_tag.get(tag) is holder:
        del index.by_tag[tag]


def _tag(index: RepoIndex, image: Image, tag: str) -> None:
    image.add_tag(tag)  # type: ignore[attr-defined]
    index.by_tag[tag] = image


def fix_put_image() -> None:
    """Digest = sha256(manifest); size = layers (max of children for lists);
    tags move instead of deleting images; ImageTagAlreadyExistsException; pushing an
    archived image again restores it."""

    def put_image(
        self: ECRBackend,
        repository_name: str,
        image_manifest: str,
        image_tag: Optional[str],
        image_manifest_mediatype: Optional[str] = None,
        digest: Optional[str] = None,
        registry_id: Optional[str] = None,
    ) -> Image:
        with LOCK:
            return put_image_ecr(
                self, repository_name, image_manifest, image_tag,
                image_manifest_mediatype, digest, registry_id,
            )

    def put_image_response(self: ECRResponse) -> ActionResult:
        image = self.ecr_backend.put_image(
            self._get_param("repositoryName"),
            self._get_param("imageManifest"),
            self._get_param("imageTag"),
            self._get_param("imageManifestMediaType"),
            self._get_param("imageDigest"),
            self._get_param("registryId"),
        )
        return ActionResult({"image": image})

    ECRBackend.put_image = put_image  # type: ignore[method-assign]
    ECRResponse.put_image = put_image_response  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# Lookups by id


def fix_image_lookup() -> None:
    """Find images through the index, so requests stay fast in big repositories."""

    def _get_image(self: Repository, image_tag: Optional[str], image_digest: Optional[str]) -> Image:
        with LOCK:
            image = find_image(self, image_tag, image_digest)
        if image is None:
            raise _image_not_found(self, image_tag, image_digest)
        return image

    Repository._get_image = _get_image  # type: ignore[method-assign]


def fix_describe_images_by_id() -> None:
    """DescribeImages(imageIds): request order, no duplicates, ≤ 100 ids."""

    def describe_images(
        self: ECRBackend,
        repository_name: str,
        registry_id: Optional[str] = None,
        image_ids: Optional[list[dict[str, str]]] = None,
    ) -> list[Image]:
        with LOCK:
            repository = _find_repository(self, repository_name, registry_id)
            if not image_ids:
                return sorted(repository.images, key=_seq)
            if len(image_ids) > MAX_IMAGE_IDS:
                raise invalid_parameter("imageIds", "Member must have length less than or equal to 100")
            found: dict[str, Image] = {}
            for image_id in image_ids:
                tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
                image = find_image(repository, tag, digest)
                if image is None:
                    raise _image_not_found(repository, tag, digest)
                found.setdefault(image.get_image_digest(), image)
            return list(found.values())

    ECRBackend.describe_images = describe_images  # type: ignore[method-assign]


class _PulledImage:
    """One entry of BatchGetImage, carrying the id in the form it was asked for."""

    def __init__(self, image: Image, image_id: dict[str, str], asked: dict[str, str]):
        self.asked = asked  # the id as the request gave it, for a failure to echo
        self.registry_id = image.registry_id
        self.repository_name = image.repository_name
        self.image_id = image_id
        self.image_manifest = image.image_manifest
        self.image_manifest_media_type = image.image_manifest_media_type


def fix_batch_get_image() -> None:
    """BatchGetImage answers each id once, in the form asked, with ECR's failures."""

    def batch_get_image(
        self: ECRBackend,
        repository_name: str,
        registry_id: Optional[str] = None,
        image_ids: Optional[list[dict[str, Any]]] = None,
    ) -> dict[str, Any]:
        with LOCK:
            repository = _find_repository(self, repository_name, registry_id)
            if not image_ids:
                raise invalid_parameter("imageIds", "Member must have length greater than or equal to 1")
            if len(image_ids) > MAX_IMAGE_IDS:
                raise invalid_parameter("imageIds", "Member must have length less than or equal to 100")
            images: list[_PulledImage] = []
            failures: list[dict[str, Any]] = []
            for image_id in image_ids:
                tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
                failure = _id_failure(image_id)
                if failure is not None:
                    failures.append(failure)
                    continue
                image = find_image(repository, tag, digest)
                if image is None:
                    failures.append(_failure(image_id, "ImageNotFound", "Requested image not found"))
                    continue
                images.append(_PulledImage(image, answered_id(image, tag), dict(image_id)))
            return {"images": images, "failures": failures}

    ECRBackend.batch_get_image = batch_get_image  # type: ignore[method-assign]


def _failure(image_id: dict[str, Any], code: str, reason: str) -> dict[str, Any]:
    return {"imageId": dict(image_id), "failureCode": code, "failureReason": reason}


def _id_failure(image_id: dict[str, Any]) -> Optional[dict[str, Any]]:
    tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
    if not tag and not digest:
        return _failure(
            image_id, "MissingDigestAndTag",
            "Invalid request parameters: both tag and digest cannot be null",
        )
    if digest and not DIGEST_PATTERN.fullmatch(digest):
        return _failure(
            image_id, "InvalidImageDigest",
            "Invalid request parameters: image digest should satisfy the regex "
            "'[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'",
        )
    if tag and not TAG_PATTERN.fullmatch(tag):
        return _failure(
            image_id, "InvalidImageTag",
            "Invalid request parameters: image tag should satisfy the regex "
            "'[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'",
        )
    return None


# --------------------------------------------------------------------------
# BatchDeleteImage


def fix_batch_delete_image() -> None:
    """Per-id results like ECR, and ImageReferencedByManifestList protection.

    Ids are handled in request order: deleting a manifest list and then its
    children in one call works, the other order fails for the children. Deleting
    by tag only removes the tag unless it is the image's last one, in which case
    the image goes, which a manifest list's reference prevents. An id with both
    digest and tag removes that tag if the tag is on that digest.
    """

    def batch_delete_image(
        self: ECRBackend,
        repository_name: str,
        registry_id: Optional[str] = None,
        image_ids: Optional[list[dict[str, str]]] = None,
    ) -> dict[str, Any]:
        with LOCK:
            repository = _find_repository(self, repository_name, registry_id)
            if not image_ids:
                raise invalid_parameter("imageIds", "Member must have length greater than or equal to 1")
            if len(image_ids) > MAX_IMAGE_IDS:
                raise invalid_parameter("imageIds", "Member must have length less than or equal to 100")
            index = index_of(repository)
            deleted: list[dict[str, str]] = []
            failures: list[dict[str, Any]] = []
            for image_id in image_ids:
                failure = _id_failure(image_id)
                if failure is None:
                    failure = _delete_one(repository, index, image_id, deleted)
                if failure is not None:
                    failures.append(failure)
            return {"imageIds": deleted, "failures": failures}

    ECRBackend.batch_delete_image = batch_delete_image  # type: ignore[method-assign]


def _delete_one(
    repository: Repository, index: RepoIndex, image_id: dict[str, str], deleted: list[dict[str, str]]
) -> Optional[dict[str, Any]]:
    tag, digest = image_id.get("imageTag"), image_id.get("imageDigest")
    if digest and tag:
        image = index.by_digest.get(digest)
        if image is not None and tag not in image.image_tags:
            return _failure(
                image_id, "ImageTagDoesNotMatchDigest",
                "Invalid request parameters: given tag does not match the image digest",
            )
    else:
        image = index.by_digest.get(digest) if digest else index.by_tag.get(tag)  # type: ignore[arg-type]
    if image is None:
        return _failure(image_id, "ImageNotFound", "Requested image not found")

    image_digest = image.get_image_digest()
    whole_image = not tag or image.image_tags == [tag]
    if whole_image and image_digest in index.parents:
        referencing = sorted(index.parents[image_digest])
        return _failure(
            image_id, "ImageReferencedByManifestList",
            f"Requested image referenced by manifest list: {referencing}",
        )

    if not whole_image:
        image.drop_tag(tag)  # type: ignore[attr-defined]
        index.by_tag.pop(tag, None)  # type: ignore[arg-type]
        deleted.append({"imageDigest": image_digest, "imageTag": tag})  # type: ignore[dict-item]
        return None

    if image.image_tags:
        deleted.extend({"imageDigest": image_digest, "imageTag": t} for t in image.image_tags)
    else:
        deleted.append({"imageDigest": image_digest})
    index.removed(image)
    repository.images.remove(image)
    return None


# --------------------------------------------------------------------------
# Paging: maxResults / nextToken on DescribeRepositories, DescribeImages, ListImages

# Tokens only need to be opaque and tamper-evident, not secret: a fixed key keeps
# them identical from run to run.
_TOKEN_KEY = b"berth-sandbox-pagination"


def _encode_token(operation: str, scope: str, after: list[Any]) -> str:
    body = base64.urlsafe_b64encode(
        json.dumps({"op": operation, "scope": scope, "after": after}, separators=(",", ":")).encode()
    ).decode().rstrip("=")
    mac = hmac.new(_TOKEN_KEY, body.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{body}.{mac}"


def _decode_token(token: Any, operation: str, scope: str) -> list[Any]:
    bad = invalid_parameter("nextToken", "Invalid NextToken")
    if not isinstance(token, str) or token.count(".") != 1:
        raise bad
    body, mac = token.split(".")
    expected = hmac.new(_TOKEN_KEY, body.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(mac, expected):
        raise bad
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        raise bad
    # A token from another operation or repository is as invalid as garbage.
    if payload.get("op") != operation or payload.get("scope") != scope:
        raise bad
    return payload["after"]


def _max_results(response: ECRResponse, limit: int = MAX_RESULTS_LIMIT, default: int = DEFAULT_MAX_RESULTS) -> int:
    value = response._get_param("maxResults")
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter("maxResults", "Member must be an integer")
    if value < 1:
        raise invalid_parameter("maxResults", "Member must have value greater than or equal to 1")
    if value > limit:
        raise invalid_parameter("maxResults", f"Member must have value less than or equal to {limit}")
    return value


def _paginate(
    items: list[Any], key: Any, response: ECRResponse, operation: str, scope: str,
    limit: Optional[int] = None,
) -> tuple[list[Any], Optional[str]]:
    """Cut one page from `items` (sorted by `key`) after the token's position; `limit`
    is the page size when the operation checks maxResults itself."""
    if limit is None:
        limit = _max_results(response)
    token = response._get_param("nextToken")
    if token is not None:
        after = _decode_token(token, operation, scope)
        items = [item for item in items if key(item) > after]
    page = items[:limit]
    next_token = _encode_token(operation, scope, key(page[-1])) if len(items) > limit else None
    return page, next_token


def _seq(image: Image) -> int:
    return getattr(image, "seq", 0)


def _check_tag_status(value: Optional[str]) -> str:
    if value is None:
        return "ANY"
    if value not in ("TAGGED", "UNTAGGED", "ANY"):
        raise invalid_parameter("filter.tagStatus", "Member must satisfy enum value set: [TAGGED, UNTAGGED, ANY]")
    return value


IMAGE_STATUS_FILTERS = ("ACTIVE", "ARCHIVED", "ACTIVATING", "ANY")


def _check_image_status(value: Optional[str]) -> str:
    # ECR: "If not specified, only images with ACTIVE status are returned."
    if value is None:
        return "ACTIVE"
    if value not in IMAGE_STATUS_FILTERS:
        raise invalid_parameter(
            "filter.imageStatus", "Member must satisfy enum value set: [ACTIVE, ARCHIVED, ACTIVATING, ANY]"
        )
    return value


def _matches(image: Image, tag_status: str, image_status: str) -> bool:
    if tag_status == "TAGGED" and not image.image_tags:
        return False
    if tag_status == "UNTAGGED" and image.image_tags:
        return False
    # ANY asks for every status (ACTIVE, ARCHIVED, ACTIVATING).
    if image_status != "ANY" and image_status != getattr(image, "image_status", "ACTIVE"):
        return False
    return True


def _reject_with_ids(response: ECRResponse, ids_param: str) -> None:
    # ECR documents nextToken/maxResults as unusable together with an explicit list.
    for name in ("nextToken", "maxResults"):
        if response._get_param(name) is not None:
            raise invalid_parameter(name, f"This parameter cannot be used together with {ids_param}")


def fix_describe_repositories_paging() -> None:
    """maxResults (1–1000, default 100) and nextToken on DescribeRepositories."""

    def describe_repositories(self: ECRResponse) -> ActionResult:
        names = self._get_param("repositoryNames")
        registry_id = self._get_param("registryId")
        with LOCK:
            repositories = self.ecr_backend.describe_repositories(
                repository_names=names, registry_id=registry_id
            )
            if names:
                _reject_with_ids(self, "repositoryNames")
                return ActionResult({"repositories": repositories})
            repositories = sorted(repositories, key=lambda r: r.name)
            scope = f"{self.current_account}/{self.region}/{registry_id or ''}"
            page, next_token = _paginate(
                repositories, lambda r: [r.name], self, "DescribeRepositories", scope
            )
        return ActionResult({"repositories": page, "nextToken": next_token})

    ECRResponse.describe_repositories = describe_repositories  # type: ignore[method-assign]


def fix_describe_images_paging_and_filter() -> None:
    """maxResults/nextToken and filter.tagStatus / filter.imageStatus on DescribeImages
    (only ACTIVE images unless imageStatus asks for ARCHIVED, ACTIVATING or ANY)."""

    def describe_images(self: ECRResponse) -> ActionResult:
        repository_name = self._get_param("repositoryName")
        registry_id = self._get_param("registryId")
        image_ids = self._get_param("imageIds")
        image_filter = self._get_param("filter") or {}
        tag_status = _check_tag_status(image_filter.get("tagStatus"))
        image_status = _check_image_status(image_filter.get("imageStatus"))
        with LOCK:
            images = self.ecr_backend.describe_images(repository_name, registry_id, image_ids)
            next_token = None
            if image_ids:
                # Images asked for by id are described whatever their status: ECR says an
                # archived image "can still be described using the describe-images command".
                _reject_with_ids(self, "imageIds")
            else:
                images = [i for i in images if _matches(i, tag_status, image_status)]
                scope = f"{self.current_account}/{self.region}/{registry_id or ''}/{repository_name}"
                images, next_token = _paginate(
                    images, lambda i: [_seq(i)], self, "DescribeImages", scope
                )
            details = [_image_detail(image) for image in images]
        return ActionResult({"imageDetails": details, "nextToken": next_token})

    ECRResponse.describe_images = describe_images  # type: ignore[method-assign]


# Called with each image DescribeImages is about to return (findings.py counts
# these as scan-status reads).
DETAIL_HOOKS: list[Callable[[Image], None]] = []


def _image_detail(image: Image) -> Image:
    for hook in DETAIL_HOOKS:
        hook(image)
    # ECR leaves imageTags out for an untagged image rather than sending [].
    detail = copy.copy(image)
    if not detail.image_tags:
        del detail.image_tags
    return detail


def fix_list_images_paging() -> None:
    """maxResults/nextToken and filter.imageStatus on ListImages; one entry per tag."""

    def list_images(self: ECRResponse) -> ActionResult:
        repository_name = self._get_param("repositoryName")
        registry_id = self._get_param("registryId")
        image_filter = self._get_param("filter") or {}
        tag_status = _check_tag_status(image_filter.get("tagStatus"))
        image_status = _check_image_status(image_filter.get("imageStatus"))
        with LOCK:
            repository = _find_repository(self.ecr_backend, repository_name, registry_id)
            entries: list[tuple[int, int, dict[str, str]]] = []
            for image in sorted(repository.images, key=_seq):
                if not _matches(image, tag_status, image_status):
                    continue
                digest = image.get_image_digest()
                if image.image_tags:
                    for n, tag in enumerate(image.image_tags):
                        entries.append((_seq(image), n, {"imageDigest": digest, "imageTag": tag}))
                else:
                    entries.append((_seq(image), 0, {"imageDigest": digest}))
            scope = f"{self.current_account}/{self.region}/{registry_id or ''}/{repository_name}"
            page, next_token = _paginate(
                entries, lambda e: [e[0], e[1]], self, "ListImages", scope
            )
        return ActionResult({"imageIds": [e[2] for e in page], "nextToken": next_token})

    ECRResponse.list_images = list_images  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# GetAuthorizationToken


def fix_authorization_token_expiry() -> None:
    """Tokens expire 12 hours after issue, not at a fixed date in 2015."""
    original = ECRResponse.get_authorization_token

    def get_authorization_token(self: ECRResponse) -> ActionResult:
        result = original(self)
        expires = utc_now() + timedelta(hours=12)
        for entry in result.result["authorizationData"]:  # type: ignore[index]
            entry["expiresAt"] = expires
        return result

    ECRResponse.get_authorization_token = get_authorization_token  # type: ignore[method-assign]


# --------------------------------------------------------------------------


FIXES = [
    fix_put_image,
    fix_image_lookup,
    fix_describe_images_by_id,
    fix_batch_get_image,
    fix_batch_delete_image,
    fix_describe_repositories_paging,
    fix_describe_images_paging_and_filter,
    fix_list_images_paging,
    fix_authorization_token_expiry,
]


def apply() -> None:
    global _applied
    if _applied:
        return
    # Scanning, the archive storage class and the artifact graph (referrers, replication
    # and signing status) live in their own modules, which build on the helpers here.
    import archive
    import findings
    import referrers

    for fix in FIXES + findings.FIXES + archive.FIXES + referrers.FIXES:
        fix()
    _applied = True


def is_applied() -> bool:
    return _applied
