"""What a running sandbox holds, read from moto's backend objects.

Used by `server.py --summary` and `GET /moto-api/berth/summary` so a person can
see the seed at a glance. Sizes are plain sums of imageSizeInBytes: layers shared
between images are counted once per image, so the sums overstate storage.
"""

from __future__ import annotations

import hashlib
from typing import Any

from moto.ecr.models import ecr_backends

import ecr_fixes


def summarize(account: str) -> dict[str, Any]:
    regions: dict[str, Any] = {}
    # One hash over every image's identity, tags and times: two sandboxes seeded
    # with the same anchor hold the same data exactly when their fingerprints match.
    fingerprint = hashlib.sha256()
    with ecr_fixes.LOCK:
        if account not in dict.keys(ecr_backends):
            return {"account": account, "regions": regions}
        per_account = ecr_backends[account]
        for region in sorted(dict.keys(per_account)):
            backend = per_account[region]
            if not backend.repositories:
                continue
            repositories = {
                name: _repository(backend.repositories[name])
                for name in sorted(backend.repositories)
            }
            totals = {
                key: sum(r[key] for r in repositories.values())
                for key in ("images", "tagged", "untagged", "tags", "manifest_lists", "size_in_bytes_sum",
                            "archived", "activating", "archived_size_in_bytes_sum", "referrers",
                            "orphaned_referrers")
            }
            totals["repositories"] = len(repositories)
            regions[region] = {"totals": totals, "repositories": repositories}
            for name in sorted(backend.repositories):
                for image in sorted(backend.repositories[name].images, key=lambda i: i.get_image_digest()):
                    fingerprint.update(repr((
                        region, name, image.get_image_digest(), sorted(image.image_tags),
                        _time(image.image_pushed_at), _time(getattr(image, "last_recorded_pull_time", None)),
                        getattr(image, "image_status", "ACTIVE"), _time(getattr(image, "last_archived_at", None)),
                        _time(getattr(image, "last_activated_at", None)),
                    )).encode())
    return {"account": account, "fingerprint": fingerprint.hexdigest(), "regions": regions}


def _time(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _repository(repository: Any) -> dict[str, Any]:
    images = repository.images
    tagged = sum(1 for i in images if i.image_tags)
    archived = [i for i in images if getattr(i, "image_status", "ACTIVE") == "ARCHIVED"]
    digests = {i.get_image_digest() for i in images}
    subjects = [getattr(i, "subject_manifest_digest", None) for i in images]
    return {
        # Every stored image, whatever its storage class; DescribeImages without a
        # filter only returns the ACTIVE ones (images - archived - activating).
        "images": len(images),
        "archived": len(archived),
        "activating": sum(1 for i in images if getattr(i, "image_status", "ACTIVE") == "ACTIVATING"),
        "archived_size_in_bytes_sum": sum(i.get_image_size_in_bytes() or 0 for i in archived),
        "tagged": tagged,
        "untagged": len(images) - tagged,
        "tags": sum(len(i.image_tags) for i in images),
        # Manifests with a `subject` (signatures, SBOMs, attestations), and those whose
        # subject is not in the repository.
        "referrers": sum(1 for s in subjects if s),
        "orphaned_referrers": sum(1 for s in subjects if s and s not in digests),
        "manifest_lists": sum(1 for i in images if i.image_manifest_media_type in ecr_fixes.INDEX_MEDIA_TYPES),
        "size_in_bytes_sum": sum(i.get_image_size_in_bytes() or 0 for i in images),
        "tag_mutability": str(getattr(repository.image_tag_mutability, "value", repository.image_tag_mutability)),
        "scan_on_push": bool(repository.image_scanning_configuration.get("scanOnPush")),
        "encryption": repository.encryption_configuration.get("encryptionType"),
        "lifecycle_policy": repository.lifecycle_policy is not None,
    }


def summarize_organization() -> dict[str, Any]:
    """The organization seed: its accounts, each with what its registries hold."""
    import seed_organization

    seeded = seed_organization.SEEDED
    accounts = []
    for account in seeded.get("accounts", []):
        registry = summarize(account["id"])
        accounts.append({**account, "fingerprint": registry.get("fingerprint"), "registries": registry["regions"]})
    return {**seeded, "accounts": accounts}
