"""Runs the real picker (``ssotui.cli.make_app`` → ``SsoTuiApp`` → ``PickerScreen``) headless in
this process and prints one JSON line with what it measured. Started by ``benchmarks/run.py``
in a fresh interpreter, with an isolated HOME/config/cache in the environment.

    picker_driver.py ready-roles   B3: until the highlighted row is a role row (actionable)
    picker_driver.py ready-cached  B4: until cached rows are painted and a row is highlighted
    picker_driver.py keys          B5/B6: type a query sequence into the filter, time each key
    picker_driver.py ready-merged  B10: as ready-cached, every configured session in one list

``SSOTUI_BENCH_SPAWN`` is the parent's ``time.time()`` just before it spawned us; times are
reported relative to it (``ready_s``), so they include interpreter start and every import.
The "ready" moment is the end of the first frame whose list painted the condition (rows, a
highlighted row; a role row for ready-roles): Textual composes and encodes that frame, only
the tty write is missing.
"""

from __future__ import annotations

import time

T_START = time.time()

import asyncio  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from typing import NamedTuple  # noqa: E402

SPAWN = float(os.environ.get("SSOTUI_BENCH_SPAWN") or T_START)
SIZE = (120, 40)
# As in a terminal: `App.run_test` turns tooltips and notifications off by default, and then
# every keystroke pays for Textual's search for a tooltip widget that is not there.
AS_IN_A_TERMINAL = {"tooltips": True, "notifications": True}


def build_app():
    from ssotui.cli import make_app
    from ssotui.core.config import load_config, resolve_session
    from ssotui.core.settings import load_settings

    config = load_config()
    if os.environ.get("SSOTUI_BENCH_ALL_SESSIONS"):  # B10: ssotui --all-sessions
        return make_app(None, config, load_settings(), all_sessions=True)
    session = resolve_session(config, sso_session=os.environ.get("SSOTUI_BENCH_SESSION", "bench"))
    return make_app(session, config, load_settings())


def install_frame_spy(frames: list):
    """Record ``Frame(wall, cpu, query, rows, row)`` at the end of every frame the app composes,
    where query, rows and row are what the list showed when it last *painted*: its filter, its
    row count and its highlighted row. A frame that repaints only the filter box still shows
    the old rows, and must not count as showing the new query."""
    import textual.app
    from textual._compositor import CompositorUpdate

    from ssotui.tui.picker.assignment_list import AssignmentList

    display = textual.app.App._display
    render_lines = AssignmentList.render_lines
    painted = {"query": None, "rows": 0, "row": None}

    def paint(self, crop):
        painted.update(query=self.query, rows=self.total_count, row=self.highlighted)
        return render_lines(self, crop)

    def spy(self, screen, renderable):
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)  # what a real terminal would get
        display(self, screen, renderable)
        frames.append(Frame(time.time(), time.process_time(), **painted))

    AssignmentList.render_lines = paint
    textual.app.App._display = spy


class Frame(NamedTuple):
    wall: float
    cpu: float
    query: str | None
    rows: int
    row: object  # the highlighted Assignment, or None


async def ready(mode: str) -> dict:
    frames: list = []
    install_frame_spy(frames)
    app = build_app()
    result: dict = {"imports_s": T_START - SPAWN}
    async with app.run_test(size=SIZE, **AS_IN_A_TERMINAL) as pilot:
        from ssotui.tui.picker.state import is_placeholder

        def met(frame: Frame) -> bool:
            if frame.rows == 0 or frame.row is None:
                return False
            return mode != "ready-roles" or not is_placeholder(frame.row)

        deadline = time.time() + 60
        while time.time() < deadline:
            # The first frame that painted the condition (rows, a highlighted row, a role row
            # for ready-roles): what the user saw then, however long we took to notice.
            frame = next((f for f in frames if met(f)), None)
            if frame is not None:
                result["ready_s"] = frame.wall - SPAWN
                result["rows"] = frame.rows
                result["highlighted"] = list(frame.row.key)
                result["network_libraries"] = sorted(
                    m for m in ("boto3", "botocore") if m in sys.modules
                )
                break
            await asyncio.sleep(0.002)
        else:
            raise SystemExit(f"picker never became ready ({mode})")
        await pilot.pause()
    return result


def send_key(app, key: str) -> None:
    """Hand a key to the app the way the terminal driver does (``driver.send_message``), and
    return at once: ``pilot.press`` would also spin in ``wait_for_idle`` and walk every
    widget's queue, which costs CPU in the very loop being measured."""
    import unicodedata

    from textual import events
    from textual.keys import _get_unicode_name_from_key

    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(key))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


def key_sequence(account_prefix: str) -> list[str]:
    """Keys for: "prod pay", clear, "admin", clear, an account id prefix, clear."""
    keys: list[str] = []
    for text in ("prod pay", "admin", account_prefix):
        keys += ["space" if char == " " else char for char in text]
        keys += ["backspace"] * len(text)
    return keys


async def keys(settle: float) -> dict:
    frames: list = []
    install_frame_spy(frames)
    app = build_app()
    result: dict = {"wall_ms": [], "cpu_ms": []}
    async with app.run_test(size=SIZE, **AS_IN_A_TERMINAL) as pilot:
        screen = app.screen
        while getattr(getattr(screen, "rows", None), "total_count", 0) == 0:
            await pilot.pause(0.01)
            screen = app.screen
        # The revalidation of the cached list (against a closed port: offline) ends with the
        # offline banner, a relayout; measure typing after it, not across it.
        deadline = time.time() + 60
        while screen.state.loading and time.time() < deadline:
            await pilot.pause(0.05)
        await asyncio.sleep(settle)
        rows = screen.rows
        result["rows"] = rows.total_count
        expected = ""
        for key in key_sequence(os.environ.get("SSOTUI_BENCH_PREFIX", "12345")):
            expected = (
                expected[:-1] if key == "backspace" else expected + (key, " ")[key == "space"]
            )
            await asyncio.sleep(0.04)
            before = len(frames)
            wall, cpu = time.time(), time.process_time()
            send_key(app, key)
            for _ in range(2000):
                shown = [f for f in frames[before:] if f.query == expected]
                if shown:
                    break
                await asyncio.sleep(0.001)
            else:
                raise SystemExit(f"no frame showed {expected!r}")
            result["wall_ms"].append((shown[0].wall - wall) * 1000)
            result["cpu_ms"].append((shown[0].cpu - cpu) * 1000)
        await pilot.pause()
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["gc_frozen"] = gc.get_freeze_count()
    return result


def main() -> None:
    mode = sys.argv[1]
    if mode in ("ready-roles", "ready-cached"):
        out = asyncio.run(ready(mode))
    elif mode == "ready-merged":
        os.environ["SSOTUI_BENCH_ALL_SESSIONS"] = "1"
        out = asyncio.run(ready(mode))
    elif mode == "keys":
        out = asyncio.run(keys(float(os.environ.get("SSOTUI_BENCH_SETTLE", "0.5"))))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(out), flush=True)
    os._exit(0)  # do not wait for the background loader's threads


if __name__ == "__main__":
    main()
