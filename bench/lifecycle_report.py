"""Lifecycle benchmark: the report of one database's run and the summary table."""

from __future__ import annotations

import os
import time

from lifecycle_record import pct

TARGETS = {
    "service_1p": 300.0,  # steps/s, PostgreSQL, one process
    "p95_ms": 10.0,
    "ratio": 3.0,
    "http": 150.0,  # steps/s with auth
}


def mark(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def report(res: dict) -> str:
    kind = res["kind"]
    svc, cold, eng = res["service"], res["cold"], res["engine"]
    rounds = res["rounds"]
    median = sorted(rounds, key=lambda r: r["sps"])[len(rounds) // 2]
    floor = res["floor_ms"]
    sps = median["sps"]
    full_ms = median["full_ms"]
    cold_ms = cold["wall"] / cold["steps"] * 1e3
    ratio = median["ratio"]
    ratio_cold = cold_ms / (eng["cold_step_ms"] + floor)
    p95_all = pct(svc["rec"].all(), 0.95) * 1e3
    pg = kind == "postgresql"
    tgt = "(target applies to PostgreSQL)" if not pg else ""
    lines = [
        f"Minqing lifecycle benchmark — {kind} — {res['cases']} cases, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S')}, {os.cpu_count()} CPUs, load average at the end "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"cases closed at the end: warm {res['closed']}/{res['cases']}, cold "
        f"{res['cold_closed']}/{res['cases']}, 2-proc {res['two']['closed']}/{res['two']['cases']},"
        f" gunicorn {res['gunicorn']['closed']}/{res['cases']}",
        "",
        "Throughput (steps/s; a step = accept or one action)",
        f"  service, 1 process, warm cache : {sps:8.1f}  (median of {len(rounds)} rounds, "
        f"{full_ms:.2f} ms/step)   target >= {TARGETS['service_1p']:.0f} "
        f"{mark(sps >= TARGETS['service_1p'])} {tgt}",
        f"                     all rounds  : {svc['sps']:8.1f}  ({svc['steps']} steps)",
        f"  service, 1 process, cold cache : {cold['sps']:8.1f}  ({cold_ms:.2f} ms/step)",
        f"  service, 2 processes (total)   : {res['two']['sps']:8.1f}  (p95 "
        f"{res['two']['p95_ms']:.1f} ms, {res['two']['retries']} busy retries)",
        f"  HTTP+auth, Flask test client   : {res['http_tc']['sps']:8.1f}   (in process, one "
        "request at a time: the cost of a request, not the server's rate)",
        f"  HTTP+auth, gunicorn -w 2, 2 cl.: {res['gunicorn']['sps']:8.1f}   target >= "
        f"{TARGETS['http']:.0f} {mark(res['gunicorn']['sps'] >= TARGETS['http'])}  (p50 "
        f"{res['gunicorn']['p50_ms']:.1f} ms, p95 {res['gunicorn']['p95_ms']:.1f} ms)",
        "",
        "Latency per action, ms (p50 / p95)",
        f"  {'action':<18} {'n':>6}  {'service warm':>15}  {'service cold':>15}  "
        f"{'HTTP test cl.':>15}  {'gunicorn':>15}",
    ]
    recs = (svc["rec"], cold["rec"], res["http_tc"]["rec"], res["gunicorn"]["rec"])
    order = ["accept", "transfer", "sign", "co_reply", "reply", "revisit"]
    order += sorted(set(svc["rec"].lat) - set(order))
    for action in order:
        cols = []
        for r in recs:
            v = r.lat.get(action, [])
            cols.append(f"{pct(v, 0.5) * 1e3:6.2f} / {pct(v, 0.95) * 1e3:6.2f}")
        lines.append(f"  {action:<18} {len(svc['rec'].lat[action]):>6}  " + "  ".join(cols))
    all_cols = [f"{pct(r.all(), 0.5) * 1e3:6.2f} / {pct(r.all(), 0.95) * 1e3:6.2f}" for r in recs]
    lines.append(f"  {'ALL':<18} {svc['steps']:>6}  " + "  ".join(all_cols))
    no_accept = [x for a, v in svc["rec"].lat.items() if a != "accept" for x in v]
    lines += [
        f"  service warm p95 over all steps: {p95_all:.2f} ms  target <= {TARGETS['p95_ms']:.0f} "
        f"{mark(p95_all <= TARGETS['p95_ms'])} {tgt}; without accept: "
        f"{pct(no_accept, 0.95) * 1e3:.2f} ms",
        "",
        "Stored state (workflow_instance.state at the end, zlib+orjson, no spec)",
        f"  mean {res['state_mean']:.0f} B, max {res['state_max']} B "
        f"(in-memory run: mean {eng['size_mean']:.0f} B)",
        "",
        f"Engine in memory ({eng['steps']} steps, compiled spec, no database), ms per step",
        f"  start {eng['start_ms']:.3f} | load {eng['load_ms']:.3f} | complete "
        f"{eng['complete_ms']:.3f} | ready_tasks {eng['ready_ms']:.3f} | dump {eng['dump_ms']:.3f}",
        f"  warm step (complete + 2x ready_tasks + dump) = {eng['warm_step_ms']:.3f} ms; "
        f"cold step (+ load) = {eng['cold_step_ms']:.3f} ms",
        f"Database floor (UPDATE + INSERT + commit via the app's session): {floor:.3f} ms/step",
        "Rounds, each measured back to back (warm service, then engine, then floor)",
        f"  {'round':<6} {'steps':>6} {'steps/s':>8} {'ms/step':>8} {'engine':>7} {'floor':>6} "
        f"{'ratio':>6}",
        *(
            f"  {i + 1:<6} {r['steps']:>6} {r['sps']:8.1f} {r['full_ms']:8.2f} "
            f"{r['engine_ms']:7.2f} {r['floor_ms']:6.2f} {r['ratio']:5.2f}x"
            for i, r in enumerate(rounds)
        ),
        "The median round (by steps/s) stands for the run in the lines above and below.",
        f"Ratio full step / (engine step + floor): warm {full_ms:.2f} / "
        f"({eng['warm_step_ms']:.2f} + {floor:.2f}) = {ratio:.2f}x   target <= "
        f"{TARGETS['ratio']:.0f}x {mark(ratio <= TARGETS['ratio'])} {tgt}",
        f"                                         cold {cold_ms:.2f} / "
        f"({eng['cold_step_ms']:.2f} + {floor:.2f}) = {ratio_cold:.2f}x",
    ]
    res["summary"] = {
        "service_sps": sps,
        "service_sps_range": (min(r["sps"] for r in rounds), max(r["sps"] for r in rounds)),
        "cold_sps": cold["sps"],
        "two_sps": res["two"]["sps"],
        "p95_ms": p95_all,
        "p95_no_accept_ms": pct(no_accept, 0.95) * 1e3,
        "ratio": ratio,
        "ratio_cold": ratio_cold,
        "engine_warm_ms": eng["warm_step_ms"],
        "engine_cold_ms": eng["cold_step_ms"],
        "floor_ms": floor,
        "full_ms": full_ms,
        "state_mean": res["state_mean"],
        "state_max": res["state_max"],
        "http_tc_sps": res["http_tc"]["sps"],
        "http_gunicorn_sps": res["gunicorn"]["sps"],
    }
    if res.get("profile"):
        lines += ["", "cProfile of the warm service path", res["profile"]]
    return "\n".join(lines)


SUMMARY_ROWS = [
    ("service steps/s, 1 proc (warm)", "service_sps", "{:.1f}", ">= 300 (PG)"),
    ("  rounds min / max", "service_sps_range", "{:.1f}", ""),
    ("service steps/s, 1 proc (cold)", "cold_sps", "{:.1f}", ""),
    ("service steps/s, 2 procs total", "two_sps", "{:.1f}", ""),
    ("p95 ms, all steps (warm)", "p95_ms", "{:.2f}", "<= 10 (PG)"),
    ("p95 ms, without accept (warm)", "p95_no_accept_ms", "{:.2f}", ""),
    ("full step ms (warm)", "full_ms", "{:.2f}", ""),
    ("engine step ms (warm / cold)", ("engine_warm_ms", "engine_cold_ms"), "{:.2f}", ""),
    ("DB floor ms/step", "floor_ms", "{:.2f}", ""),
    ("ratio full/(engine+floor) warm", "ratio", "{:.2f}x", "<= 3x (PG)"),
    ("ratio full/(engine+floor) cold", "ratio_cold", "{:.2f}x", ""),
    ("state bytes mean / max", ("state_mean", "state_max"), "{:.0f}", ""),
    ("HTTP+auth steps/s, test client", "http_tc_sps", "{:.1f}", ""),
    ("HTTP+auth steps/s, gunicorn -w2", "http_gunicorn_sps", "{:.1f}", ">= 150"),
]


def summary_table(results: list[dict]) -> str:
    head = f"{'metric':<34}" + "".join(f"{r['kind']:>16}" for r in results) + f"{'target':>14}"
    lines = ["", "SUMMARY", head, "-" * len(head)]
    for label, key, fmt, target in SUMMARY_ROWS:
        cells = []
        for r in results:
            s = r["summary"]
            if isinstance(key, tuple):
                cells.append(" / ".join(fmt.format(s[k]) for k in key))
            elif isinstance(s[key], tuple):
                cells.append(" / ".join(fmt.format(v) for v in s[key]))
            else:
                cells.append(fmt.format(s[key]))
        lines.append(f"{label:<34}" + "".join(f"{c:>16}" for c in cells) + f"{target:>14}")
    return "\n".join(lines)
