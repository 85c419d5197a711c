"""Command line: ``python -m bot import|progress|token|report`` (see DESIGN.md, "Command line";
``report``: docs/staff.md).

Bad input (unknown student or credential, a bad file, a bad argument, no ``BOT_AUTH_SECRET``)
exits with status 2 and one line on stderr. ``DATABASE_URL`` and ``CATALOG_PATH`` are honoured.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from typing import List, NoReturn, Optional

from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from bot.errors import BotError, UnknownStudentError
from bot.identity import ROLES

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line (status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (try --help)\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot", description="Micro-credential advising bot tools.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    imp = sub.add_parser("import", help="import student records from CSV files")
    imp.add_argument("--students", required=True, metavar="FILE", help="students CSV file")
    imp.add_argument("--enrollments", required=True, metavar="FILE", help="enrollments CSV file")

    prog = sub.add_parser("progress", help="show a student's progress on a credential")
    prog.add_argument("student_id", metavar="STUDENT_ID")
    prog.add_argument("credential", metavar="CREDENTIAL", help="credential id, name or alias")
    prog.add_argument("--json", action="store_true", help="print one JSON object")

    tok = sub.add_parser("token", help="print a signed identity token (needs BOT_AUTH_SECRET)")
    tok.add_argument("subject", metavar="SUBJECT", help="student or staff ID")
    tok.add_argument("--role", choices=ROLES, default="student")
    tok.add_argument("--ttl", type=_positive_int, default=3600, metavar="SECONDS")

    rep = sub.add_parser("report", help="print the analytics figures for a date range (ANALYTICS_URL)")
    rep.add_argument("--since", required=True, type=_date, metavar="DATE", help="first day, YYYY-MM-DD (UTC)")
    rep.add_argument("--until", type=_date, default=None, metavar="DATE",
                     help="last day, YYYY-MM-DD (UTC; default today)")
    return parser


def _date(text: str) -> dt.date:
    from bot.analytics import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_import(args: argparse.Namespace) -> None:
    from bot.catalog import load_catalog
    from bot.importer import import_records

    summary = import_records(args.students, args.enrollments, load_catalog())
    print(f"Imported {summary.students} students and {summary.attempts} course attempts.")


def _cmd_progress(args: argparse.Namespace) -> None:
    from bot.catalog import load_catalog
    from bot.progress import check_progress
    from bot.resolve import find_credential
    from bot.wording import render_report
    from bot.records import fetch_student, session_scope, write_audit

    catalog = load_catalog()
    credential = find_credential(catalog, args.credential)
    with session_scope() as session:
        record = fetch_student(session, args.student_id.strip())
        if record is None:
            raise UnknownStudentError(f"unknown student '{args.student_id}'")
        write_audit(session, f"cli:{getpass.getuser()}", "cli", record.student.student_id,
                    "progress", credential.id)
    report = check_progress(catalog, credential, record.student, record.attempts)
    print(json.dumps(report.to_json()) if args.json else render_report(report, catalog))


def _cmd_token(args: argparse.Namespace) -> None:
    from bot.identity import issue_token

    try:
        print(issue_token(args.subject, args.role, args.ttl))
    except ValueError as exc:
        raise BotError(str(exc)) from None


def _cmd_report(args: argparse.Namespace) -> None:
    from bot.analytics import AnalyticsStore, analytics_url, format_report, report, utcnow

    url = analytics_url()
    if not url:
        print("Analytics are off (ANALYTICS_URL=off): there is nothing to report.")
        return
    until = args.until or utcnow().date()
    if until < args.since:
        raise BotError(f"--until {until} is before --since {args.since}")
    store = AnalyticsStore(url)
    try:
        print(format_report(report(store, args.since, until)))
    finally:
        store.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    command = {"import": _cmd_import, "progress": _cmd_progress, "token": _cmd_token,
               "report": _cmd_report}[args.command]
    try:
        command(args)
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ArgumentError:
        print("error: DATABASE_URL is not a valid database URL", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SQLAlchemyError as exc:
        if args.command == "report":
            print(f"error: the analytics store failed ({type(exc).__name__}); check ANALYTICS_URL",
                  file=sys.stderr)
            return EXIT_FAILURE
        print(f"error: the records database failed ({type(exc).__name__}); check DATABASE_URL",
              file=sys.stderr)
        return EXIT_FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
