"""Picker benchmark: keystroke latency, mount time and memory of the assignment list.

Run: .venv/bin/python benchmarks/picker_bench.py [--rows 10000 50000] [--runs 5]

Everything runs headless (``App.run_test(size=(120, 40))``) on synthetic rows (fixed seed,
~4 permission sets per account, realistic names, ids, roles and emails). What is measured:

(a) Keystroke latency, in a test app shaped like the picker (an ``Input`` whose ``Changed``
    handler calls ``AssignmentList.set_query``). The query sequence types "prod pay", backspaces
    it away, types "admin", backspaces, types an account id prefix, backspaces. Per keystroke:
      key→frame  wall time from just before ``pilot.press(key)`` to the end of the first
                 compositor frame that shows the new query: key dispatch, Input editing, the
                 Changed message, filtering, layout, rendering the visible lines and encoding
                 them to terminal escape codes (``render_segments``, which the headless driver
                 would otherwise skip). Only the final write to the tty is missing.
      work       CPU time (``thread_time``, so other processes do not count) of ``set_query``
                 plus the compositor frames that follow the key (``_on_timer_update``: layout,
                 rendering, encoding). The widget's share, minus Input and event-loop hops.
      filter     ``SearchIndex.filter`` alone (inside ``set_query``).
    Keystrokes are spaced 40 ms apart like fast typing, so the 60 fps frame cap never delays a
    frame. Each run uses a fresh app (cold caches); figures are pooled over runs.
(b) Mount: wall time from creating the app (including the ``SearchIndex`` build) to the end of
    the first frame that shows the list, in-process, for 5,000 and 50,000 rows. Plus a cold
    subprocess "warm start": interpreter start + imports + mount + first frame, for 5,000 rows.
(c) Peak RSS (``ru_maxrss``) of a subprocess holding 50,000 rows in the widget after a few
    queries (rows, index, caches, Textual).
"""

from __future__ import annotations

import argparse
import asyncio
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

TARGETS = {
    "key_p95_10000": 16.0,
    "key_p95_50000": 50.0,
    "warm_start_5000": 0.7,
    "rss_50000_mb": 150.0,
}

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
    """A picker-shaped app: Input above the list; frames are timed and encoded."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    from ssotui.tui.widgets import AssignmentList

    class BenchApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.frames: list[tuple[float, str]] = []  # (end time, list query at that frame)
            self.frame_cpu: list[float] = []
            self.filter_ms: list[float] = []
            self.set_query_ms: list[float] = []

        def compose(self) -> ComposeResult:
            yield Input(placeholder="filter", id="filter")
            yield AssignmentList(rows, id="list")

        def on_mount(self) -> None:
            self.query_one(Input).cursor_blink = False

        def on_input_changed(self, event: Input.Changed) -> None:
            # CPU time (thread_time), so other processes on the machine do not count.
            assignments = self.query_one(AssignmentList)
            start = time.thread_time()
            assignments._index.filter(event.value)  # the filter alone; set_query then hits
            middle = time.thread_time()  # its cache, so filter + set_query = one real set_query
            assignments.set_query(event.value)
            end = time.thread_time()
            self.filter_ms.append((middle - start) * 1000)
            self.set_query_ms.append((end - start) * 1000)

        def _display(self, screen, renderable) -> None:  # type: ignore[override]
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                renderable.render_segments(self.console)  # what a real terminal would get
            super()._display(screen, renderable)
            if self.is_running and self.screen.query("#list"):
                query = self.query_one(AssignmentList).query
                self.frames.append((time.perf_counter(), query))

    return BenchApp()


def patch_frame_timer() -> list[tuple[float, str | None]]:
    """Time every compositor frame (``Screen._on_timer_update``) in CPU seconds.

    Returns the list it fills with (cpu seconds, the list's query after the frame).
    """
    from textual.css.query import NoMatches
    from textual.screen import Screen

    original = Screen._on_timer_update
    if getattr(original, "_bench_frames", None) is not None:
        return original._bench_frames  # type: ignore[attr-defined]
    frames: list[tuple[float, str | None]] = []

    def timed(self: Screen) -> None:
        start = time.thread_time()
        original(self)
        cpu = time.thread_time() - start
        try:
            query = self.query_one("#list").query  # type: ignore[attr-defined]
        except NoMatches:
            query = None
        frames.append((cpu, query))

    timed._bench_frames = frames  # type: ignore[attr-defined]
    Screen._on_timer_update = timed  # type: ignore[method-assign]
    return frames


async def measure_keystrokes(rows: list[Assignment]) -> dict[str, list[float]]:
    timed_frames = patch_frame_timer()
    app = make_app(rows)
    result: dict[str, list[float]] = {"key": [], "work": [], "filter": []}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        expected = ""
        for key in key_sequence(rows):
            if key == "backspace":
                expected = expected[:-1]
            else:
                expected += " " if key == "space" else key
            await asyncio.sleep(0.04)
            frames_before = len(app.frames)
            timed_before = len(timed_frames)
            queries_before = len(app.set_query_ms)
            start = time.perf_counter()
            await pilot.press(key)
            for _ in range(200):
                shown = [t for t, q in app.frames[frames_before:] if q == expected]
                if shown:
                    break
                await asyncio.sleep(0.001)
            else:
                raise RuntimeError(f"no frame showed {expected!r}")
            result["key"].append((shown[0] - start) * 1000)
            # CPU of the frames up to and including the first one that showed the query.
            frames_cpu = 0.0
            for cpu, query in timed_frames[timed_before:]:
                frames_cpu += cpu
                if query == expected:
                    break
            if len(app.set_query_ms) > queries_before:
                result["filter"].append(app.filter_ms[-1])
                result["work"].append(app.set_query_ms[-1] + frames_cpu * 1000)
    return result


async def measure_mount(rows: list[Assignment]) -> float:
    start = time.perf_counter()
    app = make_app(rows)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(2000):
            if app.frames:
                break
            await pilot.pause(0.001)
        return app.frames[0][0] - start


# -- subprocess measurements --------------------------------------------------------------------

CHILD_WARM_START = """
import time, sys
start = time.perf_counter()
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench_dir!r})
import asyncio, json
import picker_bench
rows = picker_bench.synthetic_rows({rows})
generated = time.perf_counter()
elapsed = asyncio.run(picker_bench.measure_mount(rows))
print(json.dumps({{"import_and_rows": generated - start, "mount": elapsed,
                   "total": time.perf_counter() - start}}))
"""

CHILD_RSS = """
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench_dir!r})
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


def run_child(template: str, rows: int) -> dict[str, float]:
    bench_dir = str(Path(__file__).resolve().parent)
    root = str(Path(__file__).resolve().parent.parent)
    code = template.format(root=root, bench_dir=bench_dir, rows=rows)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    figures["process_wall"] = time.perf_counter() - started
    return figures


# -- report ----------------------------------------------------------------------------------------


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return "PASS" if value <= target else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    table: list[tuple[str, str, str, str]] = []
    print(f"Load average before: {os.getloadavg()[0]:.2f} (2 cores; other work skews wall times)")

    def add(label: str, value: str, target: str = "", status: str = "") -> None:
        table.append((label, value, target, status))
        print(f"  {label:<44} {value:>16} {target:>10} {status}", flush=True)

    print(f"Keystroke latency ({args.runs} runs each, pooled; ms)")
    for count in args.rows:
        rows = synthetic_rows(count)
        pooled: dict[str, list[float]] = {"key": [], "work": [], "filter": []}
        for _ in range(args.runs):
            for name, values in asyncio.run(measure_keystrokes(rows)).items():
                pooled[name] += values
        target = TARGETS.get(f"key_p95_{count}")
        for name in ("filter", "work", "key"):
            values = pooled[name]
            p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
            label = {"key": "key→frame", "work": "work (filter+frame)", "filter": "filter"}[name]
            shown = f"{p50:.1f} / {p95:.1f}"
            is_key = name == "key"
            add(
                f"{count:>6} rows {label} p50 / p95",
                shown,
                f"≤{target:.0f}" if is_key and target else "",
                verdict(p95, target) if is_key else "",
            )

    print("Mount + first frame (in-process, median of runs; s)")
    for count in sorted({5_000, *args.rows, 50_000}):
        rows = synthetic_rows(count)
        times = [asyncio.run(measure_mount(rows)) for _ in range(args.runs)]
        add(f"{count:>6} rows mount→first frame", f"{statistics.median(times):.3f}")

    print("Warm start in a fresh interpreter (5,000 rows, median of runs; s)")
    starts = [run_child(CHILD_WARM_START, 5_000) for _ in range(args.runs)]
    total = statistics.median(s["process_wall"] for s in starts)
    add("  imports + rows", f"{statistics.median(s['import_and_rows'] for s in starts):.3f}")
    add("  mount→first frame", f"{statistics.median(s['mount'] for s in starts):.3f}")
    add("  process start→exit", f"{total:.3f}", "≤0.7", verdict(total, TARGETS["warm_start_5000"]))

    print("Peak RSS (fresh interpreter, 50,000 rows; MB)")
    rss = statistics.median(run_child(CHILD_RSS, 50_000)["rss_mb"] for _ in range(3))
    add("  ru_maxrss", f"{rss:.0f}", "≤150", verdict(rss, TARGETS["rss_50000_mb"]))

    print(f"Load average after: {os.getloadavg()[0]:.2f}")
    failed = [row for row in table if row[3] == "FAIL"]
    print("\nAll targets met." if not failed else f"\n{len(failed)} target(s) missed.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
