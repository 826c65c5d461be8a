"""Run the tests (all but the browser's) at moments that break naive date code, under
libfaketime (Debian's faketime package), which moves the time every process of the run sees:
the portal, the tests, the standard library, everything but file times.

    python tests/dates.py [--all] [--jobs 2] [PYTEST ARGS...]

By default the tests are split into as many shares as there are moments and each share runs
at one of them; which share meets which moment turns with the commit, so successive commits
run every test at every moment while a run costs one pass of the suite. ``--all`` runs every
test at every moment (as many passes as moments). Exits non-zero when any run fails.
"""

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
HELSINKI = ZoneInfo("Europe/Helsinki")

# Helsinki wall-clock moments. The clock runs on from each, so a run that starts just before
# a change (the end of the phone hours, the clocks going forward or back) goes across it.
MOMENTS = [
    ("the 1st of a month", "2027-06-01T10:00:00"),
    ("the 3rd of a month", "2027-01-03T10:00:00"),
    ("28 February of a leap year", "2028-02-28T12:00:00"),
    ("29 February", "2028-02-29T10:00:00"),
    ("New Year's Eve, 23:30", "2027-12-31T23:30:00"),
    ("the night the clocks go forward", "2027-03-28T02:59:30"),
    ("the night the clocks go back", "2027-10-31T03:59:30+03:00"),
    ("a Friday 11:59, phone hours ending", "2027-01-08T11:59:00"),
    ("a Friday 12:00", "2027-01-08T12:00:00"),
    ("a Monday 08:59", "2027-01-11T08:59:00"),
]


def moment(text: str) -> datetime.datetime:
    """Read a moment of MOMENTS: Helsinki time unless it gives its own offset."""
    value = datetime.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=HELSINKI)


def rotation() -> int:
    """How far the moments turn for this commit (0 outside a git checkout)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 0
    return zlib.crc32(head.encode()) % len(MOMENTS)


def run_at(label: str, when: str, share: str | None, pytest_args: list[str]) -> tuple[str, int]:
    """Run pytest under faketime at the moment; return the label and the exit code."""
    start = moment(when).astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    command = [
        "faketime",
        start,
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--ignore=tests/browser",
        # The deployment runs real servers on the machine's time; its files hold on any date.
        "--ignore=tests/deploy",
        *(["--shard", share] if share else []),
        *pytest_args,
    ]
    # libfaketime within libfaketime goes wrong: when this script itself runs at a fake
    # time, the run starts from a clean slate.
    environment = {
        name: value
        for name, value in os.environ.items()
        if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
    }
    environment["PORTAL_CLOCK"] = ""
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True)
    tail = "\n".join(result.stdout.strip().splitlines()[-15:])
    where = f" (share {share})" if share else ""
    print(f"--- {label}, {when}{where}: exit {result.returncode}\n{tail}", flush=True)
    if result.returncode != 0 and result.stderr.strip():
        print(result.stderr.strip()[-3000:], flush=True)
    return label, result.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every test at every moment")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once")
    args, pytest_args = parser.parse_known_args()
    if not shutil.which("faketime"):
        print("faketime is not installed: apt-get install faketime", file=sys.stderr)
        return 2
    count, turn = len(MOMENTS), rotation()
    runs = []
    for index, (label, when) in enumerate(MOMENTS):
        share = None if args.all else f"{(index + turn) % count}/{count}"
        runs.append((label, when, share, pytest_args))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda run: run_at(*run), runs))
    failed = [label for label, code in results if code not in (0, 5)]
    print("Every moment passed." if not failed else f"FAILED at: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
