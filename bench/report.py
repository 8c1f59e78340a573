"""Medians, ratios and targets of one benchmark run: Markdown on stdout, JSON to a file.

    python3 report.py RESULTS.tsv OUT.json key=value...
"""
import csv
import json
import statistics
import sys

# Each variant's hardware reference: the same work done by the host's own tools.
REFERENCE = {
    "seed": "host-pigz", "agent-gzip": "host-pigz", "agent-gzip-4g": "host-pigz",
    "agent-zstd": "host-zstd", "agent-none": "host-tar", "archive-api": "host-tar", "agent-pg": "pg-exec",
    "agent-gzip-aot": "host-pigz", "agent-zstd-aot": "host-zstd",
    "agent-gzip-s3": "host-pigz", "agent-gzip-age": "host-pigz", "agent-gzip-s3-aot": "host-pigz",
}
ORDER = ["seed", "host-pigz", "host-zstd", "agent-gzip", "agent-gzip-s3", "agent-gzip-age", "agent-gzip-aot", "agent-gzip-s3-aot", "agent-zstd", "agent-zstd-aot", "agent-none",
         "archive-api", "host-tar", "pg-exec", "agent-pg", "tiny-1", "tiny-20", "tiny-1-aot", "tiny-20-aot",
         "agent-gzip-4g"]
# --baseline: each A/B row as VARIANT.old and VARIANT.new.
AB_ORDER = ["archive-api", "agent-none", "agent-gzip", "agent-pg"]
AB_LIMIT = 0.03
# Start-up rows: one process each, many runs; shown in milliseconds in a table of their own.
STARTUP_ORDER = ["startup-version-jit", "startup-version-aot", "startup-status-jit", "startup-status-aot"]
NUMERIC = ["wall_s", "raw_bytes", "artifact_bytes", "rss_kb", "cpu_user_s", "cpu_sys_s", "temp_bytes", "engine_cpu_s"]


def main():
    tsv, out = sys.argv[1], sys.argv[2]
    meta = dict(a.split("=", 1) for a in sys.argv[3:])
    runs = {}
    with open(tsv) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for k in NUMERIC:
                row[k] = float(row.get(k) or 0)
            runs.setdefault(row["variant"], []).append(row)

    med = {}
    for name, rows in runs.items():
        m = {k: statistics.median(r[k] for r in rows) for k in NUMERIC}
        m["temp_bytes"] = max(r["temp_bytes"] for r in rows)
        m["rss_kb"] = max(r["rss_kb"] for r in rows) if name.startswith(("agent", "tiny", "startup")) else m["rss_kb"]
        m["walls"] = [r["wall_s"] for r in rows]
        m["mb_s"] = m["raw_bytes"] / 1e6 / m["wall_s"] if m["wall_s"] else 0
        med[name] = m
    for name, m in med.items():
        if "seed" in med and not name.startswith(("pg-exec", "agent-pg", "tiny", "startup")) and "." not in name:
            m["vs_seed"] = m["mb_s"] / med["seed"]["mb_s"]
        ref = REFERENCE.get(name)
        if ref in med:
            m["reference"] = ref
            m["vs_reference"] = m["mb_s"] / med[ref]["mb_s"]
            # Sizes compare only for the same data (not the 4 GiB variant against the 1 GiB reference).
            if m["artifact_bytes"] and med[ref]["artifact_bytes"] and m["raw_bytes"] == med[ref]["raw_bytes"]:
                m["artifact_vs_reference"] = m["artifact_bytes"] / med[ref]["artifact_bytes"]

    def overhead(suffix):
        one, twenty = med.get("tiny-1" + suffix), med.get("tiny-20" + suffix)
        if not one or not twenty:
            return None
        return {"one_volume_s": one["wall_s"], "twenty_volumes_s": twenty["wall_s"],
                "marginal_s": (twenty["wall_s"] - one["wall_s"]) / 19, "total_over_20_s": twenty["wall_s"] / 20}

    per_volume = overhead("")
    per_volume_aot = overhead("-aot")
    ab = []
    for name in AB_ORDER:
        old, new = med.get(name + ".old"), med.get(name + ".new")
        if old and new:
            ab.append({"variant": name, "old": old, "new": new, "ratio": new["wall_s"] / old["wall_s"],
                       "rss_ratio": new["rss_kb"] / old["rss_kb"] if old["rss_kb"] else None})

    targets = []

    def target(name, value, limit, op, unit=""):
        if value is None:
            return
        ok = value >= limit if op == ">=" else value <= limit
        targets.append({"target": name, "value": round(value, 3), "limit": limit, "op": op, "unit": unit,
                        "met": ok})

    g, z = med.get("agent-gzip", {}), med.get("agent-zstd", {})
    target("gzip-6 throughput vs seed", g.get("vs_seed"), 2.5, ">=", "x")
    target("gzip-6 throughput vs tar \\| pigz -p%s -6" % meta.get("cores", "N"), g.get("vs_reference"), 0.9, ">=", "x")
    target("gzip-6 artifact vs pigz's", g.get("artifact_vs_reference"), 1.03, "<=", "x")
    target("zstd-3 throughput vs tar \\| zstd -T0 -3", z.get("vs_reference"), 0.9, ">=", "x")
    target("zstd-3 artifact vs zstd's", z.get("artifact_vs_reference"), 1.03, "<=", "x")
    agent_rss = [m["rss_kb"] for n, m in med.items() if n in ("agent-gzip", "agent-zstd", "agent-none")]
    target("agent peak RSS, 1 GiB volume", max(agent_rss) / 1024 if agent_rss else None, 100, "<=", "MiB")
    if "agent-gzip-4g" in med and "agent-gzip" in med:
        target("agent peak RSS, 4 GiB vs 1 GiB", med["agent-gzip-4g"]["rss_kb"] / med["agent-gzip"]["rss_kb"], 1.10, "<=", "x")
    # Off-site: the same gzip job to an S3 storage (s3rver on loopback) and encrypted with age, against agent-gzip
    # of the same run. The S3 upload holds part_size x parts_in_flight of part buffers besides the agent's 100 MiB.
    part_mib, in_flight = int(meta.get("s3_part_mib") or 0), int(meta.get("s3_parts_in_flight") or 0)
    for suffix, label in (("", ""), ("-aot", "native binary: ")):
        s3, local = med.get("agent-gzip-s3" + suffix), med.get("agent-gzip" + suffix)
        if s3 and local:
            target("%sgzip to S3 (s3rver, loopback): throughput vs agent-gzip%s to local" % (label, suffix),
                   s3["mb_s"] / local["mb_s"], 0.9, ">=", "x")
        if s3:
            target("%sgzip to S3: agent peak RSS (100 MiB + %d x %d MiB parts)" % (label, in_flight, part_mib),
                   s3["rss_kb"] / 1024, 100 + part_mib * in_flight, "<=", "MiB")
    age = med.get("agent-gzip-age")
    if age and g:
        target("gzip with age encryption: wall vs agent-gzip", age["wall_s"] / g["wall_s"], 1.10, "<=", "x")
    temps = [m["temp_bytes"] for n, m in med.items() if n.startswith(("agent", "tiny"))]
    target("agent temporary files", max(temps) / 1048576 if temps else None, 64, "<=", "MiB")
    if per_volume:
        target("per-volume overhead", per_volume["marginal_s"], 0.3, "<=", "s")
    target("PostgreSQL (none) vs docker exec pg_dump", med.get("agent-pg", {}).get("vs_reference"), 0.95, ">=", "x")
    aot_rss = [m["rss_kb"] for n, m in med.items() if n in ("agent-gzip-aot", "agent-zstd-aot")]
    target("native binary: peak RSS, 1 GiB gzip and zstd", max(aot_rss) / 1024 if aot_rss else None, 64, "<=", "MiB")
    if per_volume_aot:
        target("native binary: per-volume overhead", per_volume_aot["marginal_s"], 0.05, "<=", "s")
    for name in ("startup-version-aot", "startup-status-aot"):
        if name in med:
            target("start-up, `%s` (median)" % name[len("startup-"):-len("-aot")], med[name]["wall_s"] * 1000, 20, "<=", "ms")
    for row in ab:
        if row["variant"] != "archive-api":
            target("A/B %s: new / old wall" % row["variant"], row["ratio"], 1 + AB_LIMIT, "<=", "x")
            target("A/B %s: new / old peak RSS" % row["variant"], row["rss_ratio"], 1.0, "<=", "x")

    result = {"meta": meta, "medians": med, "per_volume": per_volume, "per_volume_aot": per_volume_aot,
              "ab": [{"variant": r["variant"], "ratio": r["ratio"], "rss_ratio": r["rss_ratio"]} for r in ab],
              "targets": targets,
              "runs": [r for rows in runs.values() for r in rows]}
    with open(out, "w") as f:
        json.dump(result, f, indent=2)

    def fmt(v, spec):
        return "" if v is None else format(v, spec)

    print("Run %s: %s repetition(s), %s cores, load average at start %s; medians.\n"
          % (meta.get("id"), meta.get("reps"), meta.get("cores"), meta.get("load_start")))
    print("| variant | wall s (runs) | MB/s | vs seed | vs reference | artifact MB | artifact vs ref | peak RSS MiB | CPU user+sys s | engine CPU s | temp bytes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in ORDER:
        if name not in med:
            continue
        m = med[name]
        ref = m.get("reference")
        print("| %s | %.2f (%s) | %.0f | %s | %s | %s | %s | %.0f | %.1f | %.1f | %s |" % (
            name, m["wall_s"], ", ".join("%.1f" % w for w in m["walls"]), m["mb_s"],
            fmt(m.get("vs_seed"), ".2f") + ("x" if "vs_seed" in m else ""),
            (fmt(m.get("vs_reference"), ".2f") + "x " + ref) if ref and "vs_reference" in m else "",
            fmt(m["artifact_bytes"] / 1e6, ".1f") if m["artifact_bytes"] else "",
            fmt(m.get("artifact_vs_reference"), ".3f"),
            m["rss_kb"] / 1024, m["cpu_user_s"] + m["cpu_sys_s"], m["engine_cpu_s"],
            ("%d" % m["temp_bytes"]) if name.startswith(("agent", "tiny")) else ""))
    for label, pv in (("", per_volume), (" (native binary)", per_volume_aot)):
        if pv:
            print("\nPer-volume overhead%s: 1 tiny volume %.2f s, 20 tiny volumes %.2f s: marginal %.3f s per volume "
                  "((t20 - t1) / 19), %.3f s per volume all-in (t20 / 20)." % (
                      label, pv["one_volume_s"], pv["twenty_volumes_s"], pv["marginal_s"], pv["total_over_20_s"]))
    if any(n in med for n in STARTUP_ORDER):
        print("\nStart-up (native binary %s bytes, published in %s s): each command %d times, alternating; "
              "the daemon answering `status` is the native binary.\n" % (
                  meta.get("aot_bytes", "?"), meta.get("aot_publish_s") or "?",
                  max(len(med[n]["walls"]) for n in STARTUP_ORDER if n in med)))
        print("| variant | median ms | min ms | max ms | peak RSS MiB | CPU user+sys ms |")
        print("|---|---|---|---|---|---|")
        for name in STARTUP_ORDER:
            if name in med:
                m = med[name]
                print("| %s | %.1f | %.1f | %.1f | %.0f | %.0f |" % (
                    name, m["wall_s"] * 1000, min(m["walls"]) * 1000, max(m["walls"]) * 1000, m["rss_kb"] / 1024,
                    (m["cpu_user_s"] + m["cpu_sys_s"]) * 1000))
    if ab:
        print("\nA/B: new %s against old %s, %s, alternating (archive-api has no agent: its ratio is the run's noise).\n"
              % (meta.get("new_rev"), meta.get("old_rev"),
                 "both NativeAOT publishes" if meta.get("ab_native") == "1" else "both JIT builds"))
        print("| variant | old wall s (runs) | new wall s (runs) | new / old | old peak RSS MiB | new peak RSS MiB | |")
        print("|---|---|---|---|---|---|---|")
        for row in ab:
            old, new = row["old"], row["new"]
            verdict = "" if row["variant"] == "archive-api" else (
                "within %d%%" % (AB_LIMIT * 100) if row["ratio"] <= 1 + AB_LIMIT else "**slower**")
            print("| %s | %.2f (%s) | %.2f (%s) | %.3f | %.0f | %.0f | %s |" % (
                row["variant"], old["wall_s"], ", ".join("%.1f" % w for w in old["walls"]), new["wall_s"],
                ", ".join("%.1f" % w for w in new["walls"]), row["ratio"], old["rss_kb"] / 1024, new["rss_kb"] / 1024,
                verdict))
    print("\n/tmp before/after the run: %s / %s bytes (shared with other processes on this machine).\n"
          % (meta.get("tmp_before"), meta.get("tmp_after")))
    print("| target | value | limit | |")
    print("|---|---|---|---|")
    for t in targets:
        print("| %s | %s %s | %s %s %s | %s |" % (t["target"], t["value"], t["unit"], t["op"], t["limit"], t["unit"],
                                              "met" if t["met"] else "**missed**"))


if __name__ == "__main__":
    main()
