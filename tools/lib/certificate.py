#!/usr/bin/env python3
"""tools/lib/certificate.py — the gauntlet's certificate: what the runs in a gauntlet directory
prove about the reference runtime, clause by clause.

    certificate.py --clauses CLAUSES.json --runs DIR [--json OUT] [--budget TEXT]

CLAUSES.json is `touchstone clauses --json` (every clause of docs/spec/). DIR holds the JSON
summaries the gauntlet's steps wrote (`touchstone run --json`, `touchstone explore --json`,
`touchstone stress --json`), one file each, named <step>.json or <step>/<program>.json.

A clause is
  failed         if any run reported a finding under it (its reproducer is listed),
  passed         if runs checked it and none failed it,
  not-exercised  if no run checked it.
Findings that are not clause violations (a simulated deadlock, a step bound, a runtime fatal
error) are reported under RUNTIME and fail the certificate too.

Prints the certificate; with --json writes it as JSON as well (via a temporary file and a
rename). Exit status: 0 the certificate is clean (no finding, every step passed), 1 otherwise,
2 bad input.
"""
import argparse
import json
import os
import sys


def die(msg):
    print(f"certificate: {msg}", file=sys.stderr)
    sys.exit(2)


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except json.JSONDecodeError as e:
        die(f"{path}:{e.lineno}:{e.colno}: {e.msg}")


def summaries(root):
    """Every JSON summary under root, as (step, name, data), in a stable order."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            if not fn.endswith(".json") or fn == "certificate.json":
                continue
            path = os.path.join(dirpath, fn)
            rel = os.path.relpath(path, root)
            step = rel.split(os.sep)[0].removesuffix(".json")
            out.append((step, rel, load(path)))
    return out


def runs_of(data):
    if "runs" in data and isinstance(data["runs"], int):
        return data["runs"]
    if "rounds" in data:
        return data["rounds"]
    return 1


def findings_of(data):
    fs = list(data.get("findings") or [])
    if data.get("finding"):
        fs.append(data["finding"])
    for v in data.get("violations") or []:  # touchstone stress: one line per violation
        fs.append({"clause": v.split()[0] if v else "RUNTIME", "message": v, "repro": None})
    return fs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clauses", required=True)
    ap.add_argument("--runs", required=True)
    ap.add_argument("--json")
    ap.add_argument("--budget", default="")
    ap.add_argument("--failed-steps", default="", help="comma-separated steps that failed")
    a = ap.parse_args()

    catalog = load(a.clauses)
    ids = [c["id"] for c in catalog]
    checked = {i: 0 for i in ids}
    clause_runs = {i: 0 for i in ids}
    per_step = {}
    findings = []
    total_runs = 0
    transitions = set()
    for step, rel, data in summaries(a.runs):
        n = runs_of(data)
        total_runs += n
        st = per_step.setdefault(step, {"runs": 0, "files": 0})
        st["runs"] += n
        st["files"] += 1
        for cid, count in (data.get("coverage") or {}).items():
            checked[cid] = checked.get(cid, 0) + int(count)
        # Runs that checked each clause: explore reports them; a single run counts once.
        per_clause = data.get("clause_runs")
        for cid, count in (data.get("coverage") or {}).items():
            if int(count) > 0:
                clause_runs[cid] = clause_runs.get(cid, 0) + (int(per_clause.get(cid, 0)) if per_clause else n)
        if isinstance(data.get("transitions"), list):  # stress reports a count instead
            for t in data["transitions"]:
                transitions.add((t[0], t[1]))
        for f in findings_of(data):
            findings.append({"step": step, "summary": rel, "clause": f.get("clause", "RUNTIME"),
                             "message": f.get("message", ""), "repro": f.get("repro")})

    failed_clauses = {f["clause"] for f in findings}
    clauses = []
    for c in catalog:
        cid = c["id"]
        status = "failed" if cid in failed_clauses else "passed" if checked.get(cid, 0) > 0 else "not-exercised"
        clauses.append({"id": cid, "status": status, "runs": clause_runs.get(cid, 0), "checks": checked.get(cid, 0),
                        "statement": c.get("statement", ""), "needs_exact": c.get("needs_exact", False)})
    failed_steps = [s for s in a.failed_steps.split(",") if s]
    clean = not findings and not failed_steps
    counts = {s: sum(1 for c in clauses if c["status"] == s) for s in ("passed", "failed", "not-exercised")}

    print("=== Touchstone certificate: the reference runtime ===")
    if a.budget:
        print(f"exploration budget: {a.budget}")
    steps = ", ".join(f"{name} {st['runs']}" for name, st in sorted(per_step.items()))
    print(f"runs: {total_runs}  ({steps})")
    print(f"clauses: {counts['passed']} passed, {counts['failed']} failed, {counts['not-exercised']} not exercised"
          f" of {len(clauses)}; G transitions seen: {len(transitions)}")
    print()
    w = max(len(c["id"]) for c in clauses)
    for c in clauses:
        print(f"  {c['id']:<{w}}  {c['status']:<13}  {c['runs']:>7} runs  {c['checks']:>10} checks")
    print()
    if findings:
        print(f"findings: {len(findings)}")
        for f in findings:
            print(f"  {f['clause']}: {f['message']}")
            print(f"    from {f['summary']}" + (f"; reproducer: {f['repro']}" if f["repro"] else ""))
    else:
        print("findings: none")
    if failed_steps:
        print(f"failed steps: {', '.join(failed_steps)}")
    print(f"certificate: {'CLEAN' if clean else 'NOT CLEAN'}")

    if a.json:
        doc = {"implementation": "touchstone reference runtime", "budget": a.budget, "runs": total_runs,
               "steps": per_step, "clauses": clauses, "transitions_seen": len(transitions),
               "findings": findings, "failed_steps": failed_steps, "clean": clean}
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, a.json)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
