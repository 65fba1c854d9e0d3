#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise gntbench runs: ours against in-tree, per kernel.

usage: report.py RESULTS [--out DIR] [--no-plot]

RESULTS is searched recursively for the r<round>-<set>.json files that
run-in-dom0.sh writes (one per gntbench run). For every kernel, workload
and module set the median over the rounds is taken; the ratio is
median(ours) / median(in-tree) of the time per operation, so lower is
better everywhere. Written to DIR (default: RESULTS):

  bench.md    the tables (also printed)
  bench.json  everything: per-round values, medians, ratios, targets
  bench.png   bar chart of the ratios with a line at 1.0 (needs gnuplot)
  bench.dat, bench.gp   the plot's data and gnuplot script

Only numbers are reported: the exit status is 0 whenever the report
could be written, whatever the ratios.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys

# Ratio ours/in-tree to reach, from the issues: at most this for the
# workloads where lower is better (a time, bytes), at least this where a
# higher number is better (HIGHER: a rate; gntbench says so per workload
# with "higher_is_better").
TARGETS = {
    "map_cycle_1": 1.05,
    "map_cycle_1024": 0.8,
    "copy_1024x128B": 0.5,
    "alloc_cycle_1024": 0.7,
    "xs_map_cycle": 0.2,
    "kmem_1x65536": 0.5,
    "kmem_65536x1": 0.5,
    "procs_map_cycle_1": 1.2,
    "procs_map_cycle_64": 1.2,
}
HIGHER = {"procs_map_cycle_1", "procs_map_cycle_64"}


def target_str(n, t):
    return (">= " if n in HIGHER else "<= ") + str(t)


def meets(n, ratio, t):
    return ratio >= t if n in HIGHER else ratio <= t


# Bulk GRANT_COPY of ours against memcpy_4M of the same run set.
BULK = [
    "copy_4M_seg4k_to_grant",
    "copy_4M_seg4k_from_grant",
    "copy_4M_buf64k_to_grant",
    "copy_4M_buf64k_from_grant",
]
# The same copies on a domU's grants (gntbench --peer-refs).
BULK += ["peer_" + n for n in BULK]
MEMCPY = "memcpy_4M"
MEMCPY_TARGET = 1.15
STATS = ["hypercalls", "batches", "map_ops", "unmap_ops", "copy_ops"]
SETS = ["intree", "ours"]
RUN_RE = re.compile(r"^r(\d+)-(ours|intree)\.json$")


def median(v):
    return statistics.median(v) if v else None


def load_runs(root):
    """{kernel: {set: [(round, doc)]}} from every r*-*.json under root."""
    runs = {}
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            m = RUN_RE.match(f)
            if not m:
                continue
            path = os.path.join(dirpath, f)
            try:
                with open(path) as fh:
                    doc = json.load(fh)
            except (OSError, ValueError) as e:
                print(f"report: skipping {path}: {e}", file=sys.stderr)
                continue
            kernel = doc.get("kernel") or os.path.basename(
                os.path.dirname(dirpath))
            doc["_path"] = path
            runs.setdefault(kernel, {}).setdefault(m.group(2), []).append(
                (int(m.group(1)), doc))
    return runs


def summarise(kernel_runs):
    """Per workload: per-set values, medians, errors; ratios; targets."""
    names = []
    per = {}
    for s in SETS:
        for rnd, doc in sorted(kernel_runs.get(s, []), key=lambda x: x[0]):
            for w in doc.get("workloads", []):
                n = w["name"]
                if n not in per:
                    names.append(n)
                    per[n] = {"what": w.get("what", ""), "unit": "us/op",
                              "higher_is_better": n in HIGHER}
                e = per[n].setdefault(s, {"rounds": [], "values": [],
                                          "mb_per_s": [], "errors": [],
                                          "per_op": {k: [] for k in STATS},
                                          "extra": {}})
                if not w.get("ok"):
                    e["errors"].append(f"round {rnd}: {w.get('error', '?')}")
                    continue
                e["rounds"].append(rnd)
                e["values"].append(w["value"])
                per[n]["unit"] = w.get("unit", "us/op")
                for k, v in (w.get("extra") or {}).items():
                    e["extra"].setdefault(k, []).append(v)
                if "mb_per_s" in w:
                    e["mb_per_s"].append(w["mb_per_s"])
                for k, v in (w.get("per_op") or {}).items():
                    if k in e["per_op"]:
                        e["per_op"][k].append(v)
    for n in names:
        w = per[n]
        for s in SETS:
            e = w.get(s)
            if not e:
                continue
            e["median"] = median(e["values"])
            e["mb_per_s_median"] = median(e["mb_per_s"])
            e["per_op_median"] = {k: median(v) for k, v in e["per_op"].items() if v}
            e["extra_median"] = {k: median(v) for k, v in e["extra"].items() if v}
        a, b = w.get("intree", {}), w.get("ours", {})
        w["ratio"] = None
        if a.get("median") and b.get("median") is not None:
            w["ratio"] = b["median"] / a["median"]
            # Ratio of each round's pair (the runs alternate A B / B A).
            va = dict(zip(a["rounds"], a["values"]))
            vb = dict(zip(b["rounds"], b["values"]))
            w["round_ratios"] = [vb[r] / va[r] for r in sorted(va) if r in vb and va[r]]
        t = TARGETS.get(n)
        w["target"] = t
        if t is not None:
            w["met"] = None if w["ratio"] is None else meets(n, w["ratio"], t)
    # Bulk copies against memcpy, within each set.
    vs_memcpy = {}
    for s in SETS:
        mc = per.get(MEMCPY, {}).get(s, {}).get("median")
        for n in BULK:
            v = per.get(n, {}).get(s, {}).get("median")
            if mc and v is not None:
                vs_memcpy.setdefault(n, {})[s] = v / mc
    for n, d in vs_memcpy.items():
        if "ours" in d:
            d["target"] = MEMCPY_TARGET
            d["met"] = d["ours"] <= MEMCPY_TARGET
    return names, per, vs_memcpy


def fmt(v, digits=1):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def cell(e):
    if not e:
        return "not run"
    if e.get("median") is None:
        return "FAILED"
    s = fmt(e["median"])
    if e["errors"]:
        s += f" ({len(e['errors'])} failed)"
    return s


def met_str(m):
    return "n/a (no data)" if m is None else ("yes" if m else "**no**")


def markdown(kernel, runs, names, per, vs_memcpy):
    out = []
    nr = {s: len(runs.get(s, [])) for s in SETS}
    out.append(f"## {kernel}")
    out.append("")
    out.append(f"Runs: {nr['intree']} in-tree, {nr['ours']} ours (alternating); "
               "values are medians over the runs of each run's median, "
               "in the unit given (us/op: microseconds per operation). "
               "Ratio = ours / in-tree: lower is better, except where the unit "
               "is a rate (ops/s), where higher is better.")
    out.append("")
    out.append("| workload | unit | in-tree | ours | ratio ours/in-tree "
               "| per-round ratios | target | met |")
    out.append("|---|---|---:|---:|---:|---|---:|---|")
    for n in names:
        w = per[n]
        rr = w.get("round_ratios") or []
        rng = f"{min(rr):.2f}-{max(rr):.2f}" if rr else "-"
        t = w.get("target")
        out.append(f"| {n} | {w.get('unit', 'us/op')} | {cell(w.get('intree'))} | "
                   f"{cell(w.get('ours'))} | {fmt(w['ratio'], 3)} | {rng} | "
                   f"{target_str(n, t) if t is not None else ''} | "
                   f"{met_str(w.get('met')) if t is not None else ''} |")
    out.append("")
    if vs_memcpy:
        out.append("GRANT_COPY of 4 MiB against a plain memcpy of 4 MiB in the same "
                   f"runs (time ratio, target for ours <= {MEMCPY_TARGET}):")
        out.append("")
        out.append("| workload | in-tree MB/s | ours MB/s | in-tree / memcpy "
                   "| ours / memcpy | met |")
        out.append("|---|---:|---:|---:|---:|---|")
        for n in BULK:
            if n not in vs_memcpy:
                continue
            d = vs_memcpy[n]
            mb = [per[n].get(s, {}).get("mb_per_s_median") for s in SETS]
            out.append(f"| {n} | {fmt(mb[0])} | {fmt(mb[1])} | "
                       f"{fmt(d.get('intree'), 2)} | {fmt(d.get('ours'), 2)} | "
                       f"{met_str(d.get('met'))} |")
        mc = [per.get(MEMCPY, {}).get(s, {}).get("mb_per_s_median") for s in SETS]
        out.append(f"| {MEMCPY} (reference) | {fmt(mc[0])} | {fmt(mc[1])} | 1 | 1 | |")
        out.append("")
    have = [n for n in names
            if any(per[n].get(s, {}).get("extra_median") for s in SETS)]
    if have:
        out.append("More numbers of these workloads (medians over the runs; "
                   "see tools/bench/README.md):")
        out.append("")
        out.append("| workload | what | in-tree | ours |")
        out.append("|---|---|---:|---:|")
        for n in have:
            keys = []
            for s in SETS:
                for k in per[n].get(s, {}).get("extra_median", {}):
                    if k not in keys:
                        keys.append(k)
            for k in keys:
                v = [per[n].get(s, {}).get("extra_median", {}).get(k) for s in SETS]
                out.append(f"| {n} | {k} | {fmt(v[0])} | {fmt(v[1])} |")
        out.append("")
    have = [n for n in names if per[n].get("ours", {}).get("per_op_median")]
    if have:
        out.append("Grant-table work per operation, ours only (xen-gnt debugfs "
                   "counters, medians; the in-tree modules have none):")
        out.append("")
        out.append("| workload | " + " | ".join(STATS) + " |")
        out.append("|---|" + "---:|" * len(STATS))
        for n in have:
            po = per[n]["ours"]["per_op_median"]
            out.append(f"| {n} | " + " | ".join(fmt(po.get(k), 2) for k in STATS) + " |")
        out.append("")
    errs = [(n, s, e) for n in names for s in SETS
            for e in per[n].get(s, {}).get("errors", [])]
    if errs:
        out.append("Failed runs:")
        out.append("")
        for n, s, e in errs:
            out.append(f"- {n} ({s}) {e}")
        out.append("")
    return out


def plot(outdir, kernels, report):
    """bench.dat + bench.gp, and bench.png if gnuplot is there."""
    names = []
    for k in kernels:
        for n in report[k]["order"]:
            if n not in names:
                names.append(n)
    dat = os.path.join(outdir, "bench.dat")
    with open(dat, "w") as f:
        f.write("# workload " + " ".join(kernels) + " target\n")
        for n in names:
            vals = []
            for k in kernels:
                r = report[k]["workloads"].get(n, {}).get("ratio")
                vals.append("NaN" if r is None else f"{r:.4f}")
            t = TARGETS.get(n)
            vals.append("NaN" if t is None else str(t))
            f.write(f"{n} " + " ".join(vals) + "\n")
    png = os.path.join(outdir, "bench.png")
    gp = os.path.join(outdir, "bench.gp")
    cols = []
    for i, k in enumerate(kernels):
        src = "'bench.dat'" if i == 0 else "''"
        xt = ":xtic(1)" if i == 0 else ""
        cols.append(f"{src} using {i + 2}{xt} title '{k}'")
    tcol = len(kernels) + 2
    cols.append(f"'' using ($0):{tcol} with points pt 9 ps 1.6 lc rgb 'red' "
                "title 'target (ratio at most)'")
    with open(gp, "w") as f:
        f.write(f"""# gnuplot script written by tools/bench/report.py
set terminal pngcairo noenhanced size {max(1400, 60 * len(names))},700 font ',10'
set output 'bench.png'
set title 'xen-gnt: ours / in-tree (lower is better; procs_*: ops/s, higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing 'NaN'
set yrange [0:*]
set ylabel 'ratio ours / in-tree'
set xtics rotate by -35 left
set grid ytics
set key top left
set bmargin 11
set rmargin 14
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 dt 2 lc rgb 'black' front
plot {', '.join(cols)}
""")
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("report: gnuplot not found (apt-get install gnuplot-nox, or "
              "tools/bench/install-deps.sh): no bench.png", file=sys.stderr)
        return None
    r = subprocess.run([gnuplot, "bench.gp"], cwd=outdir,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"report: gnuplot failed: {r.stderr.strip()}", file=sys.stderr)
        return None
    return png


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--out")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args()
    outdir = a.out or a.results
    os.makedirs(outdir, exist_ok=True)
    runs = load_runs(a.results)
    if not runs:
        print(f"report: no r<round>-<set>.json under {a.results}", file=sys.stderr)
        return 1
    kernels = sorted(runs)
    report = {}
    md = ["# xen-gnt benchmark: ours against in-tree", ""]
    for k in kernels:
        names, per, vs = summarise(runs[k])
        report[k] = {
            "runs": {s: [d["_path"] for _, d in sorted(runs[k].get(s, []),
                                                        key=lambda x: x[0])]
                     for s in SETS},
            "order": names,
            "workloads": per,
            "bulk_copy_vs_memcpy": vs,
        }
        md += markdown(k, runs[k], names, per, vs)
    summary = []
    for k in kernels:
        for n, w in report[k]["workloads"].items():
            if w.get("target") is not None:
                summary.append({"kernel": k, "workload": n, "ratio": w["ratio"],
                                "target": w["target"], "met": w.get("met")})
        for n, d in report[k]["bulk_copy_vs_memcpy"].items():
            if "target" in d:
                summary.append({"kernel": k, "workload": n + " vs " + MEMCPY,
                                "ratio": d.get("ours"), "target": d["target"],
                                "met": d.get("met")})
    md.append("## Targets")
    md.append("")
    md.append("| kernel | workload | ratio | target | met |")
    md.append("|---|---|---:|---:|---|")
    for s in summary:
        md.append(f"| {s['kernel']} | {s['workload']} | {fmt(s['ratio'], 3)} | "
                  f"{target_str(s['workload'], s['target'])} | {met_str(s['met'])} |")
    md.append("")
    png = None if a.no_plot else plot(outdir, kernels, report)
    if png:
        md.append("Plot: bench.png (ratio ours/in-tree per workload and kernel, "
                  "dashed line at 1.0, red marks at the targets).")
        md.append("")
    text = "\n".join(md)
    with open(os.path.join(outdir, "bench.md"), "w") as f:
        f.write(text)
    with open(os.path.join(outdir, "bench.json"), "w") as f:
        json.dump({"kernels": report, "targets": summary,
                   "memcpy_target": MEMCPY_TARGET}, f, indent=1, sort_keys=True)
    print(text)
    print(f"report: wrote {outdir}/bench.md, bench.json"
          + (", bench.png" if png else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
