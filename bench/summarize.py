"""Prints the one table of bench/run_all.sh: figure, value, baseline (measured
in the same run), ratio, goal. Reads the run's directory:
  log.txt          every benchmark's output; "ROW | ..." lines are rows (among
                   them fanout_bench's fan-out figures and the moto scale
                   figures of tests/integration/subscription_scale_moto_test.py)
  json_codec.json  Google Benchmark JSON of bench/json_codec_bench
  sigv4.json       Google Benchmark JSON of bench/sigv4_bench
  botocore.txt     bench/sigv4_botocore_bench.py's output
Google Benchmark figures use CPU time (wall time on a shared 2-core machine
mostly measures the neighbours).

  python3 bench/summarize.py RUN_DIR
"""
import json
import os
import re
import sys


def gbench(path):
    """name -> CPU time in the benchmark's unit, and the units."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {b["name"]: (b["cpu_time"], b.get("time_unit", "ns")) for b in data.get("benchmarks", [])
            if b.get("run_type", "iteration") == "iteration"}


def main():
    run = sys.argv[1]
    rows = []
    with open(os.path.join(run, "log.txt"), errors="replace") as f:
        for line in f:
            if line.startswith("ROW | "):
                rows.append([c.strip() for c in line[len("ROW | "):].rstrip("\n").split(" | ")])

    codec = gbench(os.path.join(run, "json_codec.json"))
    if "BM_CodecGetRecordsPageArena" in codec and "BM_NlohmannParseGetRecordsPage" in codec:
        ours, unit = codec["BM_CodecGetRecordsPageArena"]
        base, _ = codec["BM_NlohmannParseGetRecordsPage"]
        rows.append(["AWS JSON -> protobuf, 1000-record GetRecords page (arena, CPU)", "%.1f %s" % (ours, unit),
                     "nlohmann parse only %.1f %s" % (base, unit), "%.1fx faster" % (base / ours), "< 2 ms"])
        if "BM_ProtobufBinaryParseGetRecordsPageArena" in codec:
            floor, _ = codec["BM_ProtobufBinaryParseGetRecordsPageArena"]
            rows.append(["  the floor: protobuf's own binary parse of the same page", "%.1f %s" % (floor, unit),
                         "our JSON path %.1f %s" % (ours, unit), "%.2fx" % (ours / floor), "-"])

    sig = gbench(os.path.join(run, "sigv4.json"))
    botocore_us = None
    try:
        with open(os.path.join(run, "botocore.txt")) as f:
            m = re.search(r"([0-9.]+) us per signature", f.read())
            botocore_us = float(m.group(1)) if m else None
    except OSError:
        pass
    if "BM_SignGetRecordsCachedKey" in sig:
        t, unit = sig["BM_SignGetRecordsCachedKey"]
        us = t / 1000.0 if unit == "ns" else t
        rows.append(["SigV4 signing of GetRecords, cached key (CPU)", "%.2f us" % us,
                     "botocore %.2f us" % botocore_us if botocore_us else "botocore -",
                     "%.0fx faster" % (botocore_us / us) if botocore_us else "-", "< 5 us"])

    header = ["figure", "value", "baseline (same run)", "ratio", "goal"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        r = (r + ["-"] * len(header))[:len(header)]
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
