import subprocess
import sys
from pathlib import Path

CORE = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "src" / "qa").glob("*.py") if p.stem not in ("__main__", "cli"))


def test_the_core_never_imports_textual():
    """Only qa.cli (inside `qa chat`) and qa.tui may touch textual: the core stays UI-free."""
    code = "import sys\n" + "".join(f"import qa.{name}\n" for name in CORE) + "print('textual' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
    assert "conversation" in CORE and "history" in CORE
