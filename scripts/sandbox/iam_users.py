"""IAM users with inline policies, and moto's IAM enforcement switch.

moto only checks permissions once its request counter has passed
`INITIAL_NO_AUTH_ACTION_COUNT` (infinite by default). With enforcement on, every
request must be SigV4-signed with the keys of an IAM user (or assumed role) of
the account, and each action is checked against that principal's policies:
explicit Deny beats Allow, wildcards such as `ecr:*` work; `Resource` only
matters as `*` versus a literal match, and conditions are ignored. A denied
action is HTTP 403 with an XML `AccessDenied` body (ECR itself answers JSON
`AccessDeniedException`). The sandbox's own /moto-api/ routes are never checked.
"""

from __future__ import annotations

import json
from typing import Any


def create_users(account: str, users: list[Any]) -> list[dict[str, str]]:
    """Create each `{"name": …, "policy": {…}}` with that inline policy and one access key."""
    from moto.iam.models import iam_backends

    if not isinstance(users, list) or not users:
        raise ValueError("users must be a non-empty list")
    backend = iam_backends[account]["aws"]
    created = []
    for entry in users:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("each user needs a name")
        policy = entry.get("policy")
        if not isinstance(policy, dict):
            raise ValueError(f"user {entry['name']}: policy must be a JSON object")
        # An existing user or a malformed policy raises moto's IAM ServiceException,
        # which the route turns into a 400 with IAM's error code.
        user = backend.create_user(region_name="us-east-1", user_name=entry["name"])
        backend.put_user_policy(entry["name"], f"{entry['name']}-policy", json.dumps(policy))
        key = backend.create_access_key(entry["name"])
        created.append({
            "name": user.name,
            "arn": user.arn,
            "access_key_id": key.access_key_id,
            "secret_access_key": key.secret_access_key,
        })
    return created


def set_enforcement(enforce: bool) -> None:
    """What `POST /moto-api/reset-auth` with body `0` (or `inf`) does."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if enforce else float("inf")
    ActionAuthenticatorMixin.request_count = 0


def enforcing() -> bool:
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT
