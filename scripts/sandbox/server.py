#!/usr/bin/env python3
"""A local Amazon ECR for berth's tests and demo: moto, corrected and seeded.

    .venv/bin/python scripts/sandbox/server.py [--host 127.0.0.1] [--port 0]
        [--seed standard|organization|empty] [--plain] [--account 123456789012]
        [--exit-on-stdin-eof] [--verbose] [--anchor RFC3339] [--restore-seconds 2] [--summary]

Once the port is bound, the corrections applied and the seed written, exactly
one line goes to stdout: `BERTH_SANDBOX_READY http://HOST:PORT`. Everything else
goes to stderr. Test harnesses wait for that line and need nothing else.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Optional

READY = "BERTH_SANDBOX_READY"
ROUTE_PREFIX = "/moto-api/berth/"

log = logging.getLogger("berth.sandbox")


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Local Amazon ECR (moto with corrections) for berth.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", choices=("standard", "organization", "empty"), default="standard")
    parser.add_argument("--plain", action="store_true", help="serve moto as it is, without the ECR corrections")
    parser.add_argument("--account", default="123456789012", help="account of requests that name no other")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin closes, so a dead parent never leaves the server behind")
    parser.add_argument("--verbose", action="store_true", help="log every request and the seed's timing")
    parser.add_argument("--anchor", help="RFC 3339 time that seeded ages count back from (default: now)")
    parser.add_argument("--restore-seconds", type=float, default=2.0,
                        help="how long an image restored from the archive stays ACTIVATING (default 2)")
    parser.add_argument("--summary", action="store_true",
                        help="seed in-process, print what the registry holds as JSON, and exit without serving")
    args = parser.parse_args(argv)
    if not (args.account.isdigit() and len(args.account) == 12):
        parser.error("--account must be 12 digits")
    if not args.restore_seconds >= 0:
        parser.error("--restore-seconds cannot be negative")
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

    started = time.monotonic()
    # moto's modules are heavy; import them only once the arguments are known good.
    import archive
    import ecr_fixes
    import org_fixes
    import seed
    import seed_summary
    import usage

    if not args.plain:
        ecr_fixes.apply()
        usage.apply()
        org_fixes.apply()
        archive.set_restore_delay(args.restore_seconds)
    use_account(args.account)
    anchor = seed.parse_time(args.anchor) if args.anchor else None

    if args.summary:
        write_seed(args.seed, args.account, anchor)
        if args.seed == "organization":
            summary = seed_summary.summarize_organization()
        else:
            summary = seed_summary.summarize(args.account)
        text = json.dumps(summary, indent=2) + "\n"
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            pass  # the reader (e.g. `head`) has seen enough
        return 0

    from werkzeug.serving import make_server

    app = SandboxApp(args.account, anchor, corrected=not args.plain)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=request_handler(args.verbose))
    write_seed(args.seed, args.account, anchor)
    app.warm_up()
    log.info("ready after %.2fs", time.monotonic() - started)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    if args.exit_on_stdin_eof:
        threading.Thread(target=_wait_for_stdin_eof, args=(stop,), daemon=True).start()

    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    print(f"{READY} http://{_display_host(args.host)}:{server.server_port}", flush=True)

    # Waking up regularly keeps signal delivery prompt on every platform.
    while not stop.wait(0.1):
        pass
    server.shutdown()
    server.server_close()
    return 0


def write_seed(name: str, account: str, anchor: Any) -> None:
    import seed
    import seed_organization

    if name == "standard":
        seed.seed_standard(account, anchor)
    elif name == "organization":
        seed_organization.seed_organization(account, anchor)


def use_account(account: str) -> None:
    """Make `account` the one a request lands in when it names no account.

    moto's MOTO_ACCOUNT_ID variable would also do it but overrides the
    x-moto-account-id header and assumed-role credentials, which multi-account
    tests rely on; moving the fallback keeps those working.
    """
    import moto.iam.models

    moto.iam.models.DEFAULT_ACCOUNT_ID = account  # type: ignore[attr-defined]


def _display_host(host: str) -> str:
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _wait_for_stdin_eof(stop: threading.Event) -> None:
    # Reads the descriptor, not sys.stdin: a thread blocked inside Python's
    # buffered reader holds its lock and aborts the interpreter at exit.
    try:
        while os.read(0, 65536):
            pass
    except OSError:
        pass
    stop.set()


def request_handler(verbose: bool) -> type:
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class Handler(MotoRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            if verbose:
                super().log_request(code, size)

    return Handler


class SandboxApp:
    """moto's WSGI application plus the sandbox's own routes under /moto-api/berth/."""

    def __init__(self, account: str, anchor: Any, corrected: bool = True):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        self.account = account
        self.anchor = anchor
        self.corrected = corrected
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.routes: dict[tuple[str, str], Callable[[Any], Any]] = {
            ("POST", "seed"): self.route_seed,
            ("POST", "image-times"): self.route_image_times,
            ("POST", "artifact-status"): self.route_artifact_status,
            ("GET", "summary"): self.route_summary,
            ("GET", "usage"): self.route_usage,
            ("GET", "organization"): self.route_organization,
            ("POST", "organization-members"): self.route_organization_members,
            ("POST", "enabled-regions"): self.route_enabled_regions,
            ("POST", "expire-credentials"): self.route_expire_credentials,
            ("POST", "iam-users"): self.route_iam_users,
            ("POST", "unchecked-repository"): self.route_unchecked_repository,
            ("POST", "unchecked-tags"): self.route_unchecked_tags,
            ("POST", "unchecked-digest"): self.route_unchecked_digest,
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(ROUTE_PREFIX):
            return self.berth(environ, start_response)
        if self.corrected:
            import org_fixes

            refusal = org_fixes.refusal(environ)
            if refusal is not None:
                status, headers, body = refusal
                start_response(status, [*headers, ("Content-Length", str(len(body)))])
                return [body]
        return self.moto(environ, start_response)

    def warm_up(self) -> None:
        """Answer one ECR request in-process so the first real one is not slow.

        moto builds its Flask app and loads the ECR service model on first use,
        which would otherwise land on a test's first call (and its timeout).
        """
        from werkzeug.test import Client

        response = Client(self).post(
            "/",
            data=json.dumps({"maxResults": 1}),
            headers={
                "X-Amz-Target": "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": "AWS4-HMAC-SHA256 Credential=warmup/20240101/us-east-1/ecr/aws4_request, "
                "SignedHeaders=host, Signature=0",
            },
        )
        if response.status_code != 200:
            raise RuntimeError(f"sandbox self-check failed: HTTP {response.status_code}: {response.get_data(as_text=True)[:500]}")

    def berth(self, environ: dict[str, Any], start_response: Any) -> Any:
        from moto.core.exceptions import ServiceException
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        route = self.routes.get((request.method, request.path[len(ROUTE_PREFIX):].strip("/")))
        status = 200
        if route is None:
            status, result = 404, {"error": "NotFound", "message": f"no route {request.method} {request.path}"}
        else:
            try:
                body = request.get_json(force=True, silent=True) if request.method == "POST" else dict(request.args)
                if not isinstance(body, dict):
                    raise ValueError("the request body must be a JSON object")
                result = route(body)
            except ServiceException as error:
                status, result = 400, {"error": error.code, "message": error.message}
            except (ValueError, KeyError, TypeError) as error:
                status, result = 400, {"error": "BadRequest", "message": str(error)}
        response = Response(json.dumps(result, indent=1, default=str), status=status, mimetype="application/json")
        return response(environ, start_response)

    def _backend(self, body: dict[str, Any]) -> Any:
        from moto.ecr.models import ecr_backends

        account = str(body.get("account") or self.account)
        region = body.get("region") or "us-east-1"
        if not isinstance(region, str):
            raise ValueError("region must be a string")
        return ecr_backends[account][region]

    def route_seed(self, body: dict[str, Any]) -> dict[str, Any]:
        import seed

        backend = self._backend(body)
        repositories = body.get("repositories")
        if not isinstance(repositories, list) or not repositories:
            raise ValueError("repositories must be a non-empty list")
        started = time.monotonic()
        results = []
        for entry in repositories:
            count = entry.get("images", 0)
            fraction = entry.get("tagged_fraction", 0.8)
            if not isinstance(count, int) or not 0 <= count <= 100_000:
                raise ValueError("images must be an integer from 0 to 100000 (ECR's per-repository limit)")
            if not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
                raise ValueError("tagged_fraction must be between 0 and 1")
            results.append(seed.seed_bulk(
                backend, str(entry["name"]), count, float(fraction), bool(entry.get("immutable", False)),
                self.anchor,
            ))
        return {
            "account": backend.account_id,
            "region": backend.region_name,
            "repositories": results,
            "seconds": round(time.monotonic() - started, 3),
        }

    def route_image_times(self, body: dict[str, Any]) -> dict[str, Any]:
        import seed

        backend = self._backend(body)
        images = body.get("images")
        if not isinstance(images, list):
            raise ValueError("images must be a list")
        result = seed.set_image_times(backend, str(body["repository"]), images)
        return {"account": backend.account_id, "region": backend.region_name, "repository": body["repository"], **result}

    def route_artifact_status(self, body: dict[str, Any]) -> dict[str, Any]:
        import referrers

        backend = self._backend(body)
        result = referrers.set_artifact_status(backend, str(body["repository"]), body)
        return {"account": backend.account_id, "region": backend.region_name, "repository": body["repository"], **result}

    def route_usage(self, query: dict[str, Any]) -> dict[str, Any]:
        import usage

        return {"region": usage.PRIMARY_REGION, "repositories": usage.SEEDED}

    def route_organization(self, query: dict[str, Any]) -> dict[str, Any]:
        import seed_organization

        if not seed_organization.SEEDED:
            raise ValueError("the organization seed was not written (start with --seed organization)")
        return seed_organization.SEEDED

    def route_organization_members(self, body: dict[str, Any]) -> dict[str, Any]:
        import seed_organization

        return seed_organization.add_members(self.account, body, self.anchor)

    def route_enabled_regions(self, body: dict[str, Any]) -> dict[str, Any]:
        import org_fixes

        account = str(body["account"])
        regions = body.get("regions")
        if not isinstance(regions, list) or not all(isinstance(r, str) for r in regions):
            raise ValueError("regions must be a list of region names")
        org_fixes.set_enabled_regions(account, regions)
        return {"account": account, "opt_in_regions_enabled": sorted(org_fixes.enabled_regions(account) or [])}

    def route_expire_credentials(self, body: dict[str, Any]) -> dict[str, Any]:
        import org_fixes

        expired = org_fixes.expire_sessions(body.get("access_key_id"), body.get("account"))
        return {"expired": expired}

    def route_summary(self, query: dict[str, Any]) -> dict[str, Any]:
        import seed_summary

        return seed_summary.summarize(str(query.get("account") or self.account))

    def route_iam_users(self, body: dict[str, Any]) -> dict[str, Any]:
        import iam_users

        account = str(body.get("account") or self.account)
        created = iam_users.create_users(account, body.get("users")) if "users" in body else []
        if "enforce" in body:
            if not isinstance(body["enforce"], bool):
                raise ValueError("enforce must be true or false")
            iam_users.set_enforcement(body["enforce"])
        return {"account": account, "users": created, "enforcing": iam_users.enforcing()}

    def route_unchecked_repository(self, body: dict[str, Any]) -> dict[str, Any]:
        import unchecked

        backend = self._backend(body)
        return {"region": backend.region_name, **unchecked.create_repository(backend, body.get("name"))}

    def route_unchecked_tags(self, body: dict[str, Any]) -> dict[str, Any]:
        import unchecked

        backend = self._backend(body)
        return {
            "region": backend.region_name,
            **unchecked.add_tags(backend, str(body["repository"]), str(body["digest"]), body.get("tags")),
        }

    def route_unchecked_digest(self, body: dict[str, Any]) -> dict[str, Any]:
        import unchecked

        backend = self._backend(body)
        return {
            "region": backend.region_name,
            **unchecked.set_digest(
                backend, str(body["repository"]), str(body["digest"]), body.get("new_digest"),
            ),
        }


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass
    # Nothing is persisted, so skip interpreter teardown: tearing down moto's
    # thousands of objects only delays the exit a harness is waiting for.
    os._exit(code)
