"""Ports for the servers the tools and tests start on this machine."""

import socket


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now (others run servers here too)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
