"""The standard seed's artifact graph: signed images, SBOMs, attestations, an orphaned
signature, signatures on multi-arch indexes, and replication and signing statuses.

Referrers are images (ECR: "A set of artifacts for a container image is transferred
with that container and stored as a separate image that counts as an image consumed
for your repository."), untagged, pushed a few minutes after their subject. They live
in repositories whose image counts no test fixes by hand:

- `checkout/cart`: cosign signatures on every tagged build of the last 120 days (one
  signed twice, after a key rotation), an SPDX SBOM and an in-toto (SLSA provenance)
  attestation on each release, and one signature whose subject was deleted;
- `platform/gateway`: managed signing (AWS Signer, notation signatures) for the builds
  of the last 45 days: COMPLETE with a signature, the newest IN_PROGRESS with none yet,
  one FAILED; the newest five also match a second signing profile;
- `infra/nginx`: cosign signatures on the tagged multi-arch indexes.

Replication (`payments/` to eu-west-1, and to a disaster-recovery account in us-west-2
since 20 days ago): eu-west-1 holds the replicas the seed copies (COMPLETE); the DR
account received the payments/api and payments/worker images pushed since, except the
three newest payments/api images (FAILED) and the newest payments/worker image
(IN_PROGRESS).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from moto.ecr.models import ECRBackend

import ecr_fixes
import referrers
from manifests import (
    COSIGN_SIGNATURE,
    COSIGN_SIMPLESIGNING,
    IN_TOTO,
    JOSE,
    NOTATION_SIGNATURE,
    SPDX,
    Rng,
    blob_digest,
    image_manifest,
    referrer_manifest,
)
from seed import DAY, SECOND_REGION, Group, Planned, _at, push

COSIGNED = "checkout/cart"
MANAGED = "platform/gateway"
INDEXES = "infra/nginx"

SIGNING_PROFILE = "arn:aws:signer:us-east-1:{account}:/signing-profiles/platform_release"
COMPLIANCE_PROFILE = "arn:aws:signer:us-east-1:{account}:/signing-profiles/platform_compliance"
DR_REGION = "us-west-2"
DR_ACCOUNT = "210987654321"
DR_SINCE_DAYS = 20
# ECR documents `failureCode` without its values: this one is ours. The destination
# account's registry policy must grant ecr:ReplicateImage, "If neither is done,
# replication fails."
DR_FAILURE_CODE = "REPLICATION_ACCESS_DENIED"
SIGNING_FAILURE = ("SIGNING_PROFILE_REVOKED", "The signing profile platform_compliance was revoked before the image was signed.")


def _created(anchor: datetime, age: float) -> str:
    moment = _at(anchor, age)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[union-attr]


def _subject(image: Planned) -> tuple[str, str, str]:
    return image.manifest, image.media_type, image.digest


def _referrer(subject: Planned, text_and_type: tuple[str, str], delay: float) -> Planned:
    text, media_type = text_and_type
    referrer = Planned(text, media_type, ecr_fixes.manifest_digest(text), [], max(0.0, subject.age - delay))
    # Whoever verifies an image on pull (an admission controller) pulls its signature too.
    referrer.pulled_age = None if subject.pulled_age is None else min(referrer.age, subject.pulled_age)
    return referrer


def cosign_signature(subject: Planned, key: str, anchor: datetime, rng: Rng) -> Planned:
    signature = base64.b64encode(bytes.fromhex(rng.hex(64) + rng.hex(64))).decode()
    delay = rng.uniform(40, 600)
    layer = (COSIGN_SIMPLESIGNING, blob_digest("cosign-payload", key), rng.randint(230, 260))
    text = referrer_manifest(
        _subject(subject), COSIGN_SIGNATURE, layer,
        {"org.opencontainers.image.created": _created(anchor, subject.age - delay)},
        {"dev.cosignproject.cosign/signature": signature},
    )
    return _referrer(subject, text, delay)


def notation_signature(subject: Planned, key: str, signer: str, anchor: datetime, rng: Rng) -> Planned:
    delay = rng.uniform(20, 180)
    layer = (JOSE, blob_digest("notation-envelope", key), rng.randint(2_000, 2_400))
    thumbprints = [rng.hex(64) for _ in range(3)]
    text = referrer_manifest(
        _subject(subject), NOTATION_SIGNATURE, layer,
        {
            "io.cncf.notary.x509chain.thumbprint#S256": "[" + ",".join(f'"{t}"' for t in thumbprints) + "]",
            "io.cncf.notary.signingAgent": signer,
            "org.opencontainers.image.created": _created(anchor, subject.age - delay),
        },
    )
    return _referrer(subject, text, delay)


def document(subject: Planned, key: str, kind: str, anchor: datetime, rng: Rng) -> Planned:
    """An SBOM (`SPDX`) or an attestation (`IN_TOTO`, SLSA provenance) on `subject`."""
    delay = rng.uniform(60, 900)
    low, high = (60_000, 420_000) if kind == SPDX else (8_000, 16_000)
    layer = (kind, blob_digest(kind, key), rng.randint(low, high))
    text = referrer_manifest(
        _subject(subject), kind, layer,
        {"org.opencontainers.image.created": _created(anchor, subject.age - delay)},
        {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v1"} if kind == IN_TOTO else None,
    )
    return _referrer(subject, text, delay)


def _heads(groups: list[Group]) -> list[Planned]:
    """The top-level image of each group (the index of a multi-arch group), newest first."""
    return sorted((g[-1] for g in groups), key=lambda p: (p.age, p.digest))


def plan_cosigned(groups: list[Group], anchor: datetime) -> list[Planned]:
    rng = Rng(f"berth-referrers/{COSIGNED}")
    heads = _heads(groups)
    out: list[Planned] = []
    signed = [h for h in heads if h.tags and h.age < 120 * DAY]
    for n, image in enumerate(signed):
        key = f"{COSIGNED}/{image.digest}"
        out.append(cosign_signature(image, key, anchor, rng))
        if n == 1:
            # Signed again after the signing key was rotated: two signatures.
            out.append(cosign_signature(image, key + "/rotated", anchor, rng))
        if any(t.startswith("v") for t in image.tags):
            out.append(document(image, key, SPDX, anchor, rng))
            out.append(document(image, key, IN_TOTO, anchor, rng))
    # A signature whose image was deleted since: its subject is a build never in the
    # repository any more (ECR: "lifecycle policies will automatically clean up those
    # artifacts within 24 hours of the deletion of the subject image" — no policy here).
    text, media_type = image_manifest(
        (blob_digest("config", COSIGNED, "deleted"), 4_211),
        [(blob_digest("layer", COSIGNED, "deleted", n), 2_000_000 + n) for n in range(3)],
        oci=False,
    )
    gone = Planned(text, media_type, ecr_fixes.manifest_digest(text), [], 200 * DAY)
    out.append(cosign_signature(gone, f"{COSIGNED}/deleted", anchor, rng))
    return out


def plan_indexes(groups: list[Group], anchor: datetime) -> list[Planned]:
    rng = Rng(f"berth-referrers/{INDEXES}")
    return [
        cosign_signature(head, f"{INDEXES}/{head.digest}", anchor, rng)
        for head in _heads(groups) if head.tags
    ]


def plan_managed(groups: list[Group], anchor: datetime, account: str) -> tuple[list[Planned], list[tuple[Planned, list[dict[str, Any]]]]]:
    """Notation signatures and the signing statuses of managed signing."""
    rng = Rng(f"berth-referrers/{MANAGED}")
    release = SIGNING_PROFILE.format(account=account)
    compliance = COMPLIANCE_PROFILE.format(account=account)
    heads = [h for h in _heads(groups) if h.age < 45 * DAY]
    signatures: list[Planned] = []
    statuses: list[tuple[Planned, list[dict[str, Any]]]] = []
    for n, image in enumerate(heads):
        key = f"{MANAGED}/{image.digest}"
        entries: list[dict[str, Any]] = []
        if n == 0:
            entries.append({"profile_arn": release, "status": "IN_PROGRESS"})
        else:
            entries.append({"profile_arn": release, "status": "COMPLETE"})
            signatures.append(notation_signature(image, key, "notation-go/1.3.2 aws-signer-plugin/1.0", anchor, rng))
        if n < 5:
            if n == 3:
                code, reason = SIGNING_FAILURE
                entries.append({"profile_arn": compliance, "status": "FAILED", "failure_code": code, "failure_reason": reason})
            elif entries[0]["status"] == "COMPLETE":
                entries.append({"profile_arn": compliance, "status": "COMPLETE"})
                signatures.append(notation_signature(image, key + "/compliance", "notation-go/1.3.2 aws-signer-plugin/1.0", anchor, rng))
            else:
                entries.append({"profile_arn": compliance, "status": "IN_PROGRESS"})
        statuses.append((image, entries))
    return signatures, statuses


def seed(us: ECRBackend, planned: dict[str, list[Group]], account: str, anchor: datetime) -> None:
    """Push the referrers and record the signing statuses (us-east-1)."""
    for name, plan in ((COSIGNED, plan_cosigned), (INDEXES, plan_indexes)):
        for referrer in plan(planned[name], anchor):
            push(us, name, referrer, anchor)
    signatures, statuses = plan_managed(planned[MANAGED], anchor, account)
    for referrer in signatures:
        push(us, MANAGED, referrer, anchor)
    repository = us.repositories[MANAGED]
    index = ecr_fixes.index_of(repository)
    for image, entries in statuses:
        stored = index.by_digest[image.digest]
        for entry in entries:
            referrers.record_signing(
                stored, entry["profile_arn"], entry["status"], entry.get("failure_code"), entry.get("failure_reason"),
            )


def replication_rules(account: str) -> dict[str, Any]:
    return {
        "rules": [{
            "destinations": [
                {"region": SECOND_REGION, "registryId": account},
                {"region": DR_REGION, "registryId": DR_ACCOUNT},
            ],
            "repositoryFilters": [{"filter": "payments/", "filterType": "PREFIX_MATCH"}],
        }]
    }


def record_replication(us: ECRBackend, planned: dict[str, list[Group]]) -> None:
    """The DR destination's statuses: images pushed since it was added went there, the
    three newest payments/api images failed, the newest payments/worker one is on its way."""
    for name, failed, in_progress in (("payments/api", 3, 0), ("payments/worker", 0, 1)):
        index = ecr_fixes.index_of(us.repositories[name])
        recent = [p for p in _heads(planned[name]) if p.age < DR_SINCE_DAYS * DAY]
        for n, image in enumerate(recent):
            status, code = "COMPLETE", None
            if n < failed:
                status, code = "FAILED", DR_FAILURE_CODE
            elif n < in_progress:
                status = "IN_PROGRESS"
            referrers.record_replication(index.by_digest[image.digest], DR_REGION, DR_ACCOUNT, status, code)
