"""Data that real ECR would refuse, written straight into the sandbox's backend.

ECR's grammar forbids control characters in repository names and tags, so no
API call can create them. A compromised, buggy or look-alike endpoint can still
send them in a response, and berth must show such text harmlessly. These
helpers put names, tags and digests with escape sequences, BEL, non-ASCII
characters and very long strings where DescribeRepositories and DescribeImages
will return them, so end-to-end tests can check what reaches the terminal.
"""

from __future__ import annotations

from typing import Any

from moto.ecr.models import ECRBackend


def create_repository(backend: ECRBackend, name: str) -> dict[str, Any]:
    """An empty repository called `name`, whatever characters it holds."""
    if not isinstance(name, str) or not name:
        raise ValueError("name must be a non-empty string")
    if name in backend.repositories:
        raise ValueError(f"repository {name!r} exists")
    # moto checks the name in create_repository: create under a valid stand-in name,
    # then give the repository the unchecked one.
    stand_in = f"berth-unchecked/placeholder-{len(backend.repositories)}"
    repository = backend.create_repository(
        repository_name=stand_in,
        registry_id=None,
        encryption_config={"encryptionType": "AES256"},
        image_scan_config={"scanOnPush": False},
        image_tag_mutability="MUTABLE",
        tags=[],
    )
    del backend.repositories[stand_in]
    repository.name = name
    repository.arn = repository.arn.replace(stand_in, name)
    repository.uri = repository.uri.replace(stand_in, name)
    backend.repositories[name] = repository
    return {"name": name, "uri": repository.uri}


def add_tags(backend: ECRBackend, repository_name: str, digest: str, tags: list[Any]) -> dict[str, Any]:
    """Put `tags` on the image `digest` without ECR's tag grammar."""
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise ValueError("tags must be a list of non-empty strings")
    repository = backend._get_repository(repository_name, None)
    image = next((i for i in repository.images if i.get_image_digest() == digest), None)
    if image is None:
        raise ValueError(f"no image {digest} in {repository_name!r}")
    for tag in tags:
        if tag not in image.image_tags:
            image.image_tags.append(tag)
    # The corrected server keeps a tag index next to moto's list; keep it in step.
    index = repository.__dict__.get("_berth_index")
    if index is not None:
        index.added(image)
    return {"repository": repository_name, "digest": digest, "tags": list(image.image_tags)}


def set_digest(backend: ECRBackend, repository_name: str, digest: str, new_digest: Any) -> dict[str, Any]:
    """Give the image `digest` the id `new_digest`, whatever it holds.

    ECR's digests are `sha256:` and 64 hex characters, computed from the manifest; the
    corrected PutImage enforces that, so no API call can store anything else. A broken
    or hostile endpoint can still send any text as `imageDigest`.
    """
    if not isinstance(new_digest, str) or not new_digest:
        raise ValueError("new_digest must be a non-empty string")
    repository = backend._get_repository(repository_name, None)
    image = next((i for i in repository.images if i.get_image_digest() == digest), None)
    if image is None:
        raise ValueError(f"no image {digest} in {repository_name!r}")
    if any(i.get_image_digest() == new_digest for i in repository.images):
        raise ValueError(f"{new_digest!r} already names an image in {repository_name!r}")
    index = repository.__dict__.get("_berth_index")
    if index is not None:
        index.removed(image)
    image._image_digest = new_digest
    if index is not None:
        index.added(image)
    return {"repository": repository_name, "digest": new_digest, "tags": list(image.image_tags)}
