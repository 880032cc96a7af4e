"""What the chat's keys do beyond the screen: copy, open in the editor, export.

Each takes the app for what only it can do (notify, hand over the terminal)
and keeps the deciding in functions a test can call without a terminal.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from textual.app import App, SuspendNotSupported

from qa.records import Answer, Passage
from qa.render import citation, render_conversation_markdown
from qa.search.conversation import Turn
from qa.tui.system import copy_with_system_tool, viewer_command
from qa.tui.widgets import quote_with_citation

_USER_DIRS_LINE = re.compile(r'^\s*XDG_DOCUMENTS_DIR\s*=\s*"?([^"\n]*)"?\s*$', re.MULTILINE)


# ----- copy ------------------------------------------------------------------------


def copy_passage(app: App, passage: Passage, environ: Mapping[str, str]) -> None:
    """The passage and its citation to the clipboard: the terminal's and the system's."""
    text = quote_with_citation(passage)
    app.copy_to_clipboard(text)  # OSC 52: works over ssh in most terminals
    what = f"[{passage.rank}] {citation(passage)}"

    def with_tool() -> None:  # a tool may hang on a dead display: not on the UI thread
        tool = copy_with_system_tool(text, environ)
        app.call_from_thread(app.notify, describe_copy(what, tool))

    app.run_worker(with_tool, thread=True, group="clipboard", exit_on_error=False)


def describe_copy(what: str, tool: str | None) -> str:
    how = f"the terminal (OSC 52) and {tool}" if tool else "the terminal (OSC 52; no wl-copy/xclip/xsel/pbcopy found)"
    return f"Copied {what} with its citation via {how}."


# ----- editor ----------------------------------------------------------------------


def open_in_editor(app: App, passage: Passage, document: Path, environ: Mapping[str, str]) -> None:
    """Hand the terminal to $EDITOR (or $PAGER) at the passage's first line."""
    command = viewer_command(environ, document, passage.start_line)
    if command is None:
        app.notify(f"Set $EDITOR (or $PAGER) to open sources there. This passage is {citation(passage)}.", severity="warning", timeout=8)
        return
    try:
        with app.suspend():
            result = subprocess.run(command)
    except SuspendNotSupported:
        app.notify(f"Cannot hand the terminal to {command[0]} here. This passage is {citation(passage)}.", severity="warning")
        return
    except OSError as exc:
        app.notify(f"Cannot run {command[0]}: {exc.strerror or exc}", severity="error")
        return
    if result.returncode != 0:
        app.notify(f"{command[0]} exited with status {result.returncode}.", severity="warning")


# ----- export ----------------------------------------------------------------------


def documents_dir(environ: Mapping[str, str]) -> Path:
    """Where a person keeps documents: $XDG_DOCUMENTS_DIR, else the one in
    user-dirs.dirs (what desktop file managers use), else ~/Documents.

    Never the working directory: the chat is often started inside a checkout,
    and an export there ends up committed or lost.
    """
    home = Path(environ.get("HOME") or Path.home())
    configured = environ.get("XDG_DOCUMENTS_DIR")
    if not configured:
        config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        try:
            match = _USER_DIRS_LINE.search((config_home / "user-dirs.dirs").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            match = None
        configured = match.group(1) if match else ""
    configured = configured.replace("$HOME", str(home)).strip()
    # user-dirs.dirs sets a folder to $HOME itself to switch it off: not a documents folder.
    if configured and Path(configured).is_absolute() and Path(configured) != home:
        return Path(configured)
    return home / "Documents"


def export_conversation(history: list[tuple[Turn, Answer]], folder: Path, now: datetime | None = None) -> Path:
    """Write the answered turns as Markdown in `folder` (made if missing); returns the file.

    Raises:
        OSError: the folder or file cannot be written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"qa-conversation-{(now or datetime.now()):%Y%m%d-%H%M%S}.md"
    answered = [(answer, turn.searched_for) for turn, answer in history]
    path.write_text(render_conversation_markdown(answered), encoding="utf-8")
    return path


def shown_path(path: Path, environ: Mapping[str, str]) -> str:
    """An absolute path with the home folder as ~, so a person can find the file from anywhere."""
    home = environ.get("HOME") or str(Path.home())
    absolute = os.path.abspath(path)
    if home and home != "/" and (absolute == home or absolute.startswith(home.rstrip("/") + "/")):
        return "~" + absolute[len(home.rstrip("/")) :]
    return absolute
