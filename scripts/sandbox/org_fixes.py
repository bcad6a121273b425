"""Corrections that make moto's AWS Organizations and STS answer the way AWS does
for an organization-wide console: who may assume which role, which accounts
ListAccounts returns and how it pages, which regions an account can use, what a
service control policy denies and when assumed credentials stop working.

What moto 5.2.5 does, and what each `fix_*` below changes:

- AssumeRole succeeds for any role ARN, in any account, even one that does not
  exist, whatever the role's trust policy says. Here it fails with HTTP 403
  `AccessDenied` ("User: … is not authorized to perform: sts:AssumeRole on
  resource: …") when the role does not exist, when its trust policy does not
  allow the caller (an `AWS` principal naming `*`, the caller's account, its
  root, or the caller's own user or role ARN; conditions are ignored; an
  explicit Deny wins), or when the role's account is SUSPENDED in an
  organization (a closed account's resources "won't be available").
- ListAccounts ignores the model's MaxResults range (1-20) and answers every
  account in one page when none is given; a bad token is `InvalidToken`, an
  error Organizations does not have. Here pages hold at most 20 accounts
  (default 20, a choice: AWS documents the default only as "specific to the
  operation"), MaxResults outside 1-20 and a bad token are
  `InvalidInputException`, ListAccountsForParent likewise.
- ListAccounts from a member account answers an empty list, and from an account
  in no organization too. Here a member gets `AccessDeniedException` (only the
  management account or a delegated administrator may call it) and an account
  outside any organization `AWSOrganizationsNotInUseException`.
- Accounts carry `Status`, which AWS retired on September 9, 2026 in favour of
  `State`: here DescribeAccount, ListAccounts and ListAccountsForParent answer
  `State` only, so a client that still reads `Status` is caught.
- moto has no opt-in regions: every account can use every region. Here an
  account can be given the opt-in regions it has enabled (`set_enabled_regions`,
  the organization seed does it); a request signed with that account's
  credentials for another opt-in region is refused as AWS refuses credentials
  in a region the account has not enabled: HTTP 403, `UnrecognizedClientException`
  ("The security token included in the request is invalid.") from JSON and REST
  services, `InvalidClientTokenId` from query services (STS). Accounts never
  given a list keep every region, as under moto.
- Service control policies are stored and attached but never evaluated. Here an
  explicit Deny in an SCP attached to a member account, its OUs or the root refuses
  that member's principals (its role sessions too) the actions it names: HTTP 403
  `AccessDeniedException` ("… is not authorized to perform: ecr:BatchDeleteImage with
  an explicit deny in a service control policy"; `AccessDenied` from query services).
  Only Deny statements without a Condition are evaluated (an SCP's allow list is not),
  and the management account is never restricted, as in AWS.
- Credentials from AssumeRole work forever. Here a request signed with them after
  their `Expiration` is HTTP 403 `ExpiredTokenException` ("The security token included
  in the request is expired"; `ExpiredToken` from STS). `expire_sessions` (the
  `/expire-credentials` route) ends sessions at once, so a client's refresh can be
  tested without waiting out the 15-minute minimum duration.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from datetime import timedelta
from typing import Any, Iterable, Optional

from moto.core.exceptions import AccessDeniedError, ServiceException

# Regions AWS launched after March 20, 2019: disabled until an account opts in.
# Every other region is enabled for every account and cannot be disabled.
OPT_IN_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
    "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
})

LIST_ACCOUNTS_MAX = 20

# account -> the opt-in regions it has enabled. Accounts not listed can use every region.
_ENABLED_OPT_IN: dict[str, frozenset[str]] = {}


class InvalidInputException(ServiceException):
    code = "InvalidInputException"

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.Reason = reason


class AccessDeniedException(ServiceException):
    code = "AccessDeniedException"
    message = "You don't have permissions to access this resource."


class AWSOrganizationsNotInUseException(ServiceException):
    code = "AWSOrganizationsNotInUseException"
    message = "Your account is not a member of an organization."


# --------------------------------------------------------------------------
# Organizations


def organization_account(account_id: str) -> Optional[Any]:
    """The organization's record of `account_id` (moto's FakeAccount), if any."""
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts.get(account_id)
    if master is None:
        return None
    backend = organizations_backends[master[0]][master[1]]
    return next((a for a in backend.accounts if a.id == account_id), None)


def _token(offset: int, scope: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "s": scope}).encode()).decode()


def _offset(token: Optional[str], scope: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["s"] != scope or not isinstance(data["o"], int) or data["o"] < 0:
            raise ValueError
        return data["o"]
    except (ValueError, KeyError, TypeError):
        raise InvalidInputException("You specified an invalid value for nextToken.", "INVALID_NEXT_TOKEN")


def account_page(accounts: list[dict[str, Any]], limit: Any, token: Optional[str], scope: str) -> dict[str, Any]:
    size = LIST_ACCOUNTS_MAX if limit is None else int(limit)
    if size < 1:
        raise InvalidInputException("You provided a value that is too small for MaxResults.", "MIN_VALUE_EXCEEDED")
    if size > LIST_ACCOUNTS_MAX:
        raise InvalidInputException("You provided a value that is too large for MaxResults.", "MAX_VALUE_EXCEEDED")
    start = _offset(token, scope)
    end = start + size
    result: dict[str, Any] = {"Accounts": accounts[start:end]}
    if end < len(accounts):
        result["NextToken"] = _token(end, scope)
    return result


def fix_list_accounts() -> None:
    from moto.organizations.models import organizations_backends
    from moto.organizations.responses import OrganizationsResponse as R

    def checked_backend(self: Any) -> Any:
        backend = self.organizations_backend
        if backend.org is None:
            if self.current_account in organizations_backends.master_accounts:
                raise AccessDeniedException()
            raise AWSOrganizationsNotInUseException()
        return backend

    def ordered(accounts: Iterable[Any]) -> list[dict[str, Any]]:
        described = [a.describe() for a in accounts]
        return sorted(described, key=lambda a: (a["JoinedTimestamp"], a["Id"]))

    def list_accounts(self: Any) -> str:
        backend = checked_backend(self)
        return json.dumps(account_page(
            ordered(backend.accounts), self._get_param("MaxResults"), self._get_param("NextToken"), "ListAccounts",
        ))

    def list_accounts_for_parent(self: Any) -> str:
        backend = checked_backend(self)
        parent = backend.validate_parent_id(self._get_param("ParentId"))
        accounts = [a for a in backend.accounts if a.parent_id == parent]
        return json.dumps(account_page(
            ordered(accounts), self._get_param("MaxResults"), self._get_param("NextToken"),
            f"ListAccountsForParent/{parent}",
        ))

    R.list_accounts = list_accounts  # type: ignore[method-assign]
    R.list_accounts_for_parent = list_accounts_for_parent  # type: ignore[method-assign]


def fix_account_state_only() -> None:
    from moto.organizations.models import FakeAccount

    original = FakeAccount.describe

    def describe(self: Any) -> dict[str, Any]:
        result = original(self)
        result.pop("Status", None)
        return result

    FakeAccount.describe = describe  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# Service control policies

IAM_PREFIX = {"awslambda": "lambda"}


def _attached_scps(member: Any) -> list[Any]:
    """The SCPs that apply to a member: its own and those of every OU up to the root."""
    from moto.organizations.models import organizations_backends

    master = organizations_backends.master_accounts[member.id]
    backend = organizations_backends[master[0]][master[1]]
    policies = list(member.attached_policies)
    parent = member.parent_id
    while parent:
        unit = next((u for u in backend.ou if u.id == parent), None)
        if unit is None:
            break
        policies += unit.attached_policies
        parent = getattr(unit, "parent_id", None)
    return [p for p in policies if p.type == "SERVICE_CONTROL_POLICY"]


def scp_denies(account: str, action: str) -> bool:
    """Whether an SCP explicitly denies `action` (e.g. "ecr:BatchDeleteImage") to the
    principals of `account`. Statements with a Condition are not evaluated."""
    member = organization_account(account)
    if member is None or member.id == member.master_account_id:
        return False
    for policy in _attached_scps(member):
        for statement in _statements(policy.content or "{}"):
            if statement.get("Effect") == "Deny" and "Condition" not in statement \
                    and _action_matches(statement.get("Action", []), action):
                return True
    return False


def fix_service_control_policies() -> None:
    from moto.core.responses import BaseResponse
    from moto.sts.models import sts_backends

    original = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        if self.current_account in _organization_members():
            action = f"{IAM_PREFIX.get(self.service_name, self.service_name)}:{self._get_action()}"
            if scp_denies(self.current_account, action):
                _, caller, _ = sts_backends[self.current_account]["aws"].get_caller_identity(
                    self.get_access_key(), self.region)
                message = f"User: {caller} is not authorized to perform: {action} " \
                          "with an explicit deny in a service control policy"
                status, headers, body = _refused(self.service_name, "AccessDeniedException", "AccessDenied", message)
                return 403, {key: value for key, value in headers}, body
        return original(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]


def _organization_members() -> dict[str, Any]:
    from moto.organizations.models import organizations_backends

    return organizations_backends.master_accounts


# --------------------------------------------------------------------------
# STS


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_matches(patterns: Any, action: str) -> bool:
    for pattern in _as_list(patterns):
        regex = "^" + re.escape(str(pattern).lower()).replace(r"\*", ".*").replace(r"\?", ".") + "$"
        if re.match(regex, action.lower()):
            return True
    return False


def _principal_matches(principal: Any, names: set[str]) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return any(str(p) in names for p in _as_list(principal.get("AWS", [])))


def trusts(document: Any, caller_account: str, caller_arn: Optional[str]) -> bool:
    """Whether a role's trust policy lets a principal of `caller_account` (with IAM
    ARN `caller_arn`, if known) assume it. Conditions are not evaluated."""
    names = {"*", caller_account, f"arn:aws:iam::{caller_account}:root"}
    if caller_arn:
        names.add(caller_arn)
    allowed = False
    for statement in _statements(document):
        if not _action_matches(statement.get("Action", []), "sts:AssumeRole"):
            continue
        if not _principal_matches(statement.get("Principal"), names):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def caller_principal(assumed_arn: str) -> str:
    """The IAM ARN a trust policy names for a caller: an assumed-role session
    (arn:aws:sts::A:assumed-role/R/S) is its role (arn:aws:iam::A:role/R)."""
    match = re.fullmatch(r"arn:(aws[\w-]*):sts::(\d{12}):assumed-role/([^/]+)/.*", assumed_arn)
    if match:
        return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}"
    return assumed_arn


def assume_role_refusal(caller_account: str, caller_arn: str, role_arn: str) -> Optional[str]:
    """Why AWS would refuse `caller_arn` (of `caller_account`) assuming `role_arn`, or None."""
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    match = re.fullmatch(r"arn:(aws[\w-]*):iam::(\d{12}):role/(?:[^/]+/)*([^/]+)", role_arn or "")
    if not match:
        return "not a role ARN"
    account, name = match.group(2), match.group(3)
    member = organization_account(account)
    if member is not None and member.state != "ACTIVE":
        return f"account {account} is {member.state}"
    try:
        role = iam_backends[account][match.group(1)].get_role(name)
    except NotFoundException:
        return f"no role {name} in {account}"
    if not trusts(role.assume_role_policy_document, caller_account, caller_principal(caller_arn)):
        return "the role's trust policy does not allow the caller"
    return None


def fix_assume_role() -> None:
    from moto.sts.responses import TokenResponse as R

    original = R.assume_role

    def assume_role(self: Any) -> Any:
        role_arn = self._get_param("RoleArn")
        _, caller_arn, _ = self.backend.get_caller_identity(self.get_access_key(), self.region)
        if assume_role_refusal(self.current_account, caller_arn, role_arn) is not None:
            # AWS gives no reason: a missing role, an untrusting one and a closed account
            # all read the same.
            raise AccessDeniedError(caller_arn, f"sts:AssumeRole on resource: {role_arn}")
        return original(self)

    R.assume_role = assume_role  # type: ignore[method-assign]


# --------------------------------------------------------------------------
# Opt-in regions


def set_enabled_regions(account: str, regions: Iterable[str]) -> None:
    """Make `account` an account that has enabled exactly these opt-in regions."""
    regions = frozenset(regions)
    unknown = regions - OPT_IN_REGIONS
    if unknown:
        raise ValueError(f"not opt-in regions (enabled for every account): {sorted(unknown)}")
    _ENABLED_OPT_IN[account] = regions


def enabled_regions(account: str) -> Optional[frozenset[str]]:
    return _ENABLED_OPT_IN.get(account)


def region_enabled(account: str, region: str) -> bool:
    enabled = _ENABLED_OPT_IN.get(account)
    return enabled is None or region not in OPT_IN_REGIONS or region in enabled


_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
QUERY_SERVICES = frozenset({"sts", "iam", "ec2", "sqs", "sns", "rds", "cloudformation", "elasticloadbalancing"})
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"

Refusal = tuple[str, list[tuple[str, str]], bytes]


def _refused(service: str, json_code: str, query_code: str, message: str) -> Refusal:
    """An HTTP 403 error in the service's protocol: XML for query services, JSON else."""
    if service in QUERY_SERVICES:
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{query_code}</Code><Message>{message}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        ).encode()
        return "403 Forbidden", [("Content-Type", "text/xml")], body
    body = json.dumps({"__type": json_code, "message": message}).encode()
    return "403 Forbidden", [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", json_code)], body


def assumed_role_session(access_key: str) -> Optional[Any]:
    """moto's record of the AssumeRole session that issued `access_key`, if any."""
    if not access_key.startswith("ASIA"):
        return None
    from moto.iam.models import get_account_id_from
    from moto.sts.models import sts_backends

    return sts_backends[get_account_id_from(access_key)]["aws"].get_assumed_role_from_access_key(access_key)


def expire_sessions(access_key: Optional[str] = None, account: Optional[str] = None) -> list[str]:
    """End now the AssumeRole sessions of `access_key`, or every session into `account`;
    answers their access keys."""
    from moto.core.utils import utcnow
    from moto.sts.models import sts_backends

    if access_key:
        session = assumed_role_session(access_key)
        sessions = [session] if session is not None else []
    elif account:
        sessions = list(sts_backends[account]["aws"].assumed_roles)
    else:
        raise ValueError("name an access_key_id or an account")
    for session in sessions:
        session.expiration = utcnow() - timedelta(seconds=1)
    return [s.access_key_id for s in sessions]


def refusal(environ: dict[str, Any]) -> Optional[Refusal]:
    """What AWS answers instead of serving a request (status, headers, body): credentials
    of an AssumeRole session past its expiry, or of an account in an opt-in region it has
    not enabled. None for a request that may go on."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return None
    access_key, region, service = match.groups()
    from moto.core.utils import utcnow

    session = assumed_role_session(access_key)
    if session is not None and session.expiration <= utcnow():
        return _refused(service, "ExpiredTokenException", "ExpiredToken", EXPIRED_TOKEN)
    if region in OPT_IN_REGIONS and _ENABLED_OPT_IN:
        from moto.iam.models import get_account_id_from

        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or get_account_id_from(access_key)
        if not region_enabled(account, region):
            return _refused(service, "UnrecognizedClientException", "InvalidClientTokenId", INVALID_TOKEN)
    return None


@functools.cache
def apply() -> None:
    """Install the corrections (once)."""
    for fix in (fix_list_accounts, fix_account_state_only, fix_assume_role, fix_service_control_policies):
        fix()
