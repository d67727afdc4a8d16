"""pytest fixtures for sip-call's integration tests: a throw-away Kamailio PBX
(tests/pbx/testpbx.py) on 127.0.0.1.

    def test_something(pbx):          # one PBX for the whole session
        pbx.url("wss"), pbx.ca_file, pbx.password("101"), pbx.bindings("101")

    def test_isolated(fresh_pbx):     # a PBX of its own (about 1 s to start)
        ...
"""

import os
import sys

import pytest

_PBX_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "pbx")
sys.path.insert(0, os.path.normpath(_PBX_DIR))

import testpbx  # noqa: E402
from testpbx import HttpRejectServer, SilentTcpServer, TestPbx, free_port, running_pbx  # noqa: E402,F401


@pytest.fixture(scope="session")
def pbx():
    """One PBX shared by the whole test session (stopped at the end)."""
    yield from running_pbx()


@pytest.fixture
def fresh_pbx():
    """A PBX of its own for one test (clean registrar and message log)."""
    yield from running_pbx()


@pytest.fixture
def silent_tcp_server():
    """A TCP server on 127.0.0.1 that accepts and never answers."""
    with SilentTcpServer() as s:
        yield s


@pytest.fixture
def http_reject_server():
    """An HTTP server on 127.0.0.1 answering everything with 404."""
    with HttpRejectServer(status=404) as s:
        yield s
