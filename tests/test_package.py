"""The package as a whole: small modules named for what they hold."""
from pathlib import Path

import nwlib

MAX_LINES = 450


def test_no_module_over_450_lines():
    root = Path(nwlib.__file__).parent
    sizes = {str(p.relative_to(root)): p.read_text(encoding="utf-8").count("\n")
             for p in root.rglob("*.py")}
    assert len(sizes) > 20  # the walk found the package, sub-packages included
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
