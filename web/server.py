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
    GET /staff         the program office's staff page (web/staff.py, docs/staff.md), for a token of
                       role staff or advisor (cookie ``staff_token`` or ``Authorization: Bearer``);
                       anyone else gets 403 and a sign-in form. ``?from=YYYY-MM-DD&to=YYYY-MM-DD``.
    GET /staff/unanswered.csv, /staff/unanswered.yml   the unanswered questions (same range).
    POST /staff/login, /staff/logout, /staff/handoffs/{id}/answered
    POST /dev/staff-login   signs in as the sample staff person P0001 (development only).

The ``/dev`` routes exist only when the environment has ``BOT_DEV_LOGIN=1`` (``make run``
sets it); otherwise they answer 404 like any unknown path. Every response carries a
Content-Security-Policy that allows the page's own files and connections to the Rasa server only.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import logging
import mimetypes
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit

from aiohttp import web

import sqlalchemy as sa

import staff  # web/staff.py (this directory is on the path: `python web/server.py`)
from bot import analytics
from bot.errors import ConfigError
from bot.identity import Identity, issue_token, verify_token
from bot.timeouts import WIDGET_REQUEST_TIMEOUT_S

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STATIC = HERE / "static"
SAMPLE_STUDENTS = REPO / "data" / "sample" / "students.csv"
DEV_ADVISOR = {"id": "A0001", "name": "A0001 (Advisor)", "role": "advisor"}
DEV_STAFF = {"id": "P0001", "name": "P0001 (Program office)", "role": "staff"}
STAFF_ROLES = ("staff", "advisor")
STAFF_COOKIE = "staff_token"
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
ANALYTICS_KEY = web.AppKey("analytics", dict)  # {"store": AnalyticsStore | None, "why": str}


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
    """The sample students (fictional), one advisor and one program office person (staff), for
    the development sign-in."""
    people = []
    with open(students_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            people.append({"id": row["student_id"].strip(), "name": row["name"].strip(), "role": "student"})
    return people + [dict(DEV_ADVISOR), dict(DEV_STAFF)]


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
    headers.setdefault("Referrer-Policy", "no-referrer")  # the staff pages: same-origin (see _html)
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


# ---- the staff page (web/staff.py) ------------------------------------------------------------

def _html(text: str, status: int = 200) -> web.Response:
    # same-origin: the browser then sends the Origin of the page's own forms (with no-referrer,
    # Chromium sends "Origin: null"), which the POST routes check
    return web.Response(status=status, text=text, content_type="text/html", charset="utf-8",
                        headers={"Cache-Control": "no-store", "Referrer-Policy": "same-origin"})


def _staff_identity(request: web.Request) -> Optional[Identity]:
    """The verified identity of a staff or advisor token (cookie or Bearer header), else None."""
    token = request.cookies.get(STAFF_COOKIE)
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token = header[7:].strip()
    identity = verify_token(token)
    if isinstance(identity, Identity) and identity.role in STAFF_ROLES:
        return identity
    return None


def _forbidden(request: web.Request, message: str = "") -> web.Response:
    """403 with nothing but a sign-in form."""
    return _html(staff.signin_page(request.app[CONFIG_KEY]["dev_login"], message), status=403)


def _same_origin(request: web.Request) -> bool:
    """A POST's Origin header, when sent, names this host (a form on another site can't post);
    a browser's ``Sec-Fetch-Site``, when sent, says same-origin."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = request.headers.get("Origin")
    if origin is None or (origin == "null" and fetch_site == "same-origin"):
        return True
    try:
        return urlsplit(origin_of(origin)).netloc.lower() == request.host.lower()
    except ValueError:
        return False


def _cross_site() -> web.Response:
    return web.Response(status=403, text="Forbidden: cross-site request\n", content_type="text/plain")


def _set_staff_cookie(request: web.Request, response: web.StreamResponse, token: str, identity: Identity) -> None:
    left = int((identity.expires_at - dt.datetime.now(dt.timezone.utc)).total_seconds())
    response.set_cookie(STAFF_COOKIE, token, max_age=max(left, 1), path="/staff", httponly=True,
                        samesite="Strict", secure=request.secure)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def _store(request: web.Request) -> "Optional[analytics.AnalyticsStore]":
    return request.app[ANALYTICS_KEY]["store"]


async def staff_page(request: web.Request) -> web.Response:
    identity = _staff_identity(request)
    if identity is None:
        return _forbidden(request)
    try:
        since, until = staff.date_range(request.query)
    except staff.BadRange as exc:
        return _html(staff.message_page("Bad date range", str(exc)), status=400)
    who = f"{identity.sub} ({identity.role})"
    store = _store(request)
    if store is None:
        return _html(staff.off_page(who, since, until, request.app[ANALYTICS_KEY]["why"]))

    def build() -> str:
        figures = analytics.report(store, since, until)
        return staff.staff_page(figures, staff.open_handoffs(store), who)

    try:
        return _html(await asyncio.to_thread(build))
    except sa.exc.SQLAlchemyError as exc:
        logger.error("staff page: the analytics store failed (%s)", type(exc).__name__)
        return _html(staff.off_page(who, since, until, "The analytics store is not answering; try again later."),
                     status=503)


async def staff_export(request: web.Request) -> web.Response:
    if _staff_identity(request) is None:
        return _forbidden(request)
    try:
        since, until = staff.date_range(request.query)
    except staff.BadRange as exc:
        return web.Response(status=400, text=f"Bad date range: {exc}\n", content_type="text/plain")
    store = _store(request)
    if store is None:
        return web.Response(status=404, text="Analytics are off (ANALYTICS_URL=off)\n", content_type="text/plain")
    kind = request.match_info["kind"]

    def build() -> str:
        groups = analytics.report(store, since, until).unanswered
        return analytics.unanswered_csv(groups) if kind == "csv" else analytics.unanswered_yaml(groups)

    try:
        body = await asyncio.to_thread(build)
    except sa.exc.SQLAlchemyError as exc:
        logger.error("staff export: the analytics store failed (%s)", type(exc).__name__)
        return web.Response(status=503, text="The analytics store is not answering\n", content_type="text/plain")
    ctype = "text/csv" if kind == "csv" else "application/yaml"
    name = f"unanswered-{since}-{until}.{kind}"
    return web.Response(text=body, content_type=ctype, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


async def staff_login(request: web.Request) -> web.Response:
    if not _same_origin(request):
        return _cross_site()
    form = await request.post()
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    identity = verify_token(token)
    if not isinstance(identity, Identity) or identity.role not in STAFF_ROLES:
        return _forbidden(request, "That token was not accepted: it needs to be a valid staff or advisor token.")
    response = _see_other("/staff")
    _set_staff_cookie(request, response, token, identity)
    return response


async def staff_logout(request: web.Request) -> web.Response:
    if not _same_origin(request):
        return _cross_site()
    response = _see_other("/staff")
    response.del_cookie(STAFF_COOKIE, path="/staff")
    return response


async def staff_handoff_answered(request: web.Request) -> web.Response:
    if not _same_origin(request):
        return _cross_site()
    if _staff_identity(request) is None:
        return _forbidden(request)
    store = _store(request)
    if store is None:
        return not_found()
    try:
        request_id = int(request.match_info["id"])
    except ValueError:
        return not_found()
    form = await request.post()
    back = "/staff"
    try:
        since, until = staff.date_range({k: v for k, v in form.items() if isinstance(v, str) and k in ("from", "to")})
        back += "?" + staff.range_query(since, until)
    except staff.BadRange:
        pass
    try:
        await asyncio.to_thread(staff.mark_answered, store, request_id)
    except sa.exc.SQLAlchemyError as exc:
        logger.error("staff page: marking a hand-off answered failed (%s)", type(exc).__name__)
        return web.Response(status=503, text="The analytics store is not answering\n", content_type="text/plain")
    return _see_other(back)


async def dev_staff_login(request: web.Request) -> web.Response:
    if not _same_origin(request):
        return _cross_site()
    try:
        token = issue_token(DEV_STAFF["id"], DEV_STAFF["role"], DEV_TOKEN_TTL_S)
    except ConfigError as exc:
        logger.error("development sign-in: %s", exc)
        return web.Response(status=503, text=f"{exc}\n", content_type="text/plain")
    identity = verify_token(token)
    assert isinstance(identity, Identity)
    response = _see_other("/staff")
    _set_staff_cookie(request, response, token, identity)
    return response


def open_analytics(url: Optional[str]) -> Dict[str, object]:
    """The analytics store at ``url`` (None: analytics off), opened once when the app starts."""
    if not url:
        return {"store": None, "why": "Analytics are off (ANALYTICS_URL=off): nothing is recorded, so there is nothing to show."}
    try:
        return {"store": analytics.AnalyticsStore(url), "why": ""}
    except (sa.exc.SQLAlchemyError, OSError, ValueError) as exc:
        logger.error("analytics store at ANALYTICS_URL could not be opened (%s)", type(exc).__name__)
        return {"store": None, "why": "The analytics store could not be opened; see the page server's log."}


async def _close_analytics(app: web.Application):
    yield
    store = app[ANALYTICS_KEY]["store"]
    if store is not None:
        store.dispose()


def make_app(rasa_url: str, dev_login_enabled: bool, people: Optional[List[Dict[str, str]]] = None,
             analytics_db: Optional[str] = "env") -> web.Application:
    """The web application (``people``: the sign-in choices; default the sample cohort;
    ``analytics_db``: the analytics store's URL, default ``ANALYTICS_URL``, None for off)."""
    app = web.Application(middlewares=[security_headers], client_max_size=16 * 1024)
    app[CONFIG_KEY] = {
        "rasa_url": rasa_url.rstrip("/"),
        "dev_login": dev_login_enabled,
        "csp": content_security_policy(rasa_url),
    }
    app[PEOPLE_KEY] = (people if people is not None else load_people()) if dev_login_enabled else []
    app[ANALYTICS_KEY] = open_analytics(analytics.analytics_url() if analytics_db == "env" else analytics_db)
    app.cleanup_ctx.append(_close_analytics)
    app.router.add_get("/config.json", config)
    app.router.add_get("/staff", staff_page)
    app.router.add_get("/staff/unanswered.{kind:csv|yml}", staff_export)
    app.router.add_post("/staff/login", staff_login)
    app.router.add_post("/staff/logout", staff_logout)
    app.router.add_post("/staff/handoffs/{id:[0-9]+}/answered", staff_handoff_answered)
    if dev_login_enabled:
        app.router.add_get("/dev/people", dev_people)
        app.router.add_post("/dev/login", dev_login)
        app.router.add_post("/dev/staff-login", dev_staff_login)
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
