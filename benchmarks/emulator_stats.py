"""``ssotui emulator`` with its counters readable from the parent: the same options and the same
``Emulator``, plus a stdin protocol — a line ``stats`` prints the per-operation counters (calls,
throttled, faults) as one JSON line, ``reset`` zeroes them, ``knob NAME VALUE`` sets a live
numeric knob (``fail_rate``, ``rate_limit``, ``latency_ms``, ``retry_after``). Used by
``benchmarks/run.py`` for B2 and B7 so that the emulator itself needs no extra route. The base
URL is line 1 of stdout; every command answers one line."""

from __future__ import annotations

import json
import sys

KNOBS = ("fail_rate", "rate_limit", "latency_ms", "retry_after")


def main() -> int:
    from ssotui.emulator.cli import build_parser, from_args

    emu = from_args(build_parser().parse_args(sys.argv[1:])).start()
    print(emu.base_url, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "stats":
            stats = emu.stats
            out = {
                "calls": dict(stats.calls),
                "throttled": dict(stats.throttled),
                "faults": dict(stats.faults),
                "errors": len(stats.errors),
            }
            print(json.dumps(out), flush=True)
        elif command == "reset":
            emu.reset_stats()
            print("{}", flush=True)
        elif command.startswith("knob "):
            _, name, value = command.split()
            if name not in KNOBS:
                raise SystemExit(f"emulator_stats: unknown knob {name!r}")
            setattr(emu, name, float(value))
            print("{}", flush=True)
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
