"""`qa` on the command line: parse, call the core, print. The only place that exits.

Exit codes: 0 success, 1 a problem the user can fix (message on stderr),
2 bad usage (argparse), 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TextIO

from qa import __version__
from qa.errors import QAError
from qa.render import CitedPlace, parse_citation, printable_path  # light: no model, no UI library

EXAMPLE_QUESTION = "When did IS-KP announce its formation?"

if TYPE_CHECKING:
    from qa.assistant import Assistant
    from qa.config import Settings

AssistantFactory = Callable[["Settings"], "Assistant"]


def main(argv: list[str] | None = None, assistant_factory: AssistantFactory | None = None) -> int:
    """Run one `qa` command; returns the exit code.

    Args:
        argv: the arguments after `qa` (None: sys.argv[1:]).
        assistant_factory: makes the Assistant from the merged settings (None: the
            real one, with the model on disk); tests pass one with a fake model.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    args.assistant_factory = assistant_factory or _real_assistant
    try:
        return args.run(args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `qa ask ... | head` closed the pipe: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: still no traceback for the user unless asked for
        if os.environ.get("QA_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc}\n"
            "this is a bug in qa; run again with QA_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Answer questions over a folder of documents, offline, with exact citations.",
        epilog=f'example: qa ask "{EXAMPLE_QUESTION}"',
    )
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    locations = argparse.ArgumentParser(add_help=False)
    locations.add_argument("--corpus", metavar="DIR", help="folder of .txt/.md/.pdf/.html documents (default: $QA_CORPUS or the bundled corpus/)")
    locations.add_argument("--index", metavar="DIR", help="where the index lives (default: $QA_INDEX or index/<corpus>-<hash>/)")
    locations.add_argument("--model", metavar="PATH", help="local sentence-transformers model folder (default: $QA_MODEL or bundled all-MiniLM-L6-v2)")
    locations.add_argument(
        "--store", metavar="URI", help="where the index is held: local (default, $QA_STORE), milvus:PATH.db (Milvus Lite), milvus:http://HOST:19530"
    )
    locations.add_argument(
        "--ray", nargs="?", const="local", default=None, metavar="ADDRESS",
        help="embed a build on Ray: `local` starts a local Ray cluster, an address joins one (default: $QA_RAY, or in this process)",
    )

    scoping = argparse.ArgumentParser(add_help=False)
    add_scope_options(scoping)

    index = commands.add_parser(
        "index",
        parents=[locations],
        help="build or update the index for the corpus",
        description="Bring the index up to date: only new or changed files are embedded.",
    )
    index.add_argument("--full", action="store_true", help="rebuild from scratch instead of updating")
    index.set_defaults(run=run_index)

    ask = commands.add_parser(
        "ask",
        parents=[locations, scoping],
        help="answer a question with cited passages",
        description="Answer a question with the passages that answer it, each with its citation.",
    )
    ask.add_argument("question", metavar="QUESTION", help='the question, or "-" to read one question per line from stdin')
    ask.add_argument("-k", type=_positive_int, default=None, metavar="N", help="passages per answer (default: 5)")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per question) instead of text")
    ask.add_argument(
        "--no-update", action="store_true", help="answer from the index as it is, even if the corpus changed since it was built"
    )
    ask.add_argument(
        "--conversation",
        action="store_true",
        help='treat the questions (with "-": the stdin lines) as turns of one conversation: '
        'a follow-up such as "What should be done about it?" is searched with what came before; '
        'JSON gains "searched_for"',
    )
    ask.set_defaults(run=run_ask)

    chat = commands.add_parser(
        "chat",
        parents=[locations, scoping],
        help="ask questions in a terminal app: cited passages, sources, follow-ups",
        description="A conversation of questions and cited answers; every citation opens its source.",
    )
    chat.add_argument("-k", type=_positive_int, default=None, metavar="N", help="passages per answer (default: 5)")
    chat.set_defaults(run=run_chat)

    show = commands.add_parser(
        "show",
        parents=[locations],
        help="print the text a citation's offsets index (a PDF page, a web page's main text)",
        description="Print exactly the text that char_start/char_end and the line numbers of a citation index: "
        "a .txt/.md file as it is, a PDF's extracted text (one page with --page), a web page's extracted main text. "
        "Given a whole citation as qa printed it (`notes.txt:12-14`, `manual.pdf p. 3`, `page.html (text:5-7)`), "
        "only the lines or pages it cites.",
    )
    show.add_argument("path", metavar="PATH", help="the document, or a whole citation (`report.txt:12-14`, `manual.pdf p. 3`) to print only what it cites")
    show.add_argument("--page", type=_positive_int, default=None, metavar="N", help="only page N of a PDF")
    show.set_defaults(run=run_show)

    status = commands.add_parser("status", parents=[locations], help="show the corpus, the index and whether it is up to date")
    status.add_argument("--json", action="store_true", help="print JSON (what GET /api/status returns), with each document's date")
    status.set_defaults(run=run_status)

    serve = commands.add_parser("serve", parents=[locations], help="serve the corpus over HTTP: a JSON API and a web page")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; others need a token)")
    serve.add_argument("--port", type=_positive_int, default=8770, help="port (default: 8770)")
    serve.add_argument("--token", default=None, help="require 'Authorization: Bearer TOKEN' on every request (default: $QA_TOKEN)")
    serve.add_argument("--allow-host", action="append", metavar="NAME", help="another name clients reach this server by (repeatable)")
    serve.add_argument("--no-update", action="store_true", help="serve the index as it is, even if the corpus changed")
    serve.set_defaults(run=run_serve)

    mcp = commands.add_parser("mcp", parents=[locations], help="serve the corpus as MCP tools for AI agents (stdio)")
    mcp.add_argument("--http", action="store_true", help="use the streamable HTTP transport (loopback only) instead of stdio")
    mcp.add_argument("--port", type=_positive_int, default=8771, help="port for --http (default: 8771)")
    mcp.add_argument("--no-update", action="store_true", help="serve the index as it is, even if the corpus changed")
    mcp.set_defaults(run=run_mcp)
    return parser


def add_scope_options(parser: argparse.ArgumentParser) -> None:
    """--in, --type, --since, --until: the documents a question is asked of (also used by scripts)."""
    group = parser.add_argument_group("scope (only these documents are searched)")
    group.add_argument(
        "--in", dest="scope_in", action="append", metavar="PATH",
        help="a folder or file of the corpus, relative to its root or absolute inside it (repeatable: any of them)",
    )
    group.add_argument(
        "--type", dest="scope_type", action="append", metavar="EXT",
        help="a file type by extension: pdf, html, docx, txt, md... (repeatable: any of them)",
    )
    group.add_argument(
        "--since", dest="scope_since", metavar="YYYY-MM-DD",
        help="documents dated on or after this day (the date a document states, else its file's mtime)",
    )
    group.add_argument("--until", dest="scope_until", metavar="YYYY-MM-DD", help="documents dated on or before this day")


def scope_of(args, assistant):
    """The Scope the scope options name (everything when none is given)."""
    return assistant.scope(
        getattr(args, "scope_in", None), getattr(args, "scope_type", None),
        getattr(args, "scope_since", None), getattr(args, "scope_until", None),
    )


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _real_assistant(settings):
    from qa.assistant import Assistant

    return Assistant(settings)


def _settings(args, corpus: str | None = None):
    from qa.config import load_settings

    return load_settings(
        corpus=corpus or args.corpus, index=args.index, model=args.model, k=getattr(args, "k", None),
        store=getattr(args, "store", None), ray=getattr(args, "ray", None),
    )


def _assistant(args, corpus: str | None = None):
    """The Assistant for this command's settings (`corpus` overrides --corpus)."""
    return args.assistant_factory(_settings(args, corpus))


def _progress(message: str) -> None:
    print(f"qa: {message}", file=sys.stderr, flush=True)


def run_index(args) -> int:
    from qa.progress import embedding_progress

    assistant = _assistant(args)
    with embedding_progress(sys.stderr) as counts:
        report = assistant.update(progress=_progress, counts=counts, full=args.full)
    _print_skipped(report.skipped)
    _print_document_notes(report.notes)
    _print_unsupported(report.unsupported)
    _print_notes(assistant)
    print(describe_build(report))
    return 0


def _print_notes(assistant) -> None:
    for note in assistant.notes:
        print(f"qa: {note}", file=sys.stderr)
    assistant.notes.clear()


def describe_build(report) -> str:
    """One line saying what an index build or update did."""
    if not report.wrote:
        return f"index is up to date: {report.documents} documents, {report.chunks} chunks ({report.index_dir})"
    if report.full:
        why = f" ({report.reason})" if report.reason else ""
        head = f"built from scratch{why}"
    else:
        head = (
            f"updated: {len(report.added)} added, {len(report.changed)} changed, "
            f"{len(report.removed)} removed, {report.unchanged} unchanged documents"
        )
    on = f" on {report.embedded_on}" if report.embedded_on else ""
    return (
        f"{head}; embedded {report.embedded} texts{on}; now {report.documents} documents, "
        f"{report.chunks} chunks; {report.seconds:.1f} s -> {report.index_dir}"
    )


def _print_skipped(skipped) -> None:
    for item in skipped:
        print(f"warning: skipped {printable_path(item.doc_id)}: {item.reason}", file=sys.stderr)


_LISTED_UNSUPPORTED = 50  # names printed; a folder of 10,000 images is counted, not recited


def _print_unsupported(doc_ids, prefix: str = "qa: not read: ", item: str = "  ") -> None:
    """Files of types qa does not read: counted by type, then each named (none is silently ignored)."""
    from qa.ingest.loader import describe_unsupported

    if not doc_ids:
        return
    stream = sys.stderr if prefix.startswith("qa:") else sys.stdout
    print(f"{prefix}{describe_unsupported(doc_ids)}", file=stream)
    for doc_id in doc_ids[:_LISTED_UNSUPPORTED]:
        print(f"{item}{printable_path(doc_id)}", file=stream)
    if len(doc_ids) > _LISTED_UNSUPPORTED:
        print(f"{item}... and {len(doc_ids) - _LISTED_UNSUPPORTED} more (`qa status --json` lists every one)", file=stream)


def _print_document_notes(notes) -> None:
    for item in notes:
        print(f"warning: {printable_path(item.doc_id)}: {item.reason}", file=sys.stderr)


def run_show(args) -> int:
    assistant = _assistant(args)
    # A whole citation pasted back (`report.txt:12-14`, `manual.pdf p. 3`) shows what it cites.
    place = CitedPlace(args.path) if os.path.exists(args.path) else parse_citation(args.path)
    if args.corpus is None:
        # A citation's path is relative to the folder the question was asked in; that
        # question may have named its corpus with --corpus, which `qa show` was not given.
        corpus = _corpus_holding(place.path, assistant.settings.corpus_dir, assistant.settings.index_dir, args.index is not None)
        if corpus is not None:
            assistant = _assistant(args, corpus=str(corpus))
    path = place.path
    corpus_relative = assistant.settings.corpus_dir / path
    if not os.path.isfile(path) and corpus_relative.is_file():
        # corpus_doc_id tries the path from here first, even when no file is there.
        path = str(corpus_relative)
    doc_id = assistant.corpus_doc_id(path)
    pages = (args.page, args.page) if args.page else place.pages
    if pages is None:
        text = assistant.source_text(doc_id)
    else:  # one page is exactly the text its offsets index; `pp. 3-4` is the pages one after another
        text = "".join(assistant.source_text(doc_id, page) for page in range(pages[0], pages[1] + 1))
    if place.lines is not None:
        text = _cited_lines(text, *place.lines, place.path)
    # Exactly the text offsets index, so a script can slice it; a newline only for a person.
    sys.stdout.write(text)
    if sys.stdout.isatty() and not text.endswith("\n"):
        sys.stdout.write("\n")
    return 0


def _cited_lines(text: str, first: int, last: int, path: str) -> str:
    """Lines `first` to `last` (1-based, counted at "\\n" as citations count them) of `text`."""
    lines = text.split("\n")
    if lines[-1] == "" and len(lines) > 1:
        lines.pop()  # a final newline ends the last line, it starts none
    if not 1 <= first <= last <= len(lines):
        raise QAError(f"{path} has {len(lines)} lines, not {first}-{last}: pass the lines a citation printed, or only the path")
    return "\n".join(lines[first - 1 : last])


def _corpus_holding(path: str, corpus_dir: Path, index_dir: Path, index_given: bool) -> Path | None:
    """The corpus to show `path` from when it is a file outside `corpus_dir`, else None.

    That is the nearest folder above the file that has an index of its own (the
    one `qa ask --corpus FOLDER` built); with no such index, the file's folder,
    since a file outside any index is read afresh the way indexing would read it.
    """
    from qa.config import default_index_dir
    from qa.index.generations import current_generation

    file = Path(os.path.abspath(path))
    if not file.is_file() or _is_below(file, corpus_dir):
        return None
    if index_given:
        return file.parent  # --index names the index; only its corpus is unknown
    for folder in file.parents:
        if folder == folder.parent:
            break
        if current_generation(default_index_dir(folder)) is not None:
            return folder
    return file.parent


def _is_below(file: Path, folder: Path) -> bool:
    for base in (Path(os.path.abspath(folder)), folder.resolve()):
        for form in (file, file.resolve()):
            if form.is_relative_to(base):
                return True
    return False


def run_ask(args) -> int:
    from qa.conversation import Conversation
    from qa.progress import embedding_progress

    assistant = _assistant(args)
    scope = scope_of(args, assistant)  # checked before any loading, like the question
    # Without --conversation every question is its own conversation of one turn.
    conversation = Conversation(assistant, args.k, follow_ups=args.conversation, scope=scope)
    # Planned now, so an empty question fails before any loading.
    first = None if args.question == "-" else conversation.plan(args.question)
    with embedding_progress(sys.stderr) as counts:
        prepared = assistant.prepare(update=not args.no_update, progress=_progress, counts=counts)
    if prepared.report is not None:
        _print_skipped(prepared.report.skipped)
        _print_document_notes(prepared.report.notes)
    if prepared.note:
        print(f"{'warning' if prepared.stale else 'qa'}: {prepared.note}", file=sys.stderr)
    if first is None:
        _ask_stream(conversation, sys.stdin, args)
    else:
        _print_answer(conversation.answer(first), first, args, single=True)
    _print_notes(assistant)
    return 0


def _ask_stream(conversation, stream: TextIO, args) -> None:
    """One question per line (with --conversation, the turns of one conversation); lines
    with nothing to ask are skipped. The index and model load once."""
    from qa.errors import QuestionError

    if hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="replace")  # a stray byte must not end the batch
    for line in stream:
        try:
            turn = conversation.plan(line)
        except QuestionError:
            continue  # blank, or only control characters
        _print_answer(conversation.answer(turn), turn, args, single=False)
        sys.stdout.flush()


def _print_answer(answer, turn, args, single: bool) -> None:
    from qa.render import answer_to_dict, render_text

    # What a turn searched for is news only in a conversation, where it may differ from the question.
    searched_for = turn.searched_for if args.conversation else None
    if args.json:
        data = answer_to_dict(answer)
        if searched_for is not None:
            data["searched_for"] = searched_for
        print(json.dumps(data, ensure_ascii=False, indent=2 if single else None))
        return
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    if not single:
        print(f"Q: {answer.question}")
        if searched_for is not None and searched_for != answer.question:
            print(f"   (searched for: {searched_for})")
        print()
    print(render_text(answer, width=width, color=color))


def run_chat(args) -> int:
    # Imported here: `qa --help` and the other commands must not pay for textual.
    import asyncio

    from qa.tui.app import QAApp

    # Our own loop, not asyncio.run(): that would wait for the worker threads on
    # exit, so Ctrl+Q while the model loads left a blank screen for seconds.
    loop = asyncio.new_event_loop()
    scope = scope_of(args, _assistant(args))  # a bad --in or --since is refused before the screen opens
    QAApp(assistant_factory=lambda: _assistant(args), scope=scope).run(loop=loop)
    if threading.active_count() > 1:
        # A thread still loads the model (or builds an index) and cannot be
        # interrupted. It holds nothing to clean up: a build writes only to its
        # private folder until it publishes atomically, the kernel releases its
        # lock, and the next build removes the folder it left.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    loop.close()
    return 0


def run_serve(args) -> int:
    from qa.server import commands  # imported here: the other commands must not pay for uvicorn

    return commands.run_serve(args)


def run_mcp(args) -> int:
    from qa.server import commands

    return commands.run_mcp(args)


_DATES_LISTED = 200  # more than a screenful is what `qa status --json` is for


def _print_dates(dates: dict[str, tuple[str, str]]) -> None:
    """Which date each document got (what --since/--until compare) and where it came from."""
    if not dates:
        return
    sources: dict[str, int] = {}
    for _, source in dates.values():
        sources[source] = sources.get(source, 0) + 1
    print("dates:    " + ", ".join(f"{count} from {source}" for source, count in sorted(sources.items(), key=lambda s: -s[1])))
    for doc_id, (day, source) in list(dates.items())[:_DATES_LISTED]:
        print(f"  {day}  {printable_path(doc_id)} ({source})")
    if len(dates) > _DATES_LISTED:
        print(f"  ... and {len(dates) - _DATES_LISTED} more (`qa status --json` lists every document)")


def run_status(args) -> int:
    status = _assistant(args).status()
    if args.json:
        from qa.server.service import status_json

        print(json.dumps(status_json(status), ensure_ascii=False, indent=2))
        return 0
    print(f"corpus:   {status.corpus_dir}")
    print(f"index:    {status.index_dir}")
    print(f"model:    {status.model_id}")
    if not status.built:
        print("state:    not built (run `qa index`, or just `qa ask`)")
        return 0
    if status.mismatch:
        print(f"state:    unusable as it is: {status.mismatch} (run `qa index` to rebuild it)")
        return 0
    print(f"built:    {status.built_at} with {status.indexed_model_id}")
    print(f"contents: {status.documents} documents, {status.chunks} chunks")
    print(f"search:   {status.search}")
    for item in status.skipped:
        print(f"skipped:  {printable_path(item.doc_id)}: {item.reason}")
    for item in status.notes:
        print(f"note:     {printable_path(item.doc_id)}: {item.reason}")
    _print_unsupported(status.unsupported, prefix="not read: ", item="  not read: ")
    _print_dates(status.dates or {})
    if status.up_to_date:
        print("state:    up to date")
        return 0
    changes = status.changes
    if changes is not None and not changes.up_to_date:
        print(f"state:    out of date: {changes.summary()} (run `qa index`)")
        if changes.reread:
            return 0  # every file: the summary says it, a list of the whole corpus would not say more
        for label, ids in (("added", changes.added), ("changed", changes.changed), ("removed", changes.removed)):
            for doc_id in ids:
                print(f"  {label}: {printable_path(doc_id)}")
    return 0
