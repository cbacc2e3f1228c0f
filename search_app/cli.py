"""`python -m search_app search|ask|check|timeline ...` (and `statement-search ...`): the
library from a terminal, against a local index, no server. Readable results with their
citations, or the JSON the API returns (--json), to pipe.

Exit codes: 0 something found (passages, an answer, an exact or near quote, a timeline entry),
1 nothing found, 2 bad input or no usable index (the message says which).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from indexer.errors import ConfigError, CorruptIndex, NoIndex
from indexer.generation import open_current
from indexer.settings import Settings

from .errors import SearchError
from .params import parse_search_request
from .requests import DEFAULT_ASK_K, DEFAULT_K

COMMANDS = ("search", "ask", "check", "timeline")
FOUND, NOTHING, BAD_INPUT = 0, 1, 2
WIDTH = 100


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m search_app", description="Search the statements from a terminal.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text, helptext in (("search", "QUERY", "ranked, cited passages"),
                                 ("ask", "QUESTION", "the sentence that answers, or no answer"),
                                 ("timeline", "TOPIC", "every statement that addresses a topic, oldest first"),
                                 ("check", "QUOTE", "is a quotation in the statements? a verdict per sentence")):
        command = commands.add_parser(name, help=helptext, description=helptext)
        command.add_argument("text", metavar=text)
        command.add_argument("--index", type=Path, help="index folder (default: $STATEMENT_SEARCH_INDEX or index/)")
        command.add_argument("--json", action="store_true", help="print the JSON the HTTP API returns")
        if name == "check":
            continue
        if name != "timeline":
            command.add_argument("--k", type=int, help="how many passages")
        command.add_argument("--doc", action="append", help="only this document id (repeat for several)")
        command.add_argument("--from", dest="date_from", help="only documents dated on or after (YYYY-MM-DD)")
        command.add_argument("--to", dest="date_to", help="only documents dated on or before (YYYY-MM-DD)")
        command.add_argument("--mode", choices=("hybrid", "semantic", "keyword"), help="retrieval mode")
        command.add_argument("--country", action="append", help="only passages naming this country")
        command.add_argument("--org", action="append", help="only passages naming this organisation")
    return parser


def run(argv: list[str], out=sys.stdout, err=sys.stderr) -> int:
    try:
        args = make_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage and the problem
        return BAD_INPUT if exc.code else FOUND
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        settings = Settings.from_env(index=args.index)
        generation = open_current(settings.index)
        embedder = settings.make_embedder()
        from .searcher import Searcher

        multilingual = settings.make_multilingual(  # as the server: search without it, and say why
            when_missing=lambda exc: print(f"warning: multilingual search is off: {exc}", file=err))
        searcher = Searcher(generation, embedder, multilingual=multilingual)
        result, found = _COMMANDS[args.command](searcher, args)
    except (ConfigError, NoIndex, CorruptIndex) as exc:
        print(f"error: {exc}", file=err)
        return BAD_INPUT
    except SearchError as exc:
        name = getattr(exc, "name", None)
        print(f"error: {exc.message}" + (f" ({_option(name)})" if name else ""), file=err)
        return BAD_INPUT
    if args.json:
        print(json.dumps(result[0], ensure_ascii=False, indent=2), file=out)
    else:
        print(result[1], file=out)
    return FOUND if found else NOTHING


def _option(parameter: str) -> str:
    return {"q": "the text", "date_from": "--from", "date_to": "--to", "text": "the quote"}.get(parameter, f"--{parameter}")


def _request(args, default_k: int):
    return parse_search_request(args.text, k=getattr(args, "k", None), doc=args.doc, date_from=args.date_from,
                                date_to=args.date_to, mode=args.mode, country=args.country, org=args.org,
                                default_k=default_k)


def _search(searcher, args):
    from .schemas import SearchOut

    result = searcher.search(_request(args, DEFAULT_K))
    lines = [f"{result.total} passage{'s' if result.total != 1 else ''} for “{result.query}”"]
    lines += [_hit(hit.rank, hit.text, hit.citation) for hit in result.hits]
    return (SearchOut.model_validate(result).model_dump(mode="json"), "\n\n".join(lines)), bool(result.hits)


def _ask(searcher, args):
    from .answers import answer_question, default_answer_model
    from .schemas import AskOut

    result = answer_question(searcher, _request(args, DEFAULT_ASK_K), default_answer_model())
    if result.answer is None:
        text = ("Answers are read from questions in English. The closest passages:" if result.declined == "language"
                else "No answer in the statements. The closest passages:")
    else:
        a = result.answer
        short = f"{a.span.text}\n\n" if a.span and a.span.text != a.text else ""
        text = f"{short}“{a.text}”\n    {_where(a.citation)}  (confidence {a.confidence:.0%})\n\nPassages:"
    lines = [text] + [_hit(hit.rank, hit.text, hit.citation) for hit in result.passages]
    return (AskOut.model_validate(result).model_dump(mode="json"), "\n\n".join(lines)), result.answer is not None


def _timeline(searcher, args):
    from .history_schemas import TimelineOut
    from .timeline import build_timeline

    t = build_timeline(searcher, _request(args, DEFAULT_K))
    lines = [f"{len(t.entries)} statement{'s' if len(t.entries) != 1 else ''} on “{t.topic}”"
             + (f" ({t.period.text})" if t.period else "")]
    if t.note:
        lines.append(t.note)
    for e in t.entries:
        best = e.passages[0]
        lines.append(f"{e.date or 'undated'}  {e.title}\n" + _indent(_short(best.text)) + f"\n    {_where(best.citation)}")
    return (TimelineOut.model_validate(t).model_dump(mode="json"), "\n\n".join(lines)), bool(t.entries)


def _check(searcher, args):
    from .quotes import QuoteChecker
    from .schemas import QuoteCheckOut

    result = QuoteChecker(searcher).check(args.text)
    lines = []
    for s in result.sentences:
        line = f"[{s.verdict}] “{_short(s.text)}”"
        if s.match is not None:
            line += f"\n    {_where(s.match.citation)}"
            for d in s.match.differences:
                line += f"\n    quoted “{d.quoted}” / statement says “{d.statement}”"
        lines.append(line)
    found = any(s.verdict != "not_found" for s in result.sentences)
    return (QuoteCheckOut.model_validate(result).model_dump(mode="json"), "\n\n".join(lines)), found


_COMMANDS = {"search": _search, "ask": _ask, "timeline": _timeline, "check": _check}


def _where(c) -> str:
    para = f", para. {c.paragraph}" if c.paragraph is not None else ""
    link = f"/documents/{c.doc_id}" + (f"#p{c.paragraph}" if c.paragraph is not None else "")
    return f"{c.title}{', ' + c.date if c.date else ''}{para}  {link}"


def _hit(rank: int, text: str, citation) -> str:
    return f"{rank}. {_where(citation)}\n" + _indent(_short(text))


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _indent(text: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent="    ", subsequent_indent="    ")


def main() -> int:
    return run(sys.argv[1:])
