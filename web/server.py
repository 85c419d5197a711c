"""The sample program page with the chat widget: static files from ``web/static`` plus two small
JSON endpoints.

    python web/server.py --port 8080 --rasa-url http://localhost:5005

Routes:
    GET /              the sample page (``static/index.html``); every other file in ``static/``
                       by its name. No directory listings; anything else is a plain 404.
    GET /config.json   ``{"rasaUrl": ..., "devLogin": bool, "requestTimeoutMs": int}`` for the widget.
    GET /dev/people    sample students (id and name from ``data/sample/students.csv``) and one
                       advisor, for the development sign-in control.
    POST /dev/login    ``{"sub", "role"}`` -> ``{"token"}``, signed with ``BOT_AUTH_SECRET``.

The two ``/dev`` routes exist only when the environment has ``BOT_DEV_LOGIN=1`` (``make run``
sets it); otherwise they answer 404 like any unknown path. Every response carries a
Content-Security-Policy that allows the page's own files and connections to the Rasa server only.
"""
from __future__ import annotations

import argparse
import csv
import logging
import mimetypes
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit

from aiohttp import web

from bot.errors import ConfigError
from bot.identity import issue_token
from bot.timeouts import WIDGET_REQUEST_TIMEOUT_S

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STATIC = HERE / "static"
SAMPLE_STUDENTS = REPO / "data" / "sample" / "students.csv"
DEV_ADVISOR = {"id": "A0001", "name": "A0001 (Advisor)", "role": "advisor"}
DEV_TOKEN_TTL_S = 8 * 3600

logger = logging.getLogger("web")

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
CONFIG_KEY = web.AppKey("config", dict)
PEOPLE_KEY = web.AppKey("people", list)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what CSP and CORS compare)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src 'self' {origin_of(rasa_url)}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ])


def load_people(students_csv: Path = SAMPLE_STUDENTS) -> List[Dict[str, str]]:
    """The sample students (fictional) and one advisor, for the development sign-in."""
    people = []
    with open(students_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            people.append({"id": row["student_id"].strip(), "name": row["name"].strip(), "role": "student"})
    return people + [dict(DEV_ADVISOR)]


def not_found() -> web.Response:
    return web.Response(status=404, text="Not found\n", content_type="text/plain")


@web.middleware
async def security_headers(request: web.Request, handler):
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status == 404:
            response = not_found()
        elif exc.status == 405:
            response = web.Response(status=405, text="Method not allowed\n", content_type="text/plain",
                                    headers={"Allow": exc.headers.get("Allow", "")})
        else:
            raise
    headers = response.headers
    headers["Content-Security-Policy"] = request.app[CONFIG_KEY]["csp"]
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "SAMEORIGIN"
    headers.setdefault("Cache-Control", "no-cache")
    return response


async def static_file(request: web.Request) -> web.StreamResponse:
    """A regular file directly in (or below) ``static/``; never a listing, never outside it.
    Any other path, with any method, is a plain 404."""
    name = request.match_info.get("name") or "index.html"
    if name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
        return not_found()
    path = (STATIC / name).resolve()
    if STATIC.resolve() not in path.parents or not path.is_file():
        return not_found()
    if request.method not in ("GET", "HEAD"):
        return web.Response(status=405, text="Method not allowed\n", content_type="text/plain",
                            headers={"Allow": "GET, HEAD"})
    ctype = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return web.FileResponse(path, headers={"Content-Type": ctype})


async def config(request: web.Request) -> web.Response:
    cfg = request.app[CONFIG_KEY]
    return web.json_response({"rasaUrl": cfg["rasa_url"], "devLogin": cfg["dev_login"],
                              "requestTimeoutMs": int(WIDGET_REQUEST_TIMEOUT_S * 1000)})


async def dev_people(request: web.Request) -> web.Response:
    return web.json_response({"people": request.app[PEOPLE_KEY]})


async def dev_login(request: web.Request) -> web.Response:

    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        return web.json_response({"error": "send JSON: {\"sub\": ..., \"role\": ...}"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "send a JSON object"}, status=400)
    sub, role = body.get("sub"), body.get("role")
    known = {(p["id"], p["role"]) for p in request.app[PEOPLE_KEY]}
    if not isinstance(sub, str) or not isinstance(role, str) or (sub, role) not in known:
        return web.json_response({"error": "unknown sample person"}, status=400)
    try:
        token = issue_token(sub, role, DEV_TOKEN_TTL_S)
    except ConfigError as exc:
        logger.error("development sign-in: %s", exc)
        return web.json_response({"error": str(exc)}, status=503)
    return web.json_response({"token": token})


def make_app(rasa_url: str, dev_login_enabled: bool, people: Optional[List[Dict[str, str]]] = None) -> web.Application:
    """The web application (``people``: the sign-in choices; default the sample cohort)."""
    app = web.Application(middlewares=[security_headers], client_max_size=16 * 1024)
    app[CONFIG_KEY] = {
        "rasa_url": rasa_url.rstrip("/"),
        "dev_login": dev_login_enabled,
        "csp": content_security_policy(rasa_url),
    }
    app[PEOPLE_KEY] = (people if people is not None else load_people()) if dev_login_enabled else []
    app.router.add_get("/config.json", config)
    if dev_login_enabled:
        app.router.add_get("/dev/people", dev_people)
        app.router.add_post("/dev/login", dev_login)
    app.router.add_route("*", "/", static_file)
    app.router.add_route("*", "/{name:.+}", static_file)
    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the sample page with the chat widget.")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--rasa-url", default="http://localhost:5005",
                        help="the Rasa server as the visitor's browser reaches it")
    args = parser.parse_args(argv)
    try:
        origin_of(args.rasa_url)
    except ValueError as exc:
        print(f"error: --rasa-url: {exc}", file=sys.stderr)
        return 2
    dev = os.environ.get("BOT_DEV_LOGIN", "") == "1"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logger.info("sample page on http://%s:%d/ (Rasa at %s; development sign-in %s)",
                args.host, args.port, args.rasa_url, "on" if dev else "off")
    web.run_app(make_app(args.rasa_url, dev), host=args.host, port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
