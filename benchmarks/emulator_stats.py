"""``ssotui emulator`` with its counters readable from the parent: the same options and the same
``Emulator``, plus a stdin protocol — a line ``stats`` prints the per-operation counters (calls,
throttled, faults) as one JSON line, ``reset`` zeroes them. Used by ``benchmarks/run.py`` for B2
so that the emulator itself needs no extra route. The base URL is line 1 of stdout."""

from __future__ import annotations

import json
import sys


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
    emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
