"""`tilbook serve` under slow clients: they are timed out, and others are still answered."""

from __future__ import annotations

import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from tilbook.webapp.app import create_app
from tilbook.webapp.server import server_config

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 1.5


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    root = tmp_path / "log"
    shutil.copytree(REPO / "sample-log", root)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = server_config(
        create_app(root, watch=False), host="127.0.0.1", port=port, request_timeout=TIMEOUT
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield port
    running.should_exit = True
    thread.join(timeout=10)


def _closed_by_server(connection: socket.socket) -> bool:
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_slow_clients_are_timed_out_and_others_still_answered(server: int) -> None:
    slow = []
    for _ in range(200):
        connection = socket.create_connection(("127.0.0.1", server))
        connection.sendall(b"GET /search HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        slow.append(connection)
    try:
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{server}/search", timeout=10) as reply:
            assert reply.status == 200
            assert reply.headers["content-security-policy"]
        assert time.monotonic() - started < TIMEOUT  # answered while the slow ones hang
        time.sleep(TIMEOUT + 1.0)
        for connection in slow:
            connection.settimeout(2)
        assert all(_closed_by_server(connection) for connection in slow)
    finally:
        for connection in slow:
            connection.close()


def test_a_client_that_sends_nothing_after_a_response_is_let_go(server: int) -> None:
    connection = socket.create_connection(("127.0.0.1", server))
    try:
        connection.sendall(b"GET /search HTTP/1.1\r\nHost: localhost\r\n\r\n")
        connection.settimeout(5)
        assert b"200 OK" in connection.recv(65536)
        connection.sendall(b"GET /search HTTP/1.1\r\n")  # the next request never finishes
        time.sleep(TIMEOUT + 1.0)
        connection.settimeout(2)
        data = b""
        try:
            while chunk := connection.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        assert b"200 OK" not in data  # closed, not answered
    finally:
        connection.close()


def test_serve_on_a_port_in_use_says_which_option_to_use(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tilbook.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--log", str(tmp_path), "--port", str(port)])
    assert result.exit_code == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.output
    assert "--port" in result.output and "serving" not in result.output
