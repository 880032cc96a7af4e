"""The programs around the app: the user's editor or pager, and the system clipboard.

Pure functions that decide what to run, so they are testable without a terminal.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path


def viewer_command(env: Mapping[str, str], path: Path, line: int) -> list[str] | None:
    """`$EDITOR +LINE FILE`; else `$PAGER` (at the line when it is less/more); else None."""
    editor = (env.get("VISUAL") or env.get("EDITOR") or "").strip()
    if editor:
        return shlex.split(editor) + [f"+{line}", str(path)]
    pager = (env.get("PAGER") or "").strip()
    if pager:
        words = shlex.split(pager)
        name = Path(words[0]).name
        if name == "less":
            return words + [f"+{line}g", str(path)]  # less reads +CMD; "Ng" goes to line N
        if name == "more":
            return words + [f"+{line}", str(path)]
        return words + [str(path)]
    return None


def clipboard_command(env: Mapping[str, str], which=shutil.which) -> list[str] | None:
    """A system tool that copies stdin to the clipboard, or None when there is none to use."""
    candidates = []
    if env.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if env.get("DISPLAY"):
        candidates += [["xclip", "-selection", "clipboard"], ["xsel", "--clipboard", "--input"]]
    candidates.append(["pbcopy"])  # macOS: needs no display variable
    for command in candidates:
        if which(command[0]):
            return command
    return None


def copy_with_system_tool(text: str, env: Mapping[str, str] | None = None) -> str | None:
    """Copy with the system tool; returns its name, or None when none is there or it failed."""
    command = clipboard_command(os.environ if env is None else env)
    if command is None:
        return None
    # Output goes to DEVNULL, not a pipe: xclip forks a child that keeps serving the
    # selection, and a pipe it inherited would make run() wait for that child.
    try:
        subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=5, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return command[0]
