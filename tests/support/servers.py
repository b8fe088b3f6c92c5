"""Run the HTTP app for tests: uvicorn in a thread, or `opsbot serve` as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from starlette.types import ASGIApp

from tests.support.moved_clock import opsbot_command


@contextmanager
def uvicorn_in_thread(asgi_app: ASGIApp) -> Iterator[str]:
    """Serve `asgi_app` on 127.0.0.1 (OS-chosen port) and yield its base URL."""
    config = uvicorn.Config(asgi_app, host="127.0.0.1", port=0, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    # Generous: on a loaded machine start-up takes seconds; a healthy start ends the wait.
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def free_port() -> int:
    """Return a TCP port that is free right now on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(
    process: subprocess.Popen[bytes], base: str, output: Callable[[], str], *, within: float = 120
) -> None:
    """Wait until `base`/healthz answers 200; fail with the process output if it dies first."""
    deadline = time.monotonic() + within
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"opsbot exited with {process.returncode}:\n{output()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"opsbot serve did not become healthy:\n{output()}")
        time.sleep(0.1)


def stop_process(process: subprocess.Popen[bytes], *, within: float) -> None:
    """Ask `process` to end (SIGTERM); kill it if it is still there after `within` seconds."""
    process.terminate()
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def opsbot_process(args: list[str], env: dict[str, str], *, port: int) -> Iterator[str]:
    """Start `opsbot <args>` as a subprocess, wait for /healthz, yield its base URL."""
    full_env = {**os.environ, **env}
    process = subprocess.Popen(
        opsbot_command(*args),
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(
            process,
            base,
            lambda: process.stdout.read().decode() if process.stdout else "",
        )
        yield base
    finally:
        stop_process(process, within=10)
        if process.stdout:
            process.stdout.close()
