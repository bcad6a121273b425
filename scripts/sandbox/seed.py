"""The sandbox's registry contents: the `standard` seed and bulk repositories.

Everything is planned from fixed seeds and written straight into moto's backend
objects through the backend's own `put_image` (the corrected one unless the
server runs `--plain`), never over HTTP.

Time: each timestamp is `anchor - offset`, with offsets drawn from the fixed
seeds. The anchor is the moment of seeding (or an explicit `--anchor`), so an
image seeded as "pushed 3 days ago" is 3 days old whenever the sandbox starts:
relative ages are the same on every run and machine, absolute dates are only
the same when an anchor is given.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from moto.ecr.models import ECRBackend, Image, ecr_backends

import ecr_fixes
import findings
import usage
from manifests import (
    Layer,
    Rng,
    attestation_manifest,
    blob_digest,
    image_manifest,
    index_manifest,
)

DAY = 86400.0
HISTORY_DAYS = 400
BUILDKIT_CACHE_CONFIG = "application/vnd.buildkit.cacheconfig.v0"

PRIMARY_REGION = "us-east-1"
SECOND_REGION = "eu-west-1"


# --------------------------------------------------------------------------
# Base layers shared between images


OS_LAYER_SIZES = {"debian": 29_126_000, "alpine": 3_624_000, "ubuntu": 29_534_000}

# family -> (operating system layer or None, runtime layers as (name, typical size))
STACKS: dict[str, tuple[Optional[str], list[tuple[str, int]]]] = {
    "python": ("debian", [("runtime-libs", 3_512_000), ("interpreter", 12_845_000), ("pip", 245_000), ("setuptools", 3_110_000)]),
    "node": ("alpine", [("node", 42_180_000), ("yarn", 1_262_000), ("entrypoint", 448)]),
    "go": ("debian", [("toolchain-deps", 24_300_000), ("go", 68_500_000), ("module-cache", 142_000_000)]),
    "nginx": ("debian", [("nginx", 41_800_000), ("default-conf", 628), ("entrypoint", 955), ("envsubst", 1_212), ("tune-workers", 1_402)]),
    "cuda": ("ubuntu", [("cuda-runtime", 1_043_000_000), ("cudnn", 486_000_000), ("cuda-env", 184_000)]),
    "jvm": ("ubuntu", [("temurin-deps", 17_800_000), ("temurin", 191_500_000)]),
    "otelcol": (None, [("otelcol-contrib", 96_400_000)]),
    "distroless": (None, [("static", 794_000), ("ca-certificates", 1_546_000)]),
    "scratch": (None, []),
    "alpine": ("alpine", []),
    "debian": ("debian", []),
    "ubuntu": ("ubuntu", []),
}


def snapshot(age_days: float) -> int:
    """Which of four base-image generations was current at a given age.

    Images built in the same period share their base layers, as they do when
    teams rebuild on a refreshed base every few months.
    """
    return max(0, min(3, int((HISTORY_DAYS - age_days) // 100)))


def _vary(size: int, *key: object) -> int:
    spread = Rng("size/" + "/".join(map(str, key))).uniform(0.92, 1.08)
    return max(1, int(size * spread))


def stack_layers(family: str, minor: str, age_days: float, arch: str) -> list[Layer]:
    return list(_stack_layers(family, minor, snapshot(age_days), arch))


@functools.lru_cache(maxsize=None)
def _stack_layers(family: str, minor: str, snap: int, arch: str) -> tuple[Layer, ...]:
    os_name, parts = STACKS[family]
    layers: list[Layer] = []
    if os_name:
        layers.append((blob_digest("os", os_name, snap, arch), _vary(OS_LAYER_SIZES[os_name], os_name, snap, arch)))
    for name, size in parts:
        key = ("runtime", family, minor, name, snap, arch)
        layers.append((blob_digest(*key), _vary(size, *key)))
    return tuple(layers)


def sized_layer(low: int, high: int, *key: object) -> Layer:
    """A layer whose size follows from its identity, so a shared layer has one size."""
    u = Rng("layer/" + "/".join(map(str, key))).random()
    # Skewed towards small layers, as real ones are. Only + - * / here: those are
    # exactly rounded everywhere, unlike exp/log/pow, so sizes match on any machine.
    size = low + int((high - low) * (u * u * u))
    return blob_digest("layer", *key), size


# --------------------------------------------------------------------------
# Repository specifications


@dataclass
class RepoSpec:
    name: str
    kind: str  # service | base | cache | empty
    count: int = 0  # builds (service, cache) or releases (base)
    team: str = "platform"
    stack: str = "debian"  # family[:minor] for services; family for bases
    minors: tuple[str, ...] = ()
    tag_suffix: str = ""
    patch0: int = 0
    deps: tuple[int, int] = (2_000_000, 60_000_000)
    deps_layers: int = 2
    app: tuple[int, int] = (150_000, 12_000_000)
    app_layers: int = 1
    days: tuple[float, float] = (0.2, HISTORY_DAYS)  # newest and oldest push age
    immutable: bool = False
    scan_on_push: bool = False
    kms: bool = False
    oci: bool = False
    multi_arch: bool = False
    attestations: bool = False
    lifecycle: Optional[dict[str, Any]] = None
    pr_share: float = 0.25
    release_every: int = 8
    moving_only: bool = False
    first_version: tuple[int, int, int] = (1, 0, 0)
    never_pulled: float = 0.08
    policy: Optional[dict[str, Any]] = None
    extra_tags: dict[str, str] = field(default_factory=dict)
    archive: Optional["ArchivePlan"] = None


@dataclass(frozen=True)
class ArchivePlan:
    """Which images of a repository the seed has in the archive storage class.

    `idle_days`: images archived by a lifecycle policy that was put `policy_days` ago
    and last ran `ran_days` ago; a selector ("untagged" or a tag wildcard pattern) with
    its sinceImagePulled threshold. Each image went to the archive when it had been idle
    (not pulled, or not pushed if never pulled) for the threshold, or when the policy
    arrived if it was idle for longer already; those that crossed the threshold since
    the last run are still ACTIVE.

    `by_hand`: that many of the most idle images (no moving tag) were archived by hand
    20–160 days ago; the first `restored` of them were restored a few days ago and not
    pulled since.
    """

    idle_days: tuple[tuple[str, float], ...] = ()
    policy_days: float = 0
    ran_days: float = 0
    by_hand: int = 0
    restored: int = 0


def _policy(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(rules)}


def _rule(priority: int, description: str, selection: dict[str, Any]) -> dict[str, Any]:
    return {"rulePriority": priority, "description": description, "selection": selection, "action": {"type": "expire"}}


LIFECYCLE_WEB_FRONTEND = _policy(
    _rule(1, "Expire untagged images after 14 days",
          {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}),
    _rule(2, "Keep the 30 newest PR builds",
          {"tagStatus": "tagged", "tagPrefixList": ["pr-"], "countType": "imageCountMoreThan", "countNumber": 30}),
    _rule(3, "Keep 100 main builds",
          {"tagStatus": "tagged", "tagPatternList": ["main-*"], "countType": "imageCountMoreThan", "countNumber": 100}),
)
LIFECYCLE_PAYMENTS_WORKER = _policy(
    _rule(10, "PR images expire after 30 days",
          {"tagStatus": "tagged", "tagPatternList": ["pr-*"], "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30}),
    _rule(20, "Untagged images expire after 7 days",
          {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7}),
)
LIFECYCLE_DATA_ETL = _policy(
    _rule(1, "Keep the 20 newest releases",
          {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 20}),
    _rule(2, "Untagged images expire after 3 days",
          {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 3}),
    _rule(9, "Never keep more than 200 images",
          {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 200}),
)
LIFECYCLE_LEGACY_MONOLITH = _policy(
    {"rulePriority": 1, "description": "Archive main builds not pulled for 180 days",
     "selection": {"tagStatus": "tagged", "tagPatternList": ["main-*"], "countType": "sinceImagePulled",
                   "countUnit": "days", "countNumber": 180},
     "action": {"type": "transition", "targetStorageClass": "archive"}},
    {"rulePriority": 2, "description": "Archive untagged images not pulled for 90 days",
     "selection": {"tagStatus": "untagged", "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90},
     "action": {"type": "transition", "targetStorageClass": "archive"}},
    {"rulePriority": 3, "description": "Expire archived images 180 days after archiving",
     "selection": {"tagStatus": "any", "storageClass": "archive", "countType": "sinceImageTransitioned",
                   "countUnit": "days", "countNumber": 180},
     "action": {"type": "expire"}},
)
# The policy arrived 181 days ago and last ran 2 days ago: one main build crossed its
# threshold since and waits for its transition, seven archived on the first day wait
# for their expiry.
ARCHIVE_LEGACY_MONOLITH = ArchivePlan(idle_days=(("main-*", 180), ("untagged", 90)), policy_days=181, ran_days=2)
LIFECYCLE_BUILD_CACHE = _policy(
    _rule(1, "Keep the newest 500 cache manifests",
          {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 500}),
)

BASE_PYTHON_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OrgAccountsPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::210987654321:root", "arn:aws:iam::345678901234:root"]},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        }
    ],
}

# Who may pull and push payments/api: its CI role pushes, the production cluster's
# node role pulls (a shape most service repositories have).
PAYMENTS_API_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "CiPush",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci-payments-deployer"},
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
                       "ecr:PutImage", "ecr:UploadLayerPart"],
        },
        {
            "Sid": "ProdNodesPull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:role/eks-prod-node"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-payments01"}},
        },
    ],
}

# Registry-level basic scanning: every payments repository is scanned on push.
REGISTRY_SCANNING_RULES = [
    {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "payments/*", "filterType": "WILDCARD"}]},
]

ML_DEPS = (350_000_000, 2_200_000_000)

STANDARD_US: list[RepoSpec] = [
    RepoSpec("base/python", "base", 14, team="platform", stack="python", minors=("3.11", "3.12", "3.13"),
             tag_suffix="-slim", patch0=4, oci=True, multi_arch=True, scan_on_push=True, policy=BASE_PYTHON_POLICY),
    RepoSpec("base/node", "base", 12, team="platform", stack="node", minors=("18", "20", "22"),
             tag_suffix="-alpine", patch0=10, multi_arch=True),
    RepoSpec("base/distroless", "base", 10, team="platform", stack="distroless", minors=("12",), patch0=1),
    RepoSpec("base/go-builder", "base", 15, team="platform", stack="go", minors=("1.22", "1.23"), patch0=3),
    RepoSpec("base/jvm", "base", 8, team="platform", stack="jvm", minors=("17", "21"), tag_suffix="-jre", patch0=2),
    RepoSpec("payments/api", "service", 160, team="payments", stack="python:3.12", immutable=True, kms=True,
             scan_on_push=True, first_version=(1, 2, 0), deps_layers=3, policy=PAYMENTS_API_POLICY),
    RepoSpec("payments/worker", "service", 110, team="payments", stack="python:3.12", kms=True,
             lifecycle=LIFECYCLE_PAYMENTS_WORKER, first_version=(0, 9, 0)),
    RepoSpec("payments/ledger", "service", 70, team="payments", stack="jvm:21", immutable=True, kms=True,
             scan_on_push=True, deps=(20_000_000, 90_000_000), first_version=(3, 0, 0)),
    RepoSpec("payments/fraud-scorer", "service", 45, team="payments", stack="python:3.11",
             deps=(120_000_000, 450_000_000), release_every=5),
    RepoSpec("web/frontend", "service", 180, team="web", stack="nginx:1.27", deps_layers=1,
             deps=(300_000, 4_000_000), app=(2_000_000, 9_000_000), app_layers=2, scan_on_push=True,
             lifecycle=LIFECYCLE_WEB_FRONTEND, pr_share=0.4, first_version=(2, 3, 0)),
    RepoSpec("web/admin", "service", 80, team="web", stack="node:20", deps=(40_000_000, 160_000_000)),
    RepoSpec("web/marketing-site", "service", 40, team="web", stack="nginx:1.27", deps_layers=0, moving_only=True),
    RepoSpec("web/storybook", "service", 25, team="web", stack="nginx:1.26", deps_layers=0, moving_only=True),
    RepoSpec("data/etl", "service", 90, team="data", stack="python:3.11", deps=(30_000_000, 220_000_000),
             lifecycle=LIFECYCLE_DATA_ETL, release_every=4, first_version=(0, 14, 0)),
    RepoSpec("data/airflow", "service", 45, team="data", stack="python:3.11", deps=(150_000_000, 600_000_000),
             deps_layers=3, first_version=(2, 9, 0)),
    RepoSpec("data/dbt", "service", 30, team="data", stack="python:3.12", deps=(40_000_000, 120_000_000)),
    RepoSpec("data/kafka-connect", "service", 28, team="data", stack="jvm:17", deps=(60_000_000, 180_000_000)),
    RepoSpec("ml/trainer", "service", 48, team="ml", stack="cuda:12.4", deps=ML_DEPS, deps_layers=4, app_layers=2,
             kms=True, release_every=6, archive=ArchivePlan(by_hand=6, restored=1)),
    RepoSpec("ml/inference", "service", 65, team="ml", stack="cuda:12.4", deps=(250_000_000, 900_000_000),
             deps_layers=3, scan_on_push=True),
    RepoSpec("ml/notebooks", "service", 18, team="ml", stack="cuda:12.2", deps=ML_DEPS, deps_layers=3, moving_only=True),
    RepoSpec("infra/nginx", "base", 10, team="infra", stack="nginx", minors=("1.26", "1.27"), patch0=0,
             oci=True, multi_arch=True),
    RepoSpec("infra/envoy", "service", 26, team="infra", stack="debian", deps=(30_000_000, 70_000_000), first_version=(1, 29, 0)),
    RepoSpec("infra/otel-collector", "base", 8, team="infra", stack="otelcol", minors=("0.108", "0.110"), patch0=0,
             oci=True, multi_arch=True, attestations=True, scan_on_push=True),
    RepoSpec("infra/terraform-runner", "service", 15, team="infra", stack="alpine", deps=(60_000_000, 110_000_000), moving_only=True),
    RepoSpec("platform/auth", "service", 75, team="platform", stack="distroless", deps_layers=0, app=(9_000_000, 24_000_000),
             scan_on_push=True, first_version=(4, 1, 0)),
    RepoSpec("platform/gateway", "service", 62, team="platform", stack="distroless", deps_layers=0,
             app=(12_000_000, 30_000_000), kms=True),
    RepoSpec("platform/notifications", "service", 40, team="platform", stack="node:22"),
    RepoSpec("platform/feature-flags", "service", 24, team="platform", stack="distroless", deps_layers=0,
             app=(6_000_000, 14_000_000), immutable=True),
    RepoSpec("search/indexer", "service", 46, team="search", stack="jvm:21", deps=(40_000_000, 140_000_000)),
    RepoSpec("search/api", "service", 55, team="search", stack="jvm:21", deps=(30_000_000, 100_000_000), scan_on_push=True),
    RepoSpec("mobile/bff", "service", 36, team="mobile", stack="node:22"),
    RepoSpec("checkout/cart", "service", 50, team="checkout", stack="distroless", deps_layers=0, app=(8_000_000, 20_000_000)),
    RepoSpec("checkout/pricing", "service", 32, team="checkout", stack="python:3.12", immutable=True),
    RepoSpec("ci/build-cache", "cache", 1500, team="ci", days=(0.05, 180), lifecycle=LIFECYCLE_BUILD_CACHE),
    RepoSpec("ci/runner", "service", 30, team="ci", stack="go:1.23", deps=(80_000_000, 300_000_000), moving_only=True),
    RepoSpec("tools/migrations", "service", 25, team="platform", stack="python:3.12"),
    RepoSpec("tools/debug-shell", "service", 8, team="infra", stack="alpine", deps_layers=1, moving_only=True),
    RepoSpec("legacy/monolith", "service", 52, team="platform", stack="jvm:17", deps=(80_000_000, 260_000_000),
             days=(250, HISTORY_DAYS), never_pulled=0.45, first_version=(7, 4, 0),
             lifecycle=LIFECYCLE_LEGACY_MONOLITH, archive=ARCHIVE_LEGACY_MONOLITH),
    RepoSpec("legacy/reports-cron", "service", 12, team="data", stack="python:3.11", days=(300, HISTORY_DAYS),
             never_pulled=0.5, moving_only=True),
    RepoSpec("security/scanner", "service", 14, team="security", stack="go:1.22", deps_layers=1, scan_on_push=True),
    RepoSpec("analytics/metabase", "service", 12, team="data", stack="jvm:21", deps=(180_000_000, 260_000_000), moving_only=True,
             archive=ArchivePlan(by_hand=2)),
    RepoSpec("analytics/events-collector", "service", 40, team="data", stack="scratch", deps_layers=0,
             app=(4_000_000, 11_000_000)),
    RepoSpec("internal/docs-site", "service", 20, team="platform", stack="nginx:1.27", deps_layers=0, moving_only=True),
    RepoSpec("qa/e2e-runner", "service", 22, team="qa", stack="node:20", deps=(250_000_000, 650_000_000)),
    RepoSpec("sandbox/scratch", "empty", team="platform"),
]

STANDARD_EU: list[RepoSpec] = [
    RepoSpec("data/gdpr-exporter", "service", 20, team="data", stack="python:3.12", kms=True, days=(1, 200)),
]

# eu-west-1 receives the newest images of these repositories by replication.
REPLICATED = {"payments/api": 40, "payments/worker": 25}


# --------------------------------------------------------------------------
# Planning


@dataclass
class Planned:
    manifest: str
    media_type: str
    digest: str
    tags: list[str]
    age: float  # seconds before the anchor
    pulled_age: Optional[float] = None
    scan: Optional[dict[str, Any]] = None
    findings: Optional[dict[str, int]] = None
    scan_age: Optional[float] = None
    archived_age: Optional[float] = None  # in the archive since then
    activated_age: Optional[float] = None  # restored from the archive then


Group = list[Planned]  # pushed in order: children before their index


def _planned(text_and_type: tuple[str, str], age_days: float) -> Planned:
    text, media_type = text_and_type
    return Planned(text, media_type, ecr_fixes.manifest_digest(text), [], age_days * DAY)


def _ages(rng: Rng, spec: RepoSpec, count: int) -> list[float]:
    newest, oldest = spec.days
    ages = [rng.uniform(newest, oldest) for _ in range(count)]
    ages.sort(reverse=True)
    # Live repositories were pushed to recently, whatever the draw says.
    if ages:
        ages[-1] = min(ages[-1], rng.uniform(newest, newest + 1.5))
    return ages


def _config(*key: object) -> Layer:
    return blob_digest("config", *key), Rng("cfg/" + "/".join(map(str, key))).randint(1_400, 9_800)


def plan_service(spec: RepoSpec, rng: Rng) -> list[Group]:
    family, _, minor = spec.stack.partition(":")
    ages = _ages(rng, spec, spec.count)
    epoch_len = rng.randint(6, 15)
    version = list(spec.first_version)
    pr_number = rng.randint(120, 900)
    open_prs: list[int] = []
    mains = 0
    builds: list[Planned] = []
    kinds: list[str] = []
    for i, age in enumerate(ages):
        sha = rng.hex(7)
        tags: list[str] = []
        if rng.chance(spec.pr_share):
            if open_prs and rng.chance(0.55):
                pr = rng.choice(open_prs[-4:])
            else:
                pr_number += rng.randint(1, 6)
                pr = pr_number
                open_prs.append(pr)
            tags.append(f"pr-{pr}-{sha}" if spec.immutable else f"pr-{pr}")
            kinds.append("pr")
        else:
            mains += 1
            kinds.append("main")
            if not spec.moving_only:
                tags.append(f"main-{sha}")
            if mains % spec.release_every == 0:
                version = _bump(version, rng)
                tags.append("v" + ".".join(map(str, version)))
        if spec.immutable and rng.chance(0.05):
            tags = []  # pushed by digest only, e.g. by a failed pipeline
        layers = stack_layers(family, minor, age, "amd64")
        for j in range(spec.deps_layers):
            layers.append(sized_layer(*spec.deps, spec.name, "deps", i // epoch_len, j))
        for j in range(spec.app_layers):
            layers.append(sized_layer(*spec.app, spec.name, "app", i, j))
        planned = _planned(image_manifest(_config(spec.name, i), layers, spec.oci), age)
        planned.tags = tags
        builds.append(planned)

    if not spec.immutable:
        _keep_newest_holder(builds)
        newest_main = _newest(builds, kinds, "main")
        if newest_main is not None:
            builds[newest_main].tags.append("latest")
            if spec.moving_only:
                builds[newest_main].tags.append("main")
        releases = [i for i, b in enumerate(builds) if any(t.startswith("v") for t in b.tags)]
        if releases:
            builds[releases[-1]].tags.append("production")
            if len(releases) > 1:
                builds[releases[-2]].tags.append("rollback")
        if newest_main is not None and newest_main >= 3:
            builds[_newest(builds[: newest_main - 2], kinds, "main") or 0].tags.append("staging")
    _pull_and_scan(spec, rng, builds)
    return [[b] for b in builds]


def _bump(version: list[int], rng: Rng) -> list[int]:
    major, minor, patch = version
    roll = rng.random()
    if roll < 0.04:
        return [major + 1, 0, 0]
    if roll < 0.3:
        return [major, minor + 1, 0]
    return [major, minor, patch + 1]


def _newest(builds: list[Planned], kinds: list[str], kind: str) -> Optional[int]:
    for i in range(len(builds) - 1, -1, -1):
        if kinds[i] == kind:
            return i
    return None


def _keep_newest_holder(images: list[Planned]) -> None:
    """A reused mutable tag ends up on the newest image that was pushed with it."""
    seen: set[str] = set()
    for image in sorted(images, key=lambda p: p.age):
        kept = [t for t in image.tags if t not in seen]
        seen.update(image.tags)
        image.tags = kept


def plan_base(spec: RepoSpec, rng: Rng) -> list[Group]:
    ages = _ages(rng, spec, spec.count)
    arches = ["amd64", "arm64"] if spec.multi_arch else ["amd64"]
    groups: list[Group] = []
    heads: list[tuple[Planned, str, str]] = []  # (tagged image, minor, version)
    for r, age in enumerate(ages):
        progress = 1 - (age - spec.days[0]) / (spec.days[1] - spec.days[0])
        available = spec.minors[: 1 + int(progress * (len(spec.minors) - 0.01))]
        minor = rng.choice(available[-2:])
        version = f"{minor}.{spec.patch0 + snapshot(age)}"
        group: Group = []
        children = []
        for arch in arches:
            layers = stack_layers(spec.stack, minor, age, arch)
            child = _planned(image_manifest(_config(spec.name, r, arch), layers, spec.oci), age)
            group.append(child)
            platform = {"architecture": arch, "os": "linux"}
            if arch == "arm64":
                platform["variant"] = "v8"
            children.append((child.manifest, child.media_type, child.digest, platform, None))
        if spec.attestations:
            for arch, (_, _, subject, _, _) in zip(arches, list(children)):
                attestation = _planned(attestation_manifest(subject, f"{spec.name}/{r}/{arch}"), age)
                group.append(attestation)
                children.append((
                    attestation.manifest, attestation.media_type, attestation.digest,
                    {"architecture": "unknown", "os": "unknown"},
                    {"vnd.docker.reference.digest": subject, "vnd.docker.reference.type": "attestation-manifest"},
                ))
        if spec.multi_arch:
            head = _planned(index_manifest(children, spec.oci), age)
            group.append(head)
        else:
            head = group[0]
        heads.append((head, minor, version))
        groups.append(group)

    # Rebuilds of one version move its tags to the newest build; older builds of
    # the version stay in the repository untagged, children and all.
    for head, minor, version in heads:
        head.tags = [f"{version}{spec.tag_suffix}", f"{minor}{spec.tag_suffix}"]
    _keep_newest_holder([h for h, _, _ in heads])
    newest = min(heads, key=lambda h: h[0].age)[0]
    newest.tags.append("latest")
    images = [p for g in groups for p in g]
    _pull_and_scan(spec, rng, images)
    if spec.multi_arch:
        _children_follow_their_index(rng, groups)
    return groups


def plan_cache(spec: RepoSpec, rng: Rng) -> list[Group]:
    branches = ["main", "release"] + [f"pr-{n}" for n in sorted({rng.randint(1000, 1400) for _ in range(45)})]
    images: list[Planned] = []
    for i, age in enumerate(_ages(rng, spec, spec.count)):
        branch = "main" if rng.chance(0.35) else rng.choice(branches)
        layers = [sized_layer(400_000, 150_000_000, spec.name, i, j) for j in range(rng.randint(2, 6))]
        text, media_type = image_manifest(_config(spec.name, i), layers, oci=True)
        # buildkit's registry cache exports an OCI manifest with its own config type.
        text = text.replace('"application/vnd.oci.image.config.v1+json"', f'"{BUILDKIT_CACHE_CONFIG}"', 1)
        planned = Planned(text, media_type, ecr_fixes.manifest_digest(text), [f"cache-{branch}"], age * DAY)
        images.append(planned)
    _keep_newest_holder(images)
    _pull_and_scan(spec, rng, images)
    return [[p] for p in images]


def _pull_and_scan(spec: RepoSpec, rng: Rng, images: list[Planned]) -> None:
    hot = {"latest", "production", "staging", "main"}
    for image in images:
        never = spec.never_pulled if image.tags else max(spec.never_pulled, 0.55)
        if hot & set(image.tags):
            image.pulled_age = min(image.age, rng.uniform(0.02, 1.5) * DAY)
        elif rng.chance(never):
            image.pulled_age = None
        else:
            draw = rng.random()
            image.pulled_age = image.age * draw * draw
        if spec.scan_on_push and image.media_type not in ecr_fixes.INDEX_MEDIA_TYPES:
            _scan(rng, image)


def _children_follow_their_index(rng: Rng, groups: list[Group]) -> None:
    """Pulling a multi-arch tag fetches the index and then one child, so a
    child's last pull is mostly its index's, and never without one."""
    for group in groups:
        head, children = group[-1], group[:-1]
        for child in children:
            if head.pulled_age is None:
                child.pulled_age = None
            elif rng.chance(0.8):
                child.pulled_age = head.pulled_age


def _scan(rng: Rng, image: Planned) -> None:
    completed = image.age - rng.uniform(60, 420)
    image.scan_age = max(completed, 0.0)
    if '"application/vnd.in-toto+json"' in image.manifest:
        image.scan = {"status": "UNSUPPORTED_IMAGE", "description": "The operating system and/or package manager are not supported."}
        return
    if rng.chance(0.03):
        image.scan = {"status": "FAILED", "description": "Unable to complete the scan."}
        return
    image.scan = {"status": "COMPLETE", "description": "The scan was completed successfully."}
    staleness = image.age / (HISTORY_DAYS * DAY)
    counts = {
        "CRITICAL": rng.randint(0, 2) if rng.chance(0.15 + 0.3 * staleness) else 0,
        "HIGH": rng.randint(0, 3 + int(8 * staleness)),
        "MEDIUM": rng.randint(0, 6 + int(20 * staleness)),
        "LOW": rng.randint(0, 12 + int(25 * staleness)),
        "INFORMATIONAL": rng.randint(0, 8),
        "UNDEFINED": rng.randint(0, 1) if rng.chance(0.2) else 0,
    }
    image.findings = {k: v for k, v in counts.items() if v}


MOVING_TAGS = {"latest", "production", "staging", "main", "rollback"}


def _idle(image: Planned) -> float:
    """Seconds since the image was last pulled, or pushed if it never was."""
    return image.pulled_age if image.pulled_age is not None else image.age


def _plan_archive(plan: ArchivePlan, rng: Rng, images: list[Planned]) -> None:
    # Manifest lists and their children are never archived here: what ECR does with a
    # list's children is not documented.
    singles = [p for p in images if p.media_type not in ecr_fixes.INDEX_MEDIA_TYPES]
    for image in singles:
        for selector, days in plan.idle_days:
            if selector == "untagged":
                selected = not image.tags
            else:
                selected = any(ecr_fixes._wildcard(selector).fullmatch(t) for t in image.tags)
            over = _idle(image) / DAY - days
            if selected and over >= plan.ran_days:
                image.archived_age = min(over, plan.policy_days) * DAY
                break
    idle = sorted(
        (p for p in singles if not MOVING_TAGS & set(p.tags) and _idle(p) > 60 * DAY and p.archived_age is None),
        key=lambda p: (-_idle(p), p.digest),
    )
    for n, image in enumerate(idle[: plan.by_hand]):
        newest = min(160.0, _idle(image) / DAY - 5)
        if n < plan.restored:
            image.archived_age = rng.uniform(min(100.0, newest), newest) * DAY
            image.activated_age = rng.uniform(3, 20) * DAY
        else:
            image.archived_age = rng.uniform(20, newest) * DAY


PLANNERS: dict[str, Callable[[RepoSpec, Rng], list[Group]]] = {
    "service": plan_service,
    "base": plan_base,
    "cache": plan_cache,
    "empty": lambda spec, rng: [],
}


def plan(spec: RepoSpec, region: str) -> list[Group]:
    rng = Rng(f"berth-standard/{region}/{spec.name}")
    groups = PLANNERS[spec.kind](spec, rng)
    if spec.archive is not None:
        _plan_archive(spec.archive, Rng(f"berth-archive/{region}/{spec.name}"), [p for g in groups for p in g])
    # ECR lists images in no particular order; pushing them shuffled keeps
    # anyone from relying on the API returning them by age.
    rng.shuffle(groups)
    return groups


# --------------------------------------------------------------------------
# Writing into the backend


def _at(anchor: datetime, age_seconds: Optional[float]) -> Optional[datetime]:
    if age_seconds is None:
        return None
    moment = anchor - timedelta(seconds=age_seconds)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def push(backend: ECRBackend, repository: str, planned: Planned, anchor: datetime) -> Image:
    first = planned.tags[0] if planned.tags else None
    image = backend.put_image(repository, planned.manifest, first, planned.media_type, planned.digest)  # type: ignore[arg-type]
    for tag in planned.tags[1:]:
        image = backend.put_image(repository, planned.manifest, tag, planned.media_type, planned.digest)
    image.image_pushed_at = _at(anchor, planned.age)  # type: ignore[assignment]
    image.last_recorded_pull_time = _at(anchor, planned.pulled_age)  # type: ignore[attr-defined]
    if planned.archived_age is not None and hasattr(image, "archive"):
        image.archive(_at(anchor, planned.archived_age))  # type: ignore[attr-defined]
        if planned.activated_age is not None:
            image.restored(_at(anchor, planned.activated_age))  # type: ignore[attr-defined]
    if planned.scan is not None:
        image.image_scan_status = dict(planned.scan)  # type: ignore[attr-defined]
        if planned.scan["status"] == "COMPLETE":
            completed = _at(anchor, planned.scan_age)
            image.image_scan_findings_summary = {  # type: ignore[attr-defined]
                "imageScanCompletedAt": completed,
                "vulnerabilitySourceUpdatedAt": completed - timedelta(hours=5, minutes=12),  # type: ignore[operator]
                "findingSeverityCounts": dict(planned.findings or {}),
            }
    return image


def create_repository(backend: ECRBackend, spec: RepoSpec, region: str, account: str, anchor: datetime, created_age_days: float) -> None:
    rng = Rng(f"berth-repo/{region}/{spec.name}")
    encryption = {"encryptionType": "AES256"}
    if spec.kms:
        encryption = {"encryptionType": "KMS", "kmsKey": f"arn:aws:kms:{region}:{account}:key/{rng.uuid()}"}
    tags = [{"Key": "team", "Value": spec.team}, {"Key": "managed-by", "Value": "terraform"}]
    tags += [{"Key": k, "Value": v} for k, v in spec.extra_tags.items()]
    repository = backend.create_repository(
        repository_name=spec.name,
        registry_id=None,
        encryption_config=encryption,
        image_scan_config={"scanOnPush": spec.scan_on_push},
        image_tag_mutability="IMMUTABLE" if spec.immutable else "MUTABLE",
        tags=tags,
    )
    repository.created_at = _at(anchor, created_age_days * DAY)  # type: ignore[assignment]
    if spec.lifecycle:
        text = json.dumps(spec.lifecycle, indent=2)
        if ecr_fixes.is_applied():
            backend.put_lifecycle_policy(None, spec.name, text)  # type: ignore[arg-type]
        else:
            # moto's own schema refuses the archive-era fields ECR accepts.
            repository.lifecycle_policy = text
    if spec.policy:
        backend.set_repository_policy(None, spec.name, json.dumps(spec.policy, indent=2))  # type: ignore[arg-type]


def seed_repository(backend: ECRBackend, spec: RepoSpec, region: str, account: str, anchor: datetime,
                    salt: str = "") -> list[Group]:
    """Create the repository and push its planned images; a `salt` plans other images
    than the same name would get without it."""
    groups = plan(dataclasses.replace(spec, name=salt + spec.name) if salt else spec, region)
    oldest = max((p.age for g in groups for p in g), default=30 * DAY) / DAY
    created = oldest + Rng(f"berth-created/{region}/{spec.name}").uniform(1, 60)
    create_repository(backend, spec, region, account, anchor, created)
    for group in groups:
        for planned in group:
            image = push(backend, spec.name, planned, anchor)
            findings.record_seeded_scan(image, spec.name, spec.stack, _at(anchor, planned.scan_age))
    return groups


def seed_standard(account: str, anchor: Optional[datetime] = None) -> None:
    anchor = anchor or ecr_fixes.utc_now()
    with ecr_fixes.LOCK:
        us = ecr_backends[account][PRIMARY_REGION]
        eu = ecr_backends[account][SECOND_REGION]
        planned: dict[str, list[Group]] = {}
        for spec in STANDARD_US:
            planned[spec.name] = seed_repository(us, spec, PRIMARY_REGION, account, anchor)
        for spec in STANDARD_EU:
            seed_repository(eu, spec, SECOND_REGION, account, anchor)
        for name, newest in REPLICATED.items():
            replicate(eu, next(s for s in STANDARD_US if s.name == name), planned[name], newest, account, anchor)
        findings.seed_standard_extras(us)
        usage.seed_standard(account)
        # Signatures, SBOMs and attestations, and the replication and signing statuses.
        import seed_referrers

        seed_referrers.seed(us, planned, account, anchor)
        us.put_replication_configuration(seed_referrers.replication_rules(account))
        seed_referrers.record_replication(us, planned)
        us.put_registry_scanning_configuration("BASIC", REGISTRY_SCANNING_RULES)


def replicate(backend: ECRBackend, spec: RepoSpec, groups: list[Group], newest: int, account: str, anchor: datetime) -> None:
    """Copy the newest images of a repository into `backend` (the destination registry,
    of `account`) the way ECR replication would: same manifests and tags, pushed a few
    seconds after the original."""
    images = sorted(groups, key=lambda g: g[-1].age)[:newest]
    rng = Rng(f"berth-replica/{spec.name}")
    oldest = max(g[-1].age for g in images) / DAY
    # Replication creates the destination repository but does not copy its policy.
    create_repository(backend, dataclasses.replace(spec, policy=None), backend.region_name, account, anchor, oldest + 2)
    for group in reversed(images):
        for original in group:
            replica = Planned(**{**original.__dict__})
            replica.age = max(0.0, original.age - rng.uniform(2, 40))
            if original.pulled_age is None or rng.chance(0.3):
                replica.pulled_age = None
            else:
                replica.pulled_age = min(replica.age, original.pulled_age)
            replica.scan = replica.findings = replica.scan_age = None
            replica.archived_age = replica.activated_age = None
            push(backend, spec.name, replica, anchor)


# --------------------------------------------------------------------------
# Bulk repositories for the /moto-api/berth/seed route


def seed_bulk(
    backend: ECRBackend, name: str, count: int, tagged_fraction: float, immutable: bool, anchor: Optional[datetime] = None
) -> dict[str, Any]:
    """A repository with `count` distinct images, the same for the same name."""
    anchor = anchor or ecr_fixes.utc_now()
    rng = Rng(f"berth-bulk/{name}")
    spec = RepoSpec(name, "service", count, team="load", immutable=immutable)
    with ecr_fixes.LOCK:
        create_repository(backend, spec, backend.region_name, backend.account_id, anchor, HISTORY_DAYS + 5)
        deps_layer = functools.lru_cache(maxsize=None)(
            lambda epoch: sized_layer(5_000_000, 400_000_000, name, "deps", epoch)
        )
        used: set[str] = set()
        tagged = total = 0
        fixed = ecr_fixes.is_applied()
        for i in range(count):
            age = rng.uniform(0.01, HISTORY_DAYS)
            layers = stack_layers("python", "3.12", age, "amd64")[:2]
            layers.append(deps_layer(i // 50))
            layers.append(sized_layer(100_000, 30_000_000, name, "app", i))
            text, media_type = image_manifest(_config(name, i), layers, oci=False, compact=True)
            tag = None
            if rng.random() < tagged_fraction:
                sha = rng.hex(12)
                width = 7
                while f"main-{sha[:width]}" in used:
                    width += 1
                tag = f"main-{sha[:width]}"
                used.add(tag)
                tagged += 1
            pushed = _at(anchor, age * DAY)
            if fixed:
                image = ecr_fixes.put_image_ecr(backend, name, text, tag, media_type, pushed_at=pushed)
            else:
                image = backend.put_image(name, text, tag, media_type, ecr_fixes.manifest_digest(text))  # type: ignore[arg-type]
                image.image_pushed_at = pushed  # type: ignore[assignment]
            image.last_recorded_pull_time = None if rng.chance(0.3) else _at(anchor, age * DAY * rng.random())  # type: ignore[attr-defined]
            total += image.get_image_size_in_bytes() or 0
    return {"name": name, "images": count, "tagged": tagged, "untagged": count - tagged, "total_size_in_bytes": total}


def set_image_times(backend: ECRBackend, repository_name: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    with ecr_fixes.LOCK:
        repository = backend._get_repository(repository_name)
        by_digest = {image.get_image_digest(): image for image in repository.images}
        updated, missing = [], []
        for entry in entries:
            image = by_digest.get(entry.get("digest", ""))
            if image is None:
                missing.append(entry.get("digest"))
                continue
            if "pushed_at" in entry:
                image.image_pushed_at = parse_time(entry["pushed_at"])  # type: ignore[assignment]
            if "last_pulled_at" in entry:
                image.last_recorded_pull_time = parse_time(entry["last_pulled_at"])  # type: ignore[attr-defined]
            if "scanned_at" in entry and not findings.set_scanned_at(image, parse_time(entry["scanned_at"])):  # type: ignore[arg-type]
                raise ValueError(f"{entry['digest']} was never scanned; scanned_at cannot be set")
            _set_storage_times(image, entry)
            updated.append(entry["digest"])
    return {"updated": updated, "not_found": missing}


def _set_storage_times(image: Image, entry: dict[str, Any]) -> None:
    """`archived_at`: the image is ARCHIVED since then (null: never archived);
    `activated_at`: an archived image was restored then and is ACTIVE again."""
    if not hasattr(image, "archive"):
        if "archived_at" in entry or "activated_at" in entry:
            raise ValueError("storage classes need the corrected server (not --plain)")
        return
    if "archived_at" in entry:
        archived = parse_time(entry["archived_at"])
        if archived is None:
            image.never_archived()  # type: ignore[attr-defined]
        else:
            image.archive(archived)  # type: ignore[attr-defined]
    if "activated_at" in entry:
        activated = parse_time(entry["activated_at"])
        archived = image.last_archived_at  # type: ignore[attr-defined]
        if activated is None or archived is None or activated < archived:
            raise ValueError(f"{entry['digest']}: activated_at needs an earlier archived_at")
        image.restored(activated)  # type: ignore[attr-defined]


def parse_time(value: Optional[str]) -> Optional[datetime]:
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {value!r}")
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
