"""Workloads that use sandbox images: ECS services and running tasks, and Lambda
functions of package type Image, so berth can show which images are in use.

The standard seed adds (`seed_standard`, in us-east-1 of the sandbox account):

- cluster `prod`: service `web-frontend` whose task definition names a
  `web/frontend` image by tag, with 2 running tasks; service `payments-api` naming a
  `payments/api` image by digest (plus a sidecar from public.ecr.aws, not ours),
  with 1 running task;
- cluster `batch`: a standalone task (no service) configured with a `data/etl` tag
  that has since moved: the digest it runs is an older image's;
- Lambda `thumbnailer` by tag (`platform/notifications`), `invoice-renderer` by
  digest (`checkout/pricing`), `legacy-zip` (package type Zip: no image) and
  `partner-hook` (an image in another account: not ours).

`GET /moto-api/berth/usage` answers what that seed means: per repository and
digest, the workloads using it and how (`by` digest or tag). Tests compare berth's
answer with it.

What moto 5.2.5 lacks, and what this module does about it (`apply`):

- ListClusters / ListServices / ListTasks ignore `maxResults` / `nextToken` and
  ListFunctions ignores `MaxItems` / `Marker`: they page here like AWS (defaults
  100 / 10 / 100 / 50) with opaque tokens; a bad token is InvalidParameterException.
- ListTasks without `desiredStatus` lists stopped tasks too; AWS lists RUNNING.
- DescribeServices accepts more than 10 services and DescribeTasks more than 100;
  AWS refuses: so does the sandbox.
- RunTask / CreateService never pull anything, so task containers have no
  `imageDigest`, and a task gets one container whatever its definition says: the seed
  sets `image_digest` and the containers on the backend objects.
- CreateService starts no tasks: the seed runs them with RunTask (group
  `service:NAME`, as ECS does) and sets the service's running count.
- Lambda CreateFunction with an image does not look the image up (its "stub"
  mode hashes the URI string into CodeSha256), and the non-stub mode cuts
  repository names at the last `/`. Here an image URI of this sandbox's registry
  resolves against the ECR backend by tag or digest (CodeSha256 = the digest, as
  Lambda reports it); other URIs keep moto's stub.
- GetFunction's `ResolvedImageUri` is malformed for an image given by digest
  (`repo@sha256@sha256:…`): here it is `REPO_URI@sha256:…` in every case.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Callable, Optional

from moto.core.exceptions import ServiceException

PRIMARY_REGION = "us-east-1"
FOREIGN_ACCOUNT = "210987654321"
LAMBDA_ROLE = "berth-sandbox-lambda"
SIDECAR = "public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0"


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"


# --------------------------------------------------------------------------
# Corrections


def _token(operation: str, offset: int, scope: str) -> str:
    raw = json.dumps({"op": operation, "offset": offset, "scope": scope})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _offset(token: Optional[str], operation: str, scope: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["op"] != operation or data["scope"] != scope:
            raise ValueError
        return int(data["offset"])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise InvalidParameterException("Invalid nextToken")


def page(items: list[Any], limit: Optional[Any], token: Optional[str], operation: str, scope: str,
         default: int, most: int) -> tuple[list[Any], Optional[str]]:
    """One page of `items` as AWS serves it: `limit` items (default, at most `most`)
    from where `token` left off, and the token for the rest."""
    size = default if limit in (None, "") else int(limit)
    if not 1 <= size <= most:
        raise InvalidParameterException(f"maxResults must be between 1 and {most}")
    start = _offset(token, operation, scope)
    end = start + size
    return items[start:end], (_token(operation, end, scope) if end < len(items) else None)


def fix_ecs_listings() -> None:
    from moto.core.responses import ActionResult
    from moto.ecs.responses import EC2ContainerServiceResponse as R

    def list_clusters(self: Any) -> Any:
        arns = self.ecs_backend.list_clusters()
        items, token = page(arns, self._get_param("maxResults"), self._get_param("nextToken"),
                            "ListClusters", "", 100, 100)
        return ActionResult({"clusterArns": items, **({"nextToken": token} if token else {})})

    def list_services(self: Any) -> Any:
        cluster = self._get_param("cluster", "default")
        arns = self.ecs_backend.list_services(
            cluster, self._get_param("schedulingStrategy"), launch_type=self._get_param("launchType")
        )
        items, token = page(arns, self._get_param("maxResults"), self._get_param("nextToken"),
                            "ListServices", cluster, 10, 100)
        return ActionResult({"serviceArns": items, **({"nextToken": token} if token else {})})

    def list_tasks(self: Any) -> Any:
        cluster = self._get_param("cluster", "default")
        tasks = self.ecs_backend.list_tasks(
            cluster,
            self._get_param("containerInstance"),
            self._get_param("family"),
            self._get_param("startedBy"),
            self._get_param("serviceName"),
            # ECS lists running tasks unless asked for stopped ones.
            self._get_param("desiredStatus") or "RUNNING",
        )
        arns = [t.task_arn for t in tasks]
        items, token = page(arns, self._get_param("maxResults"), self._get_param("nextToken"),
                            "ListTasks", cluster, 100, 100)
        return ActionResult({"taskArns": items, **({"nextToken": token} if token else {})})

    original_describe_services = R.describe_services
    original_describe_tasks = R.describe_tasks

    def describe_services(self: Any) -> Any:
        if len(self._get_param("services", []) or []) > 10:
            raise InvalidParameterException("services can have at most 10 items.")
        return original_describe_services(self)

    def describe_tasks(self: Any) -> Any:
        if len(self._get_param("tasks", []) or []) > 100:
            raise InvalidParameterException("tasks can have at most 100 items.")
        return original_describe_tasks(self)

    R.list_clusters = list_clusters  # type: ignore[method-assign]
    R.list_services = list_services  # type: ignore[method-assign]
    R.list_tasks = list_tasks  # type: ignore[method-assign]
    R.describe_services = describe_services  # type: ignore[method-assign]
    R.describe_tasks = describe_tasks  # type: ignore[method-assign]


def fix_lambda_listing() -> None:
    from moto.awslambda.responses import LambdaResponse as R

    def list_functions(self: Any) -> str:
        query = self.querystring
        version = query.get("FunctionVersion", [None])[0]
        functions = list(self.backend.list_functions(version))
        items, marker = page(functions, query.get("MaxItems", [None])[0], query.get("Marker", [None])[0],
                             "ListFunctions", version or "", 50, 10_000)
        result: dict[str, Any] = {"Functions": [fn.get_configuration() for fn in items]}
        if marker:
            result["NextMarker"] = marker
        return json.dumps(result)

    R.list_functions = list_functions  # type: ignore[method-assign]


def split_image_uri(uri: str) -> Optional[tuple[str, str, str, Optional[str], Optional[str]]]:
    """(account, region, repository, tag, digest) of an ECR image URI, else None."""
    host, _, path = uri.partition("/")
    parts = host.split(".")
    if len(parts) < 6 or parts[1:3] != ["dkr", "ecr"] or not path:
        return None
    account, region = parts[0], parts[3]
    name, _, digest = path.partition("@")
    last = name.rfind("/") + 1
    repository, _, tag = name[last:].partition(":")
    return account, region, name[:last] + repository, tag or None, digest or None


def _repository_uri(uri: str) -> str:
    name = uri.split("@", 1)[0]
    last = name.rfind("/") + 1
    return name[:last] + name[last:].split(":", 1)[0]


def fix_lambda_image_code() -> None:
    from moto.awslambda.models import LambdaFunction
    from moto.ecr.models import ecr_backends

    original_set_code = LambdaFunction._set_function_code
    original_get_code = LambdaFunction.get_code

    def set_function_code(self: Any, updated_spec: dict[str, Any]) -> None:
        original_set_code(self, updated_spec)
        uri = updated_spec.get("ImageUri")
        parts = split_image_uri(uri) if uri else None
        if not parts:
            return
        account, region, repository, tag, digest = parts
        try:
            backend = ecr_backends[account][region]
            images = backend._get_repository(repository).images
        except Exception:  # not a repository of this sandbox: keep moto's stub
            return
        for image in images:
            if (digest and image.get_image_digest() == digest) or (
                not digest and tag in (image.image_tags or [])
            ):
                self.code_sha_256 = image.get_image_digest().split(":", 1)[1]
                self.code_size = image.get_image_size_in_bytes() or 0
                return

    def get_code(self: Any) -> dict[str, Any]:
        response = original_get_code(self)
        code = response.get("Code", {})
        if "ImageUri" in code:
            code["ResolvedImageUri"] = f"{_repository_uri(code['ImageUri'])}@sha256:{self.code_sha_256}"
        return response

    LambdaFunction._set_function_code = set_function_code  # type: ignore[method-assign]
    LambdaFunction.get_code = get_code  # type: ignore[method-assign]


FIXES: list[Callable[[], None]] = [fix_ecs_listings, fix_lambda_listing, fix_lambda_image_code]
_applied = False


def apply() -> None:
    global _applied
    if not _applied:
        for fix in FIXES:
            fix()
        _applied = True


# --------------------------------------------------------------------------
# The standard seed's workloads

# The truth the seed writes, filled by seed_standard: one entry per (repository,
# digest) with its users.
SEEDED: dict[str, list[dict[str, Any]]] = {}


def _images_by_age(backend: Any, repository: str) -> list[Any]:
    """Tagged single-platform images of a repository, newest push first."""
    images = [
        image for image in backend._get_repository(repository).images
        if image.image_tags and "manifest.list" not in (image.image_manifest or "")
        and "image.index" not in (image.image_manifest or "")
    ]
    return sorted(images, key=lambda i: (i.image_pushed_at, i.get_image_digest()), reverse=True)


def _uri(account: str, repository: str, tag: Optional[str] = None, digest: Optional[str] = None) -> str:
    uri = f"{account}.dkr.ecr.{PRIMARY_REGION}.amazonaws.com/{repository}"
    if tag:
        uri += f":{tag}"
    if digest:
        uri += f"@{digest}"
    return uri


def register_task_definition(ecs: Any, family: str, images: list[str]) -> Any:
    """A task definition with one container per image, the first essential."""
    return ecs.register_task_definition(
        family=family,
        container_definitions=[
            {"name": f"c{i}", "image": image, "memory": 256, "essential": i == 0}
            for i, image in enumerate(images)
        ],
        # awsvpc (Fargate's mode) would make moto create network interfaces in a VPC
        # the sandbox does not have; nothing here depends on the network mode.
        network_mode="bridge",
    )


def run_tasks(ecs: Any, cluster: str, task_definition: Any, count: int, group: str,
              digests: list[Optional[str]]) -> list[Any]:
    """Run `count` tasks whose containers report the digests they pulled (moto's
    RunTask pulls nothing and gives a task one container whatever its definition)."""
    from moto.ecs.models import Container

    tasks = ecs.run_task(cluster, task_definition.arn, count, None, "", None, "FARGATE", group=group)
    for task in tasks:
        task.containers = []
        for entry, digest in zip(task_definition.container_definitions, digests):
            container = Container(task_definition)
            container.name = entry["name"]
            container.image = entry["image"]
            container.last_status = "RUNNING"
            if digest:
                container.image_digest = digest  # type: ignore[attr-defined]
            task.containers.append(container)
    return tasks


def create_function(account: str, name: str, code: dict[str, Any], package_type: str = "Image",
                    image: Any = None) -> Any:
    """A Lambda function in `account` (us-east-1); `image`, when given, is the ECR
    image its ImageUri resolved to when it was deployed."""
    from moto.awslambda.models import lambda_backends
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    # Lambda refuses a function whose role does not exist.
    iam = iam_backends[account]["aws"]
    try:
        role = iam.get_role(LAMBDA_ROLE)
    except NotFoundException:
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {
            "Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
        role = iam.create_role(LAMBDA_ROLE, trust, "/", None, "Runs the sandbox's Lambda functions", [], None)
    fn = lambda_backends[account][PRIMARY_REGION].create_function({
        "FunctionName": name,
        "Role": role.arn,
        "Code": code,
        "PackageType": package_type,
        **({"Runtime": "python3.12", "Handler": "app.handler"} if package_type == "Zip" else {}),
    })
    if image is not None:
        # What Lambda resolved the URI to at deploy time (moto, even under --plain,
        # would hash the URI string instead).
        fn.code_sha_256 = image.get_image_digest().split(":", 1)[1]
    return fn


def seed_standard(account: str) -> dict[str, list[dict[str, Any]]]:
    """Write the workloads into moto's ECS and Lambda backends; return the truth."""
    from moto.ecr.models import ecr_backends
    from moto.ecs.models import ecs_backends

    ecr = ecr_backends[account][PRIMARY_REGION]
    ecs = ecs_backends[account][PRIMARY_REGION]
    truth: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def used(repository: str, image: Any, user: dict[str, Any]) -> None:
        truth.setdefault((repository, image.get_image_digest()), []).append(user)

    # Older images, so that a lifecycle rule keeping only the newest would expire them.
    frontend = _images_by_age(ecr, "web/frontend")[3]
    frontend_tag = sorted(frontend.image_tags)[0]
    payments = _images_by_age(ecr, "payments/api")[5]
    etl = _images_by_age(ecr, "data/etl")
    etl_now, etl_before = etl[1], etl[4]
    etl_tag = sorted(etl_now.image_tags)[0]
    notifications = _images_by_age(ecr, "platform/notifications")[2]
    notifications_tag = sorted(notifications.image_tags)[0]
    pricing = _images_by_age(ecr, "checkout/pricing")[6]

    for cluster in ("prod", "batch"):
        ecs.create_cluster(cluster)

    # web-frontend: by tag, 2 running tasks that pulled what the tag names.
    web = register_task_definition(ecs, "web-frontend", [_uri(account, "web/frontend", tag=frontend_tag)])
    service = ecs.create_service("prod", "web-frontend", 2, web.arn, launch_type="FARGATE")
    tasks = run_tasks(ecs, "prod", web, 2, "service:web-frontend", [frontend.get_image_digest()])
    service.running_count, service.pending_count = 2, 0
    used("web/frontend", frontend, {"kind": "ecs_service", "name": "web-frontend", "cluster": "prod",
                                    "by": "tag", "tag": frontend_tag})
    for task in tasks:
        used("web/frontend", frontend, {"kind": "ecs_task", "name": task.id, "cluster": "prod",
                                        "service": "web-frontend", "by": "digest"})

    # payments-api: by digest, with a sidecar from another registry.
    api = register_task_definition(
        ecs, "payments-api", [_uri(account, "payments/api", digest=payments.get_image_digest()), SIDECAR]
    )
    service = ecs.create_service("prod", "payments-api", 1, api.arn, launch_type="FARGATE")
    tasks = run_tasks(ecs, "prod", api, 1, "service:payments-api",
                      [payments.get_image_digest(), "sha256:" + "7" * 64])
    service.running_count, service.pending_count = 1, 0
    used("payments/api", payments, {"kind": "ecs_service", "name": "payments-api", "cluster": "prod",
                                    "by": "digest"})
    used("payments/api", payments, {"kind": "ecs_task", "name": tasks[0].id, "cluster": "prod",
                                    "service": "payments-api", "by": "digest"})

    # A standalone task started when the tag named an older image.
    report = register_task_definition(ecs, "nightly-report", [_uri(account, "data/etl", tag=etl_tag)])
    tasks = run_tasks(ecs, "batch", report, 1, "family:nightly-report", [etl_before.get_image_digest()])
    used("data/etl", etl_before, {"kind": "ecs_task", "name": tasks[0].id, "cluster": "batch", "by": "digest"})

    def function(name: str, code: dict[str, Any], package_type: str = "Image", image: Any = None) -> None:
        create_function(account, name, code, package_type, image)

    function("thumbnailer", {"ImageUri": _uri(account, "platform/notifications", tag=notifications_tag)},
             image=notifications)
    used("platform/notifications", notifications, {"kind": "lambda", "name": "thumbnailer", "by": "digest"})
    function("invoice-renderer", {"ImageUri": _uri(account, "checkout/pricing", digest=pricing.get_image_digest())},
             image=pricing)
    used("checkout/pricing", pricing, {"kind": "lambda", "name": "invoice-renderer", "by": "digest"})
    function("partner-hook", {"ImageUri": f"{FOREIGN_ACCOUNT}.dkr.ecr.{PRIMARY_REGION}.amazonaws.com/hooks:v1"})
    function("legacy-zip", {"ZipFile": base64.b64encode(b"PK\x05\x06" + b"\x00" * 18).decode()}, package_type="Zip")

    SEEDED.clear()
    for (repository, digest), users in sorted(truth.items()):
        SEEDED.setdefault(repository, []).append({"digest": digest, "users": users})
    return SEEDED
