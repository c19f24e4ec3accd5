"""``lightboard serve``: the web viewer of a logdir, followed live (needs the ``serve`` extra)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from lightboard.cli.common import USAGE, CliError, add_logdir_argument
from lightboard.optional import require

EXAMPLES = """\
examples:
  lightboard serve runs/                       open http://127.0.0.1:6006/ in a browser
  lightboard serve runs/ --port 0              any free port (the URL is printed)
  lightboard serve runs/ --host 0.0.0.0        reachable from the network: a token is made and printed

The page follows the logdir as training writes (new points, files and runs appear without a reload).
On a non-loopback --host every request needs the token (--token, $LIGHTBOARD_TOKEN, or a random one).
The JSON API is described at /api/openapi.json.
"""


def register(commands: Any) -> None:
    """Add ``serve`` to the subcommands."""
    parser = commands.add_parser(
        "serve",
        help="browse a logdir's scalars in a web page, live",
        description="Serve a web viewer of a logdir's scalars: every spike drawn, smoothing on all points, live.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_logdir_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=6006, help="port to listen on, 0 for any (default: %(default)s)")
    parser.add_argument(
        "--token",
        help="token required of every request (default: $LIGHTBOARD_TOKEN, or random "
        "when --host is not a loopback address)",
    )
    parser.add_argument(
        "--restarts",
        choices=("preempt", "keep"),
        default="preempt",
        help="preempt (default, as TensorBoard): a resumed run's points replace those at and after its first "
        "step; keep: every point as written",
    )
    parser.add_argument(
        "--reload-interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="how often to read what training appended (default: %(default)s; 0: read once)",
    )
    parser.set_defaults(command=run_serve)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; CliError when the address cannot be had."""
    try:
        family, kind, protocol, _, _ = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise CliError(f"cannot listen on {host!r}: {error.strerror}", USAGE) from None
    # The protocol must be named: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose
    # protocol says TCP, and with it on, a response's body waits 40 ms for the ACK of its headers.
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        hint = " (in use? --port 0 picks a free one)" if port else ""
        raise CliError(f"cannot listen on {host}:{port}: {error.strerror}{hint}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run_serve(args: argparse.Namespace) -> int:
    """Serve the viewer until interrupted; see ``lightboard serve --help``."""
    from lightboard.serve.security import TOKEN_PATTERN, is_loopback, new_token
    from lightboard.serve.source import LiveLogdir

    if args.reload_interval < 0:
        raise CliError(f"--reload-interval must be 0 or more seconds, got {args.reload_interval}", USAGE)
    try:
        source = LiveLogdir(args.logdir, args.restarts)  # read once the server listens (it answers the page meanwhile)
    except FileNotFoundError as error:
        raise CliError(str(error), USAGE) from None
    uvicorn = require("uvicorn", "serve", "lightboard serve")
    from lightboard.serve.app import create_app

    loopback = is_loopback(args.host)
    token = args.token or os.environ.get("LIGHTBOARD_TOKEN") or (None if loopback else new_token())
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise CliError("a token must be at least 8 characters among A-Z a-z 0-9 . _ ~ - (it goes in a URL)", USAGE)
    sock = listen(args.host, args.port)
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    if not loopback:
        print(
            f"lightboard: warning: listening on {args.host}, beyond this machine: anyone who can reach it and "
            "has the token can read this logdir",
            file=sys.stderr,
        )
        if args.host in ("0.0.0.0", "::"):
            shown = socket.gethostname()
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    print(f"lightboard: serving {args.logdir} at {url} (Ctrl+C to stop)", flush=True)
    config = uvicorn.Config(
        create_app(source, token, loopback, args.reload_interval), log_level="warning", lifespan="on"
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl+C is how a server is stopped: a normal end
        pass
    return 0
