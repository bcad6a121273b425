"""The `organization` seed: an AWS Organization whose management account is the
sandbox's account, with member accounts that each hold their own registries.

    management (the sandbox account)  no repositories
    platform-shared                   the central registry: base images replicated to
                                      payments-prod, payments-dev and sandbox-denied
    payments-prod                     services, an ECS service running an image pulled
                                      from platform-shared, a Lambda; eu-south-1 enabled;
                                      an SCP denies deleting images and repositories
    payments-dev                      services (other images than prod's)
    sandbox-denied                    invited, never given OrganizationAccountAccessRole:
                                      AssumeRole is AccessDenied
    analytics-retired                 closed: SUSPENDED, AssumeRole is AccessDenied

Every active member but sandbox-denied has the role OrganizationAccountAccessRole,
trusting the management account, with full access (as Organizations creates it).
Members hold repositories in us-east-1 and eu-west-1; the opt-in region eu-south-1
is enabled only in payments-prod (requests with other members' credentials there are
refused, see org_fixes.py). Account ids, names, join dates and every image come from
fixed seeds; the organization's own id (o-…) and root id are moto's random ones.

`SEEDED` holds what the seed wrote, for `GET /moto-api/berth/organization` and tests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import ecr_fixes
import org_fixes
import seed
import usage
from seed import Group, RepoSpec

ROLE = "OrganizationAccountAccessRole"
PRIMARY_REGION = "us-east-1"
SECOND_REGION = "eu-west-1"
OPT_IN_REGION = "eu-south-1"
MANAGEMENT_NAME = "management"
# Replication from platform-shared to the workload accounts, set up before any base image
# was pushed, so every base image has its replicas.
REPLICATION_PREFIX = "base/"


@dataclass
class Member:
    name: str
    id: str
    joined_days: float
    repositories: dict[str, list[RepoSpec]] = field(default_factory=dict)
    invited: bool = False  # joined by invitation: Organizations created no role in it
    suspended: bool = False  # closed
    opt_in_regions: tuple[str, ...] = ()
    replica_of_central: bool = False
    denied_actions: tuple[str, ...] = ()  # by a service control policy attached to it


def _service(name: str, count: int, stack: str, **kwargs: Any) -> RepoSpec:
    team = name.split("/", 1)[0]
    return RepoSpec(name, "service", count, team=team, stack=stack, **kwargs)


PLATFORM_SHARED = "314159265358"
PAYMENTS_PROD = "271828182845"
PAYMENTS_DEV = "161803398874"
SANDBOX_DENIED = "141421356237"
ANALYTICS_RETIRED = "173205080756"

BASE_PYTHON = RepoSpec("base/python", "base", 6, team="platform", stack="python", minors=("3.12", "3.13"),
                       tag_suffix="-slim", patch0=2, days=(1, 180), scan_on_push=True)
BASE_NODE = RepoSpec("base/node", "base", 5, team="platform", stack="node", minors=("20", "22"),
                     tag_suffix="-alpine", patch0=4, days=(2, 170))
CENTRAL = [BASE_PYTHON, BASE_NODE]

MEMBERS: list[Member] = [
    Member("platform-shared", PLATFORM_SHARED, 900, {
        PRIMARY_REGION: [*CENTRAL, _service("shared/envoy", 14, "debian", deps=(30_000_000, 70_000_000),
                                            first_version=(1, 30, 0))],
        SECOND_REGION: [_service("shared/toolbox", 6, "alpine", moving_only=True)],
    }),
    Member("payments-prod", PAYMENTS_PROD, 700, {
        PRIMARY_REGION: [
            _service("payments/api", 18, "python:3.12", immutable=True, kms=True, scan_on_push=True,
                     first_version=(2, 4, 0), days=(0.5, 200)),
            _service("payments/worker", 12, "python:3.12", first_version=(1, 1, 0), days=(1, 200)),
        ],
        SECOND_REGION: [_service("payments/reconciler", 8, "jvm:21", deps=(20_000_000, 60_000_000))],
        OPT_IN_REGION: [_service("payments/archive-exporter", 4, "python:3.12", days=(3, 90))],
    }, opt_in_regions=(OPT_IN_REGION,), replica_of_central=True,
       denied_actions=("ecr:BatchDeleteImage", "ecr:DeleteRepository")),
    Member("payments-dev", PAYMENTS_DEV, 650, {
        PRIMARY_REGION: [
            _service("payments/api", 30, "python:3.12", first_version=(2, 5, 0), pr_share=0.5, days=(0.1, 120)),
            _service("payments/worker", 20, "python:3.12", pr_share=0.5, days=(0.2, 120)),
        ],
        SECOND_REGION: [_service("payments/experiments", 6, "python:3.13", moving_only=True)],
    }, replica_of_central=True),
    Member("sandbox-denied", SANDBOX_DENIED, 300, {
        PRIMARY_REGION: [_service("experiments/notebook", 6, "cuda:12.4", deps=(250_000_000, 900_000_000))],
        SECOND_REGION: [RepoSpec("experiments/scratch", "empty", team="experiments")],
    }, invited=True, replica_of_central=True),
    Member("analytics-retired", ANALYTICS_RETIRED, 800, {
        PRIMARY_REGION: [_service("analytics/legacy-etl", 5, "python:3.11", days=(200, 400))],
    }, suspended=True),
]

# What the seed wrote: filled by seed_organization.
SEEDED: dict[str, Any] = {}


def _full_access() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def _naive(moment: datetime) -> datetime:
    # moto keeps account times naive, in UTC.
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _organization(management: str) -> Any:
    """The organization backend of `management`, with an organization in it."""
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[management]["aws"]
    if backend.org is None:
        backend.create_organization(region=PRIMARY_REGION, FeatureSet="ALL")
        (master,) = backend.accounts
        master.name = MANAGEMENT_NAME
    return backend


def _create_member(backend: Any, account_id: str, name: str, joined: datetime) -> Any:
    """A member account created by Organizations (with its OrganizationAccountAccessRole),
    under a chosen id, and the role given full access as Organizations gives it."""
    from moto.iam.models import iam_backends
    from moto.organizations import utils as org_utils

    original = org_utils.make_random_account_id
    org_utils.make_random_account_id = lambda: account_id
    try:
        backend.create_account(AccountName=name, Email=f"aws+{name}@example.com")
    finally:
        org_utils.make_random_account_id = original
    account = backend.get_account_by_id(account_id)
    account.create_time = _naive(joined)
    iam_backends[account_id]["aws"].put_role_policy(ROLE, "AdministratorAccess", _full_access())
    return account


def _create_organization(management: str, anchor: datetime) -> Any:
    from moto.iam.models import iam_backends

    backend = _organization(management)
    backend.accounts[0].create_time = _naive(anchor - timedelta(days=1000))
    for member in MEMBERS:
        account = _create_member(backend, member.id, member.name, anchor - timedelta(days=member.joined_days))
        if member.invited:
            # An invited account only has the role if someone created it; nobody did here.
            account.joined_method = "INVITED"
            iam = iam_backends[member.id]["aws"]
            iam.delete_role_policy(ROLE, "AdministratorAccess")
            iam.delete_role(ROLE)
        if member.suspended:
            account.status = account.state = "SUSPENDED"
    return backend


def _attach_guardrails(backend: Any) -> None:
    """A service control policy on each member with `denied_actions`: production images
    are only removed by their lifecycle policies."""
    for member in MEMBERS:
        if not member.denied_actions:
            continue
        policy = backend.create_policy(
            Name=f"{member.name}-image-retention",
            Description="Images and repositories are removed by lifecycle policies only",
            Type="SERVICE_CONTROL_POLICY",
            Content=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "NoManualDeletion", "Effect": "Deny", "Action": list(member.denied_actions), "Resource": "*",
            }]}, indent=2),
        )
        backend.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=member.id)


def _org_pull_policy(organization_id: str) -> dict[str, Any]:
    """A repository policy letting every account of the organization pull."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OrganizationPull",
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": organization_id}},
        }],
    }


def _replication_destinations() -> list[Member]:
    return [m for m in MEMBERS if m.replica_of_central]


def _seed_registries(anchor: datetime, organization_id: str) -> dict[tuple[str, str, str], list[Group]]:
    from moto.ecr.models import ecr_backends

    planned: dict[tuple[str, str, str], list[Group]] = {}
    for member in MEMBERS:
        for region, specs in member.repositories.items():
            backend = ecr_backends[member.id][region]
            for spec in specs:
                if member.id == PLATFORM_SHARED:
                    spec = dataclasses.replace(spec, policy=_org_pull_policy(organization_id))
                planned[(member.id, region, spec.name)] = seed.seed_repository(
                    backend, spec, region, member.id, anchor, salt=f"{member.name}/",
                )
    central = ecr_backends[PLATFORM_SHARED][PRIMARY_REGION]
    destinations = _replication_destinations()
    central.put_replication_configuration({"rules": [{
        "destinations": [{"region": PRIMARY_REGION, "registryId": m.id} for m in destinations],
        "repositoryFilters": [{"filter": REPLICATION_PREFIX, "filterType": "PREFIX_MATCH"}],
    }]})
    for member in destinations:
        backend = ecr_backends[member.id][PRIMARY_REGION]
        # A destination registry must let the source account replicate into it.
        backend.put_registry_policy(json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ReplicationFromPlatformShared",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PLATFORM_SHARED}:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:{PRIMARY_REGION}:{member.id}:repository/*",
            }],
        }))
        for spec in CENTRAL:
            groups = planned[(PLATFORM_SHARED, PRIMARY_REGION, spec.name)]
            seed.replicate(backend, spec, groups, len(groups), member.id, anchor)
    return planned


def _newest_tagged(account: str, region: str, repository: str, index: int = 0) -> Any:
    from moto.ecr.models import ecr_backends

    return usage._images_by_age(ecr_backends[account][region], repository)[index]


def _seed_workloads(names: dict[str, str]) -> list[dict[str, Any]]:
    """An ECS service in payments-prod running platform-shared's envoy (a cross-account
    pull) beside its own payments/api, and a Lambda function there; returns the usage."""
    from moto.ecs.models import ecs_backends

    truth: dict[tuple[str, str, str], list[dict[str, Any]]] = {}

    def used(account: str, repository: str, image: Any, user: dict[str, Any]) -> None:
        key = (account, repository, image.get_image_digest())
        truth.setdefault(key, []).append({"account": PAYMENTS_PROD, "account_name": names[PAYMENTS_PROD], **user})

    envoy = _newest_tagged(PLATFORM_SHARED, PRIMARY_REGION, "shared/envoy", 1)
    envoy_tag = sorted(envoy.image_tags)[0]
    api = _newest_tagged(PAYMENTS_PROD, PRIMARY_REGION, "payments/api", 2)
    worker = _newest_tagged(PAYMENTS_PROD, PRIMARY_REGION, "payments/worker", 0)
    worker_tag = sorted(worker.image_tags)[0]

    ecs = ecs_backends[PAYMENTS_PROD][PRIMARY_REGION]
    ecs.create_cluster("payments")
    definition = usage.register_task_definition(ecs, "payments-gateway", [
        usage._uri(PLATFORM_SHARED, "shared/envoy", tag=envoy_tag),
        usage._uri(PAYMENTS_PROD, "payments/api", digest=api.get_image_digest()),
    ])
    service = ecs.create_service("payments", "payments-gateway", 2, definition.arn, launch_type="FARGATE")
    tasks = usage.run_tasks(ecs, "payments", definition, 2, "service:payments-gateway",
                            [envoy.get_image_digest(), api.get_image_digest()])
    service.running_count, service.pending_count = 2, 0
    used(PLATFORM_SHARED, "shared/envoy", envoy, {"kind": "ecs_service", "name": "payments-gateway",
                                                  "cluster": "payments", "by": "tag", "tag": envoy_tag})
    used(PAYMENTS_PROD, "payments/api", api, {"kind": "ecs_service", "name": "payments-gateway",
                                              "cluster": "payments", "by": "digest"})
    for task in tasks:
        for account, repository, image in ((PLATFORM_SHARED, "shared/envoy", envoy),
                                           (PAYMENTS_PROD, "payments/api", api)):
            used(account, repository, image, {"kind": "ecs_task", "name": task.id, "cluster": "payments",
                                              "service": "payments-gateway", "by": "digest"})

    usage.create_function(PAYMENTS_PROD, "settlement-hook",
                          {"ImageUri": usage._uri(PAYMENTS_PROD, "payments/worker", tag=worker_tag)}, image=worker)
    used(PAYMENTS_PROD, "payments/worker", worker, {"kind": "lambda", "name": "settlement-hook", "by": "digest"})

    return [
        {"account": account, "account_name": names[account], "region": PRIMARY_REGION, "repository": repository,
         "digest": digest, "users": users}
        for (account, repository, digest), users in sorted(truth.items())
    ]


def seed_organization(management: str, anchor: Optional[datetime] = None) -> dict[str, Any]:
    anchor = anchor or ecr_fixes.utc_now()
    with ecr_fixes.LOCK:
        backend = _create_organization(management, anchor)
        _attach_guardrails(backend)
        for member in MEMBERS:
            org_fixes.set_enabled_regions(member.id, member.opt_in_regions)
        _seed_registries(anchor, backend.org.id)
        names = {management: MANAGEMENT_NAME, **{m.id: m.name for m in MEMBERS}}
        workloads = _seed_workloads(names)

    accounts = [{
        "id": management, "name": MANAGEMENT_NAME, "state": "ACTIVE", "joined_method": "CREATED",
        "management": True, "role_assumable": False, "regions": [],
    }]
    for member in MEMBERS:
        regions = sorted(member.repositories)
        replicas = [PRIMARY_REGION] if member.replica_of_central else []
        accounts.append({
            "id": member.id,
            "name": member.name,
            "state": "SUSPENDED" if member.suspended else "ACTIVE",
            "joined_method": "INVITED" if member.invited else "CREATED",
            "management": False,
            "role_assumable": not (member.invited or member.suspended),
            "opt_in_regions_enabled": list(member.opt_in_regions),
            "denied_actions": list(member.denied_actions),
            "regions": sorted(set(regions) | set(replicas)),
            "repositories": {
                region: sorted(
                    [spec.name for spec in member.repositories.get(region, [])]
                    + ([spec.name for spec in CENTRAL] if region in replicas else [])
                )
                for region in sorted(set(regions) | set(replicas))
            },
        })
    SEEDED.clear()
    SEEDED.update({
        "organization_id": backend.org.id,
        "management_account": management,
        "role": ROLE,
        "accounts": accounts,
        "central_registry": {
            "account": PLATFORM_SHARED, "region": PRIMARY_REGION,
            "replicated_prefix": REPLICATION_PREFIX,
            "destinations": [{"account": m.id, "region": PRIMARY_REGION} for m in _replication_destinations()],
        },
        "usage": workloads,
    })
    return SEEDED


# --------------------------------------------------------------------------
# Many members, for scale tests and benchmarks (POST /moto-api/berth/organization-members)

MAX_BULK_IMAGES = 2_000_000


def _account_id(name: str, taken: set[str]) -> str:
    """A 12-digit id drawn from the name, the next free one if taken."""
    # Ids without a leading zero, as most real ones are.
    number = 10**11 + int(hashlib.sha256(f"berth-account/{name}".encode()).hexdigest(), 16) % (9 * 10**11)
    while str(number) in taken:
        number = 10**11 + (number + 1 - 10**11) % (9 * 10**11)
    return str(number)


def add_members(management: str, body: dict[str, Any], anchor: Optional[datetime] = None) -> dict[str, Any]:
    """`count` members named PREFIX-000…, each with OrganizationAccountAccessRole and, in
    every one of `regions`, `repositories` repositories of `images` images (the bulk seed's,
    named ACCOUNT-NAME/service-000…, so no two accounts hold the same images)."""
    from moto.ecr.models import ecr_backends

    count, repositories, images = body.get("count"), body.get("repositories", 0), body.get("images", 0)
    prefix, regions = body.get("prefix", "member"), body.get("regions", [PRIMARY_REGION])
    fraction = body.get("tagged_fraction", 0.8)
    if not isinstance(count, int) or not 1 <= count <= 500:
        raise ValueError("count must be an integer from 1 to 500")
    if not isinstance(prefix, str) or not re.fullmatch(r"[a-z][a-z0-9-]{0,40}", prefix):
        raise ValueError("prefix must be lowercase letters, digits and dashes")
    if not isinstance(regions, list) or not regions or not all(isinstance(r, str) for r in regions):
        raise ValueError("regions must be a non-empty list of region names")
    for name, value in (("repositories", repositories), ("images", images)):
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
    if count * len(regions) * repositories * images > MAX_BULK_IMAGES:
        raise ValueError(f"at most {MAX_BULK_IMAGES} images in all")
    if not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError("tagged_fraction must be between 0 and 1")
    anchor = anchor or ecr_fixes.utc_now()
    started = time.monotonic()
    created = []
    with ecr_fixes.LOCK:
        backend = _organization(management)
        names = {a.name for a in backend.accounts}
        taken = {a.id for a in backend.accounts} | {management}
        for n in range(count):
            name = f"{prefix}-{n:03d}"
            if name in names:
                raise ValueError(f"an account named {name} exists already")
            account_id = _account_id(name, taken)
            taken.add(account_id)
            _create_member(backend, account_id, name, anchor - timedelta(days=30 + n))
            for region in regions:
                ecr = ecr_backends[account_id][region]
                for k in range(repositories):
                    seed.seed_bulk(ecr, f"{name}/service-{k:03d}", images, float(fraction), False, anchor)
            created.append({"id": account_id, "name": name})
    return {
        "organization_id": backend.org.id,
        "accounts": created,
        "repositories": count * len(regions) * repositories,
        "images": count * len(regions) * repositories * images,
        "seconds": round(time.monotonic() - started, 3),
    }
