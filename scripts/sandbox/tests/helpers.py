"""Sandbox servers as child processes, reached over HTTP the way berth reaches ECR,
and small manifest builders for the tests."""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Optional

import boto3
from botocore.config import Config

SERVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "server.py")
READY = "BERTH_SANDBOX_READY "
START_DEADLINE = 60.0


class Sandbox:
    def __init__(self, *args: str):
        self.args = ["--port", "0", "--exit-on-stdin-eof", *args]
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, SERVER, *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self.ready_line = self._read_ready_line()
        self.url = self.ready_line[len(READY):]

    def _read_ready_line(self) -> str:
        deadline = time.monotonic() + START_DEADLINE
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        buffer = b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"sandbox did not become ready: {self.stderr_text()}")
            if selector.select(timeout=remaining):
                chunk = os.read(self.process.stdout.fileno(), 4096)  # type: ignore[union-attr]
                if not chunk:
                    continue
                buffer += chunk
        selector.close()
        line = buffer.decode().rstrip("\n")
        assert line.startswith(READY), line
        return line

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def client(self, region: str = "us-east-1", **config: Any) -> Any:
        return boto3.client(
            "ecr",
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, **config),
        )

    def aws(self, service: str, region: str = "us-east-1", credentials: Optional[dict[str, str]] = None,
            account: Optional[str] = None) -> Any:
        """A client of any service at this sandbox: with the dummy keys (the sandbox's
        account), with `credentials` (e.g. from assume_role) or, with `account`, with
        the dummy keys landing in that account (moto's x-moto-account-id header)."""
        keys = credentials or {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        client = boto3.client(
            service, endpoint_url=self.url, region_name=region, config=Config(retries={"max_attempts": 1}), **keys,
        )
        if account:
            def name_account(request: Any, **_: Any) -> None:
                request.headers["x-moto-account-id"] = account

            client.meta.events.register("before-sign", name_account)
        return client

    def assume(self, role_arn: str, session: str = "berth-test", **kwargs: Any) -> dict[str, str]:
        """Credentials of `role_arn`, assumed with the sandbox account's dummy keys
        (or as `kwargs` say, see `aws`), in the form boto3 clients take."""
        response = self.aws("sts", **kwargs).assume_role(RoleArn=role_arn, RoleSessionName=session)
        credentials = response["Credentials"]
        return {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }

    def call(self, method: str, route: str, body: Optional[dict[str, Any]] = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            f"{self.url}/moto-api/berth/{route}",
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream:
                stream.close()
        return self.process.returncode


# --------------------------------------------------------------------------
# Manifests for tests


DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def digest_of(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def blob(name: str) -> str:
    return digest_of(f"blob:{name}")


def image_manifest(name: str, layer_sizes: tuple[int, ...] = (1000, 2000), config_size: int = 777) -> str:
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": config_size, "digest": blob(f"{name}/config")},
        "layers": [
            {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": size, "digest": blob(f"{name}/{n}")}
            for n, size in enumerate(layer_sizes)
        ],
    }, indent=3)


def index_manifest(children: list[str]) -> str:
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": DOCKER_MANIFEST, "digest": digest_of(text), "size": len(text.encode()),
             "platform": {"architecture": arch, "os": "linux"}}
            for text, arch in zip(children, ["amd64", "arm64", "s390x"])
        ],
    })


def error_code(excinfo: Any) -> str:
    return excinfo.value.response["Error"]["Code"]


def all_pages(call: Any, key: str, **kwargs: Any) -> tuple[list[Any], int]:
    items: list[Any] = []
    pages = 0
    token = None
    while True:
        response = call(**kwargs, **({"nextToken": token} if token else {}))
        items.extend(response[key])
        pages += 1
        token = response.get("nextToken")
        if not token:
            return items, pages
