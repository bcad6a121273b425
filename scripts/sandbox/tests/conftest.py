"""Each test module gets one corrected server (arguments from the module's
SANDBOX_ARGS, default an empty registry) and, if it asks for `plain`, one
uncorrected moto, used to show that a test detects moto's original behaviour.
"""

from __future__ import annotations

import pytest

from helpers import Sandbox


@pytest.fixture(scope="module")
def sandbox(request: pytest.FixtureRequest):
    server = Sandbox(*getattr(request.module, "SANDBOX_ARGS", ["--seed", "empty"]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain(request: pytest.FixtureRequest):
    server = Sandbox("--plain", *getattr(request.module, "PLAIN_ARGS", ["--seed", "empty"]))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ecr(sandbox: Sandbox):
    return sandbox.client()


@pytest.fixture(scope="module")
def plain_ecr(plain: Sandbox):
    return plain.client()
