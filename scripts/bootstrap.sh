#!/usr/bin/env bash
# Creates .venv beside the repo and installs qa (with its test tools) into it.
# Idempotent: it reinstalls only when pyproject.toml or constraints.txt changed since the last install,
# so the README's commands can call it every time at no cost.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.qa-installed"
want="$(cat "$root/pyproject.toml" "$root/constraints.txt" | sha256sum | cut -c1-16)"

if [ "${1:-}" = "--relock" ]; then
    # After a tested change of dependencies: record the versions the venv now holds.
    { sed -n '1,2p' "$root/constraints.txt"; "$venv/bin/pip" freeze --exclude-editable | grep -v '^torch=='; } > "$root/constraints.txt.new"
    mv "$root/constraints.txt.new" "$root/constraints.txt"
    echo "qa: constraints.txt rewritten from $venv" >&2
    exit 0
fi

if [ -x "$venv/bin/qa" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi

py="${QA_PYTHON:-}"
if [ -z "$py" ]; then
    for candidate in python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then py="$candidate"; break; fi
    done
fi
if [ -z "$py" ] || ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "error: qa needs Python 3.11 or newer on PATH (or set QA_PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

echo "qa: setting up $venv (first run only; takes a few minutes)" >&2
"$py" -m venv "$venv"
log="$venv/install.log"
install() {
    # pip's chatter goes to a log; on failure its end is shown, so the cause is visible.
    if ! "$venv/bin/pip" install --disable-pip-version-check "$@" >>"$log" 2>&1; then
        echo "error: pip install $* failed; the end of $log:" >&2
        tail -n 25 "$log" >&2
        exit 1
    fi
}
# torch first and pinned: a looser requirement resolved by sentence-transformers
# would pull the CUDA build (several GB) instead of the CPU wheel.
install torch==2.13.0
# Within the versions the suite last passed with: a new release of a loosely required
# package (Playwright 1.65 began evaluating wait_for_function with eval) must not turn CI red.
install -c "$root/constraints.txt" -e "$root[dev]"
# Scanned PDF pages are read with Debian's Tesseract (OCR at index time). Installed when we can
# (root with apt), as scripts/test installs chromium; otherwise `qa` says what to install when it
# meets a scan, and indexes the rest.
if ! command -v tesseract >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "qa: installing Tesseract for scanned PDFs (apt-get)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng; } >/dev/null 2>&1 \
        || echo "qa: could not install Tesseract; scanned PDF pages will not be read (apt-get install -y tesseract-ocr tesseract-ocr-eng)" >&2
fi
echo "$want" > "$stamp"
echo "qa: environment ready" >&2
