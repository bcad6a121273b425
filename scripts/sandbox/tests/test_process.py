"""The launcher's contract with test harnesses: one READY line, quiet logs, clean exits."""

import re
import signal
import socket

from helpers import Sandbox


def test_ready_line_quiet_logs_and_sigterm():
    server = Sandbox("--seed", "empty")
    try:
        assert re.fullmatch(r"BERTH_SANDBOX_READY http://127\.0\.0\.1:\d+", server.ready_line)
        client = server.client()
        client.create_repository(repositoryName="quiet/repo")
        client.describe_repositories()
    finally:
        code = server.stop()
    assert code == 0
    assert server.stderr_text() == ""


def test_stdin_eof_stops_the_server():
    server = Sandbox("--seed", "empty")
    server.process.stdin.close()
    assert server.process.wait(timeout=10) == 0
    server.stop()


def test_sigint_stops_the_server_and_verbose_logs_requests():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Sandbox("--seed", "empty", "--verbose", "--port", str(port))
    try:
        assert server.url == f"http://127.0.0.1:{port}"
        server.client().describe_repositories()
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=10) == 0
        assert server.process.stdout.read() == b""  # nothing after the READY line
    finally:
        server.stop()
    assert "POST / HTTP/1.1" in server.stderr_text()
