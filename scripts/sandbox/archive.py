"""ECR's archive storage class, which moto 5.2.5 does not know.

Each image is ACTIVE (standard storage), ARCHIVED, or ACTIVATING (being restored);
`ecr_fixes.BerthImage` holds the state and DescribeImages / ListImages filter on it
(`filter.imageStatus`). This module adds what changes the state or depends on it,
one `fix_*` function per difference, installed by `ecr_fixes.apply()`:

- UpdateImageStorageClass (moto has no such action);
- BatchGetImage refusing images that are not ACTIVE;
- lifecycle policies with the archive-era fields (moto's schema refuses them).

The AWS sentences each choice rests on are quoted next to the code; where the
documentation is silent, the comment says that the behaviour is ours.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Optional

import moto.ecr.models
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.ecr.exceptions import InvalidParameterException
from moto.ecr.models import ECRBackend, Image
from moto.ecr.policy_validation import EcrLifecyclePolicyValidator
from moto.ecr.responses import ECRResponse

import ecr_fixes
from ecr_fixes import LOCK, invalid_parameter

TARGET_STORAGE_CLASSES = ("STANDARD", "ARCHIVE")


def set_restore_delay(seconds: float) -> None:
    """How long a restored image stays ACTIVATING (`server.py --restore-seconds`)."""
    if seconds < 0:
        raise ValueError("the restore delay cannot be negative")
    ecr_fixes.BerthImage.restore_delay = timedelta(seconds=seconds)


class ImageStorageClassUpdateNotSupportedException(ServiceException):
    # ECR documents the exception ("The requested image storage class update is not
    # supported.") but not when it is raised; the sandbox raises it for an image that
    # already is in, or is on its way to, the target class. The message is ours.
    code = "ImageStorageClassUpdateNotSupportedException"

    def __init__(self, digest: str, status: str, target: str):
        super().__init__(
            f"The image '{digest}' is {status}; updating its storage class to {target} is not supported."
        )


# --------------------------------------------------------------------------
# UpdateImageStorageClass


def update_storage_class(image: Image, target: str, now: datetime) -> str:
    """Move `image` towards `target` (ARCHIVE or STANDARD); answer its new status."""
    status = image.image_status  # type: ignore[attr-defined]
    if target == "ARCHIVE":
        if status != "ACTIVE":
            raise ImageStorageClassUpdateNotSupportedException(image.get_image_digest(), status, target)
        image.archive(now)  # type: ignore[attr-defined]
    else:
        if status != "ARCHIVED":
            raise ImageStorageClassUpdateNotSupportedException(image.get_image_digest(), status, target)
        image.restore(now)  # type: ignore[attr-defined]
    return image.image_status  # type: ignore[attr-defined]


def fix_update_image_storage_class() -> None:
    """UpdateImageStorageClass: ARCHIVE archives an ACTIVE image at once (lastArchivedAt);
    STANDARD makes an ARCHIVED image ACTIVATING, then ACTIVE after the restore delay
    (lastActivatedAt). Anything else is ImageStorageClassUpdateNotSupportedException."""

    def update_image_storage_class(self: ECRResponse) -> ActionResult:
        target = self._get_param("targetStorageClass")
        if target not in TARGET_STORAGE_CLASSES:
            raise invalid_parameter("targetStorageClass", "Member must satisfy enum value set: [STANDARD, ARCHIVE]")
        with LOCK:
            repository, image, tag = ecr_fixes.requested_image(self)
            status = update_storage_class(image, target, ecr_fixes.utc_now())
        return ActionResult({
            "registryId": repository.registry_id,
            "repositoryName": repository.name,
            "imageId": ecr_fixes.answered_id(image, tag),
            "imageStatus": status,
        })

    ECRResponse.update_image_storage_class = update_image_storage_class  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# BatchGetImage


def fix_batch_get_archived_image() -> None:
    """BatchGetImage of an ARCHIVED or ACTIVATING image fails per id with ImageNotFound.

    ECR: "Archived images cannot be pulled. Requests to pull the archived image will
    fail with a 404 error." and "When an image is pulled, the BatchGetImage API is
    called once to retrieve the image manifest." The failure code for BatchGetImage is
    not documented; ImageNotFound is the code that means 404 there. An ACTIVATING
    image is treated the same way, as it is not restored yet.
    """
    original = ECRBackend.batch_get_image

    def batch_get_image(
        self: ECRBackend,
        repository_name: str,
        registry_id: Optional[str] = None,
        image_ids: Optional[list[dict[str, Any]]] = None,
    ) -> dict[str, Any]:
        with LOCK:
            result = original(self, repository_name, registry_id, image_ids)
            repository = ecr_fixes._find_repository(self, repository_name, registry_id)
            index = ecr_fixes.index_of(repository)
            pulled = []
            for entry in result["images"]:
                image = index.by_digest.get(entry.image_id["imageDigest"])
                if image is not None and image.image_status != "ACTIVE":  # type: ignore[attr-defined]
                    result["failures"].append(
                        ecr_fixes._failure(entry.asked, "ImageNotFound", "Requested image not found")
                    )
                else:
                    pulled.append(entry)
            result["images"] = pulled
            return result

    ECRBackend.batch_get_image = batch_get_image  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# Lifecycle policies


COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
AGE_COUNT_TYPES = ("sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
SELECTION_PROPERTIES = {"tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType", "countUnit", "countNumber"}
ACTION_PROPERTIES = {"type", "targetStorageClass"}
ARCHIVE_MINIMUM_DAYS = 90


class ArchiveEraLifecyclePolicyValidator(EcrLifecyclePolicyValidator):
    """moto's schema check, extended with the archive-era fields and ECR's rules for them.

    From the lifecycle policy properties page: `storageClass` "The rule will only select
    images of this storage class. When using a countType of imageCountMoreThan,
    sinceImagePushed, or sinceImagePulled, the only supported value is standard. When
    using a countType of sinceImageTransitioned, this is required, and the only supported
    value is archive. If you omit this, the value of standard will be used."; the action's
    `targetStorageClass` is required when `type` is `transition`, and `archive` is its only
    value. From "Archiving an image": "You cannot configure lifecycle policies that delete
    images that have been in archive for less than 90 days."
    """

    def _fail(self, detail: str) -> InvalidParameterException:
        return InvalidParameterException(f"{self.INVALID_PARAMETER_ERROR_MESSAGE}{detail}'")

    def _refuse_extra(self, given: dict[str, Any], allowed: set[str]) -> None:
        extra = sorted(set(given) - allowed)
        if extra:
            raise self._fail(f'object instance has properties which are not allowed by the schema: (["{extra[0]}"])')

    def _validate_rule_top_properties(self) -> None:
        super()._validate_rule_top_properties()
        for rule in self._rules:
            self._validate_combination(rule["selection"], rule["action"])

    def _validate_action(self, action: Any) -> None:
        if not isinstance(action, dict):
            raise self._fail('instance type does not match any allowed primitive type (allowed: ["object"])')
        if "type" not in action:
            raise self._fail('object has missing required properties (["type"])')
        self._refuse_extra(action, ACTION_PROPERTIES)
        if action["type"] not in ("expire", "transition"):
            raise self._fail(f'instance value ({action["type"]}) not found in enum :(possible values: ["expire","transition"])')
        target = action.get("targetStorageClass")
        if action["type"] == "transition":
            if target is None:
                raise self._fail("targetStorageClass is required when the action type is transition")
            if target != "archive":
                raise self._fail(f'instance value ({target}) not found in enum :(possible values: ["archive"])')
        elif target is not None:
            # Not documented either way: an expire action has nowhere to move an image to.
            raise self._fail("targetStorageClass is only allowed when the action type is transition")

    def _validate_selection(self, selection: Any) -> None:
        if not isinstance(selection, dict):
            raise self._fail('instance type does not match any allowed primitive type (allowed: ["object"])')
        missing = sorted({"tagStatus", "countType", "countNumber"} - set(selection))
        if missing:
            raise self._fail(f"object has missing required properties ({json.dumps(missing)})")
        self._refuse_extra(selection, SELECTION_PROPERTIES)
        self._validate_selection_tag_status(selection["tagStatus"])
        count_type = selection["countType"]
        if count_type not in COUNT_TYPES:
            raise self._fail(f"instance value ({count_type}) not found in enum :(possible values: {json.dumps(list(COUNT_TYPES))})")
        count_unit = selection.get("countUnit")
        if count_type in AGE_COUNT_TYPES and count_unit is None:
            raise self._fail(f"countUnit is required when countType is {count_type}")
        self._validate_selection_count_unit(count_unit)
        count_number = selection["countNumber"]
        if isinstance(count_number, bool) or not isinstance(count_number, int):
            raise self._fail('instance type does not match any allowed primitive type (allowed: ["integer"])')
        self._validate_selection_count_number(count_number)
        storage_class = selection.get("storageClass")
        if storage_class is not None and storage_class not in ("standard", "archive"):
            raise self._fail(f'instance value ({storage_class}) not found in enum :(possible values: ["standard","archive"])')
        if count_type == "sinceImageTransitioned":
            if storage_class != "archive":
                raise self._fail("storageClass must be archive when countType is sinceImageTransitioned")
            if count_number < ARCHIVE_MINIMUM_DAYS:
                raise self._fail(
                    f"archived images cannot expire before the {ARCHIVE_MINIMUM_DAYS}-day minimum storage "
                    f"duration (countNumber: {count_number})"
                )
        elif storage_class not in (None, "standard"):
            raise self._fail(f"storageClass must be standard when countType is {count_type}")

    def _validate_combination(self, selection: dict[str, Any], action: dict[str, Any]) -> None:
        # Not documented in so many words: a transition rule moves standard images to the
        # archive, so it cannot select images that are archived already.
        if action["type"] == "transition" and selection.get("storageClass") == "archive":
            raise self._fail("a transition rule can only select images of the standard storage class")


def fix_lifecycle_policy_archive_fields() -> None:
    """PutLifecyclePolicy accepts storageClass, sinceImagePulled, sinceImageTransitioned
    and transition actions, validated as ECR documents them."""
    moto.ecr.models.EcrLifecyclePolicyValidator = ArchiveEraLifecyclePolicyValidator  # type: ignore[misc]


FIXES = [
    fix_update_image_storage_class,
    fix_batch_get_archived_image,
    fix_lifecycle_policy_archive_fields,
]
