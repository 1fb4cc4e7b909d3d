"""The hostile-document corpus against ``nianbao parse``: seconds, peak memory, the line.

    python bench/bench_hostile.py [NAME ...]

Builds ``fixtures.hostile`` in a temporary folder and runs ``nianbao parse`` on each bomb
in its own process, as a user would, sampling the resident memory of the whole process
tree (the command, its forkserver and its worker) every 20 ms. Issue 14's bar: exit
status 2 with one line, within 60 s, under 1.5 GB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fixtures.hostile import BOMBS, build  # noqa: E402

LIMIT_SECONDS = 60.0
LIMIT_MB = 1536


def tree_rss_kb(pid: int) -> int:
    """Resident kB of ``pid`` and all its descendants (0 once it is gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def run(path: Path) -> tuple[float, int, int, str]:
    """Seconds, peak MB, exit status and output of ``nianbao parse path``."""
    start = time.monotonic()
    command = [sys.executable, "-c", "from nianbao.cli import main; main()", "parse", str(path)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss_kb(process.pid))
        time.sleep(0.02)
    output = process.stdout.read() if process.stdout else ""
    return time.monotonic() - start, peak // 1024, process.returncode, output.strip()


def main(names: list[str]) -> int:
    failed = 0
    with tempfile.TemporaryDirectory() as folder:
        for path in build(Path(folder), names or None):
            seconds, peak_mb, status, output = run(path)
            ok = status == 2 and output.count("\n") == 0 and seconds < LIMIT_SECONDS and peak_mb < LIMIT_MB
            failed += not ok
            verdict = "ok " if ok else "BAD"
            print(f"{verdict} {path.name:20} {seconds:6.1f} s {peak_mb:6d} MB  exit {status}  {output[:100]}")
    print(f"{len(names or BOMBS) - failed} of {len(names or BOMBS)} within {LIMIT_SECONDS:g} s and {LIMIT_MB} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
