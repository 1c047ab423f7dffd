"""Issue 12 benchmarks, as functions the runner (run.py) can call, and a ``__main__``.

- **B8**: 12 parallel ``credential-process`` by account name on a cold cache, against a portal
  at 20 requests/s (300 accounts, 30 ms latency). All 12 must succeed; reports the portal
  calls they made together against one process's.
- **B9**: warm ``exec -- true``, ``env``, ``credential-process`` and ``console --print`` as a
  ratio to ``python -c pass`` measured in the same run (median of ``runs``, spawn to exit, the
  commands taking turns).
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PY, emulator, isolated_env, login  # noqa: E402

SESSION = ["--sso-session", "bench"]
HTTP_FLOOR = "python -c 'import ssl, urllib.request'"
B8_ACCOUNTS = 300
B8_CALLERS = 12


def _calls(stats: dict) -> dict:
    ops = ("ListAccounts", "ListAccountRoles", "GetRoleCredentials")
    return {op: stats["calls"].get(op, 0) for op in ops}


def _parallel(argv: list[str], env: dict, count: int) -> list[subprocess.CompletedProcess]:
    procs = [
        subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(argv, proc.returncode, out, err))
    return done


def _first_account(url: str, env: dict) -> tuple[str, str, str]:
    from ssotui.emulator.org import generate_org

    del url, env
    account = generate_org(B8_ACCOUNTS).accounts[0]
    return account.name, account.account_id, account.roles[0]


def b8(tmp: Path, runs: int = 1) -> dict:
    """12 parallel cold callers by name at 20 req/s; portal calls against one process's."""
    with emulator(B8_ACCOUNTS, 30, 20, stats=True) as (url, (read_stats, reset, _knob)):
        name, _account_id, role = _first_account(url, {})
        argv = [PY, "-m", "ssotui", "credential-process", name, role, *SESSION]
        one, many, failed = [], [], []
        for run in range(max(1, runs)):
            env = isolated_env(tmp / f"b8-one-{run}", url)
            login(env)
            reset()
            time.sleep(1.0)  # let the emulator's bucket refill
            single = _parallel(argv, env, 1)[0]
            if single.returncode != 0:
                raise RuntimeError(f"B8: one caller failed: {single.stderr[-400:]}")
            one.append(_calls(read_stats()))
            env = isolated_env(tmp / f"b8-many-{run}", url)
            login(env)
            reset()
            time.sleep(1.0)
            results = _parallel(argv, env, B8_CALLERS)
            failed.append(sum(1 for r in results if r.returncode != 0))
            many.append(_calls(read_stats()))
    return {
        "callers": B8_CALLERS,
        "failed": failed,
        "all_succeeded": not any(failed),
        "one_process_calls": one,
        "parallel_calls": many,
        "ratio": [
            sum(m.values()) / max(1, sum(o.values())) for o, m in zip(one, many, strict=True)
        ],
    }


def _medians(commands: dict[str, list[str]], env: dict, runs: int) -> dict[str, float]:
    """Spawn-to-exit median of each command, run in turns (one of each per round), so that
    load that comes and goes on the machine hits every command alike."""
    times: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True)
            times[label].append(time.perf_counter() - start)
    return {label: statistics.median(found) for label, found in times.items()}


def launcher() -> list[str]:
    """How a user starts ssotui: the ``ssotui`` script pip installed beside this Python, else
    ``python -m ssotui`` (which also imports runpy)."""
    script = Path(PY).with_name("ssotui")
    return [str(script)] if script.is_file() else [PY, "-m", "ssotui"]


def b9(tmp: Path, runs: int = 20) -> dict:
    """Warm everyday commands against ``python -c pass`` (median of ``runs`` each)."""
    with emulator(12, 0) as (url, _none):  # no latency: only console --print calls out
        env = isolated_env(tmp / "b9", url)
        login(env)
        from ssotui.emulator.org import generate_org

        account = generate_org(12).accounts[0]
        target = [account.name, account.roles[0], *SESSION]
        ssotui = launcher()
        subprocess.run(
            [*ssotui, "credential-process", *target], env=env, check=True, capture_output=True
        )
        commands = {
            "exec -- true": [*ssotui, "exec", *target, "--", "true"],
            "env": [*ssotui, "env", *target],
            "credential-process": [*ssotui, "credential-process", *target],
            "console --print": [*ssotui, "console", *target, "--print"],
        }
        http_floor = [PY, "-c", "import ssl, urllib.request"]  # what any HTTPS call imports
        result = _medians(
            {"python -c pass": [PY, "-c", "pass"], HTTP_FLOOR: http_floor, **commands}, env, runs
        )
        bare = result["python -c pass"]
    return {
        "runs": runs,
        "launcher": " ".join(Path(part).name for part in launcher()),
        "seconds": result,
        "ratio": {
            k: v / bare for k, v in result.items() if k not in ("python -c pass", HTTP_FLOOR)
        },
    }


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    tmp = Path(tempfile.mkdtemp(prefix="ssotui-callers-"))
    try:
        print("B9", json.dumps(b9(tmp, runs), indent=1))
        print("B8", json.dumps(b8(tmp, 1), indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
