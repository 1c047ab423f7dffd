"""Picker benchmark: keystroke latency, mount time and memory of the assignment list.

Run: .venv/bin/python benchmarks/picker_bench.py [--rows 10000 50000] [--runs 5] [--nice]

Everything runs headless (``App.run_test(size=(120, 40))``) on synthetic rows (fixed seed,
1-7 permission sets per account, realistic names, ids, roles and emails). What is measured:

(a) Keystroke latency, in an app shaped like the picker: an ``Input`` whose ``Changed`` handler
    calls ``AssignmentList.set_query``. The keys type "prod pay", backspace it away, type
    "admin", backspace, type an account id prefix, backspace. For each key:
      key→frame wall  from just before ``pilot.press(key)`` to the end of the first compositor
                      frame that shows the new query: key dispatch, Input editing, the Changed
                      message, filtering, rendering the visible lines, compositing, and
                      encoding to escape codes (``render_segments``, which the headless driver
                      would skip). Only the write to the tty is missing.
      key→frame CPU   the process CPU time (``time.process_time``) over the same span: the
                      same work without the time other processes held the CPU. This is the
                      figure to trust on a shared machine; wall time adds their load.
      filter          ``SearchIndex.filter`` alone (CPU), part of the above.
    Keys are 40 ms apart (fast typing), so the 60 fps frame cap never delays a frame. Each run
    starts a fresh app (cold caches) after a full ``gc.collect()``; figures pool all runs.
(b) Mount: wall time from creating the app (the ``SearchIndex`` build included) to the end of
    the first frame that shows the list, in-process. And "warm start": a fresh interpreter from
    spawn to that first frame (imports, 5,000 generated rows, mount, first frame).
(c) Peak RSS (``ru_maxrss``) of a fresh interpreter holding 50,000 rows in the widget after
    typing the query sequence (rows, index, caches, Textual).

``--nice`` raises this process's scheduling priority (needs root) so that other work on a
shared machine disturbs the wall-clock figures less. CPU figures are steadier but not immune:
a busy sibling hyperthread slows this one, and garbage collection counts (on the 2-core VM
this was written on, a full collection of ~60k tracked objects takes ~50 ms and lands on about
3 % of keys; Textual allocates ~1,500 tracked objects per keystroke).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ssotui.core.models import Assignment  # noqa: E402

KEY_TARGET_MS = {10_000: 16.0, 50_000: 50.0}
WARM_START_TARGET_S = 0.7
RSS_TARGET_MB = 150.0

TEAMS = (
    "payments billing identity search checkout ledger fraud growth platform data ml infra "
    "network security audit mobile web catalog orders shipping support crm analytics "
    "reporting risk"
).split()
PARTS = (
    "core api edge batch stream lake warehouse portal gateway sandbox shared tools ops "
    "backend frontend events cache"
).split()
ENVS = "prod staging dev test qa sandbox perf dr".split()
REGIONS = ("", "", "", "-eu", "-us", "-apac")
ROLES = (
    "AdministratorAccess ReadOnlyAccess PowerUserAccess ViewOnlyAccess Billing DataScientist "
    "DatabaseAdministrator NetworkAdministrator SecurityAudit SupportUser SystemAdministrator "
    "DeveloperAccess BreakGlass CostExplorer IncidentResponder PlatformEngineer SRE-OnCall "
    "ReadOnlyLogs"
).split()


def synthetic_rows(count: int, seed: int = 1) -> list[Assignment]:
    """``count`` assignments, 1-7 (about 4) permission sets per account, sorted by name."""
    rnd = random.Random(seed)
    rows: list[Assignment] = []
    while len(rows) < count:
        name = f"{rnd.choice(TEAMS)}-{rnd.choice(PARTS)}-{rnd.choice(ENVS)}{rnd.choice(REGIONS)}"
        if rnd.random() < 0.3:
            name += f"-{rnd.randint(1, 99):02d}"
        account_id = f"{rnd.randrange(10**11, 10**12):012d}"
        email = f"aws+{name}@acme-corp.example.com"
        for role in rnd.sample(ROLES, rnd.randint(1, 7)):
            rows.append(Assignment(account_id, name, email, role))
    rows = rows[:count]
    rows.sort(key=lambda r: (r.account_name.lower(), r.account_id, r.role_name))
    return rows


def seed_session(session, count: int, seed: int = 1) -> list[Assignment]:
    """Save ``count`` synthetic rows as ``session``'s complete inventory cache, and a token valid
    for an hour (the picker then starts warm, with no login): the rows, for the caller."""
    from datetime import timedelta

    from ssotui.core import timeutil
    from ssotui.core.inventory import Inventory, InventoryCache
    from ssotui.core.models import Account
    from ssotui.core.tokencache import TokenCache
    from ssotui.core.tokens import Token

    rows = synthetic_rows(count, seed)
    accounts: dict[str, Account] = {}
    roles: dict[str, list[str]] = {}
    for r in rows:
        accounts.setdefault(r.account_id, Account(r.account_id, r.account_name, r.email))
        roles.setdefault(r.account_id, []).append(r.role_name)
    inventory = Inventory(
        list(accounts.values()), {k: tuple(v) for k, v in roles.items()}, timeutil.utcnow(), True
    )
    InventoryCache().save(session, inventory)
    token = Token(session.start_url, session.region, "x", timeutil.utcnow() + timedelta(hours=1))
    TokenCache(session).save_token(token)
    return inventory.assignments()


def key_sequence(rows: list[Assignment]) -> list[str]:
    """Keys for: "prod pay", clear, "admin", clear, an account id prefix, clear."""
    account_prefix = rows[len(rows) // 3].account_id[:6]
    keys: list[str] = []
    for text in ("prod pay", "admin", account_prefix):
        keys += ["space" if char == " " else char for char in text]
        keys += ["backspace"] * len(text)
    return keys


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# -- in-process measurements --------------------------------------------------------------------


def make_app(rows: list[Assignment]):
    """A picker-shaped app (Input above the list) that records every frame it draws."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from ssotui.tui.picker.assignment_list import AssignmentList

    class BenchApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            # (wall time, process CPU time, the list's query) at the end of each frame
            self.frames: list[tuple[float, float, str]] = []
            self.filter_ms: list[float] = []

        def compose(self) -> ComposeResult:
            yield Input(placeholder="filter", id="filter")
            yield AssignmentList(rows, id="list")

        def on_mount(self) -> None:
            self.query_one(Input).cursor_blink = False

        def on_input_changed(self, event: Input.Changed) -> None:
            assignments = self.query_one(AssignmentList)
            start = time.process_time()
            assignments._index.filter(event.value)  # timed alone; set_query then hits its cache
            self.filter_ms.append((time.process_time() - start) * 1000)
            assignments.set_query(event.value)

        def _display(self, screen, renderable) -> None:  # type: ignore[override]
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # what a real terminal would get
            super()._display(screen, renderable)
            lists = self.screen.query(AssignmentList)
            if self.is_running and lists:
                self.frames.append((time.perf_counter(), time.process_time(), lists[0].query))

    return BenchApp()


async def measure_keystrokes(rows: list[Assignment]) -> dict[str, list[float]]:
    gc.collect()  # start clean: earlier runs leave cyclic garbage behind
    app = make_app(rows)
    result: dict[str, list[float]] = {"wall": [], "cpu": [], "filter": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        expected = ""
        for key in key_sequence(rows):
            expected = (
                expected[:-1] if key == "backspace" else expected + (key, " ")[key == "space"]
            )
            await asyncio.sleep(0.04)
            frames_before = len(app.frames)
            wall, cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            for _ in range(500):
                shown = [f for f in app.frames[frames_before:] if f[2] == expected]
                if shown:
                    break
                await asyncio.sleep(0.001)
            else:
                raise RuntimeError(f"no frame showed {expected!r}")
            result["wall"].append((shown[0][0] - wall) * 1000)
            result["cpu"].append((shown[0][1] - cpu) * 1000)
            result["filter"].append(app.filter_ms[-1])
    return result


async def measure_mount(rows: list[Assignment]) -> float:
    """Seconds from creating the app to the end of its first frame."""
    start = time.perf_counter()
    app = make_app(rows)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(5000):
            if app.frames:
                break
            await pilot.pause(0.001)
        return app.frames[0][0] - start


# -- fresh-interpreter measurements -------------------------------------------------------------

CHILD_WARM_START = """
import sys, time
sys.path[:0] = [{root!r}, {bench_dir!r}]
import asyncio, json
import picker_bench
rows = picker_bench.synthetic_rows({rows})
ready = time.perf_counter()
mount = asyncio.run(picker_bench.measure_mount(rows))
clock = time.time() - time.perf_counter()
print(json.dumps({{"before_app": ready, "mount": mount, "clock": clock}}))
"""

CHILD_RSS = """
import sys
sys.path[:0] = [{root!r}, {bench_dir!r}]
import asyncio, json, resource
import picker_bench

async def main():
    rows = picker_bench.synthetic_rows({rows})
    app = picker_bench.make_app(rows)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for key in picker_bench.key_sequence(rows):
            await pilot.press(key)
        await pilot.pause()
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

print(json.dumps({{"rss_mb": asyncio.run(main())}}))
"""


def run_child(template: str, rows: int) -> tuple[dict[str, float], float]:
    """Run a snippet in a fresh interpreter; returns its JSON figures and the spawn time."""
    here = Path(__file__).resolve().parent
    code = template.format(root=str(here.parent), bench_dir=str(here), rows=rows)
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1]), spawned


def warm_start(rows: int) -> dict[str, float]:
    """Spawn → first frame, split into interpreter+imports+rows and mount+first frame."""
    figures, spawned = run_child(CHILD_WARM_START, rows)
    clock = figures["clock"]  # time.time() - perf_counter() in the child
    before_app = figures["before_app"] + clock - spawned
    return {
        "before_app": before_app,
        "mount": figures["mount"],
        "total": before_app + figures["mount"],
    }


# -- report ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--nice", action="store_true", help="raise scheduling priority")
    args = parser.parse_args()
    if args.nice:
        os.nice(-10)

    statuses: list[str] = []

    def row(label: str, value: str, target: str = "", ok: bool | None = None) -> None:
        status = "" if ok is None else ("PASS" if ok else "FAIL")
        statuses.append(status)
        print(f"  {label:<40} {value:>15} {target:>8} {status}", flush=True)

    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (others' work skews wall)"
    )
    print(
        f"\nKeystroke → repaint ({args.runs} runs × {len(key_sequence(synthetic_rows(10)))} keys)"
    )
    print(f"  {'':<40} {'p50 / p95 ms':>15} {'target':>8}")
    for count in args.rows:
        rows = synthetic_rows(count)
        pooled: dict[str, list[float]] = {"wall": [], "cpu": [], "filter": []}
        for _ in range(args.runs):
            for name, values in asyncio.run(measure_keystrokes(rows)).items():
                pooled[name] += values
        target = KEY_TARGET_MS.get(count)
        for name, label in (
            ("filter", "filter"),
            ("cpu", "key→frame CPU"),
            ("wall", "key→frame wall"),
        ):
            p50, p95 = percentile(pooled[name], 0.5), percentile(pooled[name], 0.95)
            judged = target is not None and name != "filter"
            row(
                f"{count:>6} rows  {label}",
                f"{p50:.1f} / {p95:.1f}",
                f"≤{target:.0f}" if judged else "",
                p95 <= target if judged else None,
            )

    print("\nMount to first frame (median of runs)")
    for count in sorted({5_000, 50_000, *args.rows}):
        rows = synthetic_rows(count)
        seconds = statistics.median(asyncio.run(measure_mount(rows)) for _ in range(args.runs))
        row(f"{count:>6} rows, in-process", f"{seconds:.3f} s")
    starts = [warm_start(5_000) for _ in range(args.runs)]
    row(
        " 5000 rows, interpreter+imports+rows",
        f"{statistics.median(s['before_app'] for s in starts):.3f} s",
    )
    row(
        " 5000 rows, then mount+first frame",
        f"{statistics.median(s['mount'] for s in starts):.3f} s",
    )
    total = statistics.median(s["total"] for s in starts)
    row(
        " 5000 rows, spawn→first frame",
        f"{total:.3f} s",
        f"≤{WARM_START_TARGET_S}",
        total <= WARM_START_TARGET_S,
    )

    print("\nPeak RSS, fresh interpreter, 50,000 rows (median of 3)")
    rss = statistics.median(run_child(CHILD_RSS, 50_000)[0]["rss_mb"] for _ in range(3))
    row("ru_maxrss", f"{rss:.0f} MB", f"≤{RSS_TARGET_MB:.0f}", rss <= RSS_TARGET_MB)

    print(f"\nload average {os.getloadavg()[0]:.2f}")
    failed = statuses.count("FAIL")
    print("All targets met." if not failed else f"{failed} target(s) missed.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
