"""Server cost per page against the reference page (bench/reference_app.py), from the CPU time
the gunicorn workers spend per request.

Throughput on a shared 2-core machine moves with whatever else runs (the load generator,
someone's tests), so the budget is not read from requests per second: before and after each
wrk run the benchmark reads the user and system CPU time of every worker of the server from
``/proc/<pid>/stat`` and divides what they spent by the requests wrk completed. Runs
alternate between the reference and the page measured, so both see the same machine; for
each page R rounds of (reference run, page run) give R ratios

    reference CPU ms per request ÷ page CPU ms per request

(1.0: as cheap as the reference; 0.5: twice its CPU), and the page's ratio is their median.
Throughput, its ratio to the reference of the same round and wrk's latency percentiles are
printed beside it (medians over the rounds too).
"""

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Budgets of DESIGN.md: the ratio each class of page must reach, and latency at 8 connections.
RATIO_BUDGETS = {
    "public": 0.60,
    "resident-heavy": 0.30,
    "resident-typical": 0.50,
    "staff": 0.25,
}
P95_BUDGET_MS = 50.0
P99_BUDGET_MS = 75.0


@dataclass
class Target:
    """One thing to load: a URL on a server, as whom (a Cookie header or None)."""

    label: str
    url: str
    cookie: str | None
    master: int  # the gunicorn master's pid, whose workers' CPU time is read
    kind: str = "info"  # a class of RATIO_BUDGETS, or "info" for no budget


def worker_pids(master: int) -> set[int]:
    """The gunicorn master's worker processes (Linux: the kernel's list of its children)."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return {int(pid) for pid in path.read_text().split()}


def cpu_ticks(pid: int) -> int:
    """User plus system CPU time of a process (all its threads), in clock ticks."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The second field, the command name in parentheses, may hold spaces: count from the
    # last ")". Fields 14 and 15 (utime, stime) are then the 12th and 13th.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def workers_cpu(master: int) -> dict[int, int]:
    """CPU ticks of each worker of the server, by pid."""
    return {pid: cpu_ticks(pid) for pid in worker_pids(master)}


def measured_run(target: Target, load: Callable[[str, str | None], dict]) -> dict:
    """Load the target once with ``load`` (wrk) and add the workers' CPU time to its figures:
    ``cpu_ms`` in all and ``cpu_ms_per_request``."""
    before = workers_cpu(target.master)
    result = load(target.url, target.cookie)
    after = workers_cpu(target.master)
    # A worker that died and was replaced during the run would hide part of the CPU time.
    result["workers_replaced"] = before.keys() != after.keys()
    ticks = sum(after[pid] - before[pid] for pid in after.keys() & before.keys())
    result["cpu_ms"] = ticks * 1000 / CLOCK_TICKS
    requests = result["requests"]
    result["cpu_ms_per_request"] = result["cpu_ms"] / requests if requests else float("inf")
    return result


def interleaved(
    reference: Target, target: Target, rounds: int, load: Callable[[str, str | None], dict]
) -> dict:
    """Measure ``target`` against ``reference`` in ``rounds`` rounds of (reference run,
    target run) and return the medians, each round's figures under "rounds"."""
    measured = []
    for _ in range(rounds):
        ref = measured_run(reference, load)
        page = measured_run(target, load)
        measured.append(
            {
                "reference": ref,
                "page": page,
                "ratio": ref["cpu_ms_per_request"] / page["cpu_ms_per_request"],
                "rps_ratio": page["rps"] / ref["rps"] if ref["rps"] else 0.0,
            }
        )

    def median(key: str, side: str = "page") -> float:
        return statistics.median(m[side][key] if side else m[key] for m in measured)

    return {
        "page": target.label,
        "class": target.kind,
        "budget": RATIO_BUDGETS.get(target.kind),
        "ratio": median("ratio", None),
        "ratio_low": min(m["ratio"] for m in measured),
        "ratio_high": max(m["ratio"] for m in measured),
        "cpu_ms_per_request": median("cpu_ms_per_request"),
        "reference_cpu_ms_per_request": median("cpu_ms_per_request", "reference"),
        "rps": median("rps"),
        "rps_ratio": median("rps_ratio", None),
        "p50": median("p50"),
        "p95": median("p95"),
        "p99": median("p99"),
        "errors": sum(m["page"]["errors"] for m in measured),
        "workers_replaced": any(m["page"]["workers_replaced"] for m in measured),
        "rounds": measured,
    }


def reference_summary(rows: list[dict]) -> dict:
    """The reference page's own figures: medians over every reference run of the table."""
    runs = [m["reference"] for row in rows for m in row["rounds"]]
    return {
        "page": "reference page",
        "class": "reference",
        "runs": len(runs),
        **{
            key: statistics.median(run[key] for run in runs)
            for key in ("cpu_ms_per_request", "rps", "p50", "p95", "p99")
        },
        "errors": sum(run["errors"] for run in runs),
    }


def report(rows: list[dict], reference: dict, header: str) -> list[str]:
    """Print the speed table and return the budgets that broke, each naming its page."""
    print(f"\n{header}")
    print(
        "ratio: reference CPU per request ÷ the page's (median of the rounds, lowest–highest);"
        " budgets: "
        + ", ".join(f"{kind} ≥ {budget:.2f}" for kind, budget in RATIO_BUDGETS.items())
        + f"; p95 ≤ {P95_BUDGET_MS:.0f} ms, p99 ≤ {P99_BUDGET_MS:.0f} ms"
    )
    print(
        f"{'page':30} {'class':16} {'ratio':>5} {'range':>9} {'budget':>6}"
        f" {'CPU ms':>6} {'ref ms':>6} {'req/s':>6} {'rps ratio':>9}"
        f" {'p50':>6} {'p95':>6} {'p99':>6} {'err':>4}"
    )
    print(
        f"{reference['page']:30} {reference['class']:16} {1:5.2f} {'':>9} {'':>6}"
        f" {reference['cpu_ms_per_request']:6.2f} {reference['cpu_ms_per_request']:6.2f}"
        f" {reference['rps']:6.0f} {1:9.2f} {reference['p50']:6.2f} {reference['p95']:6.2f}"
        f" {reference['p99']:6.2f} {reference['errors']:4}"
    )
    failures = []
    for row in rows:
        budget = row["budget"]
        spread = f"{row['ratio_low']:.2f}–{row['ratio_high']:.2f}"
        print(
            f"{row['page']:30} {row['class']:16} {row['ratio']:5.2f} {spread:>9}"
            f" {f'{budget:.2f}' if budget else '–':>6} {row['cpu_ms_per_request']:6.2f}"
            f" {row['reference_cpu_ms_per_request']:6.2f} {row['rps']:6.0f}"
            f" {row['rps_ratio']:9.2f} {row['p50']:6.2f} {row['p95']:6.2f} {row['p99']:6.2f}"
            f" {row['errors']:4}"
        )
        if budget is None:
            continue  # the hello-world: for information
        if row["ratio"] < budget:
            failures.append(
                f"{row['page']}: ratio {row['ratio']:.2f} < {budget:.2f} ({row['class']})"
            )
        if row["p95"] > P95_BUDGET_MS:
            failures.append(f"{row['page']}: p95 {row['p95']:.1f} ms > {P95_BUDGET_MS:.0f} ms")
        if row["p99"] > P99_BUDGET_MS:
            failures.append(f"{row['page']}: p99 {row['p99']:.1f} ms > {P99_BUDGET_MS:.0f} ms")
        if row["errors"]:
            failures.append(f"{row['page']}: {row['errors']} errors")
        if row.get("status", 200) != 200:
            failures.append(f"{row['page']}: answered {row['status']}, not 200")
        if row["workers_replaced"]:
            failures.append(f"{row['page']}: a worker was replaced during a run")
    return failures
