"""Deterministic randomness and realistic image manifests for the seeders."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional, Sequence, TypeVar

from ecr_fixes import DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST

T = TypeVar("T")

DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO_LAYER = "application/vnd.in-toto+json"

Layer = tuple[str, int]  # (digest, compressed size in bytes)


class Rng:
    """A random stream fixed by a text seed.

    Built on sha256 rather than the `random` module so the numbers cannot change
    with the Python version or platform: the seed must be the same everywhere.
    """

    def __init__(self, seed: str):
        self._seed = seed.encode()
        self._n = 0
        self._pool: list[int] = []

    def _bits(self) -> int:
        # One hash yields four 64-bit draws.
        if not self._pool:
            self._n += 1
            block = hashlib.sha256(self._seed + b"#" + str(self._n).encode()).digest()
            self._pool = [int.from_bytes(block[i:i + 8], "big") for i in (24, 16, 8, 0)]
        return self._pool.pop()

    def random(self) -> float:
        return (self._bits() >> 11) / float(1 << 53)

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def randint(self, low: int, high: int) -> int:
        return low + self._bits() % (high - low + 1)

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def choice(self, items: Sequence[T]) -> T:
        return items[self._bits() % len(items)]

    def shuffle(self, items: list[T]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self._bits() % (i + 1)
            items[i], items[j] = items[j], items[i]

    def hex(self, length: int) -> str:
        self._n += 1
        return hashlib.sha256(self._seed + b"@" + str(self._n).encode()).hexdigest()[:length]

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def blob_digest(*parts: object) -> str:
    """A stable, distinct blob digest for a named piece of content."""
    return "sha256:" + hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def image_manifest(config: Layer, layers: Sequence[Layer], oci: bool, compact: bool = False) -> tuple[str, str]:
    """Manifest text and media type for a single-platform image."""
    media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
    layer_type = OCI_LAYER if oci else DOCKER_LAYER
    body: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG, "size": config[1], "digest": config[0]},
        "layers": [{"mediaType": layer_type, "size": size, "digest": digest} for digest, size in layers],
    }
    # Docker's registry client writes manifests indented by three spaces, buildx
    # writes them compact; both appear in real registries.
    if oci or compact:
        return json.dumps(body, separators=(",", ":")), media_type
    return json.dumps(body, indent=3), media_type


def attestation_manifest(subject_digest: str, key: str) -> tuple[str, str]:
    """The provenance manifest buildx attaches to an OCI index."""
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob_digest("att-config", key), "size": 167},
        "layers": [
            {
                "mediaType": IN_TOTO_LAYER,
                "digest": blob_digest("att-provenance", key),
                "size": 11873,
                "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"},
            }
        ],
    }
    return json.dumps(body, separators=(",", ":")), OCI_MANIFEST


def index_manifest(children: Sequence[tuple[str, str, str, Optional[dict[str, str]], Optional[dict[str, str]]]], oci: bool) -> tuple[str, str]:
    """Manifest list / OCI index over (manifest text, media type, digest, platform, annotations)."""
    media_type = OCI_INDEX if oci else DOCKER_MANIFEST_LIST
    entries = []
    for text, child_type, digest, platform, annotations in children:
        entry: dict[str, Any] = {"mediaType": child_type, "digest": digest, "size": len(text.encode())}
        if platform:
            entry["platform"] = platform
        if annotations:
            entry["annotations"] = annotations
        entries.append(entry)
    body = {"schemaVersion": 2, "mediaType": media_type, "manifests": entries}
    return json.dumps(body, indent=None if oci else 3), media_type


# OCI 1.1 referrers: signatures, SBOMs and attestations whose `subject` names an image.
COSIGN_SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json"
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature"
JOSE = "application/jose+json"
SPDX = "application/spdx+json"
IN_TOTO = "application/vnd.in-toto+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
# The OCI empty descriptor: the two bytes `{}`.
EMPTY_DIGEST = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"


def referrer_manifest(
    subject: tuple[str, str, str],
    artifact_type: str,
    layer: tuple[str, str, int],
    annotations: dict[str, str],
    layer_annotations: Optional[dict[str, str]] = None,
) -> tuple[str, str]:
    """An OCI image manifest with `artifactType` and a `subject` (manifest text, media type
    and digest of the image it refers to), carrying one blob (media type, digest, size),
    as cosign, notation and SBOM / attestation tools push them."""
    subject_text, subject_type, subject_digest = subject
    blob: dict[str, Any] = {"mediaType": layer[0], "digest": layer[1], "size": layer[2]}
    if layer_annotations:
        blob["annotations"] = layer_annotations
    body = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": {"mediaType": OCI_EMPTY, "digest": EMPTY_DIGEST, "size": 2},
        "layers": [blob],
        "subject": {"mediaType": subject_type, "digest": subject_digest, "size": len(subject_text.encode())},
        "annotations": annotations,
    }
    return json.dumps(body, separators=(",", ":")), OCI_MANIFEST
