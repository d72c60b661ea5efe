#!/usr/bin/env python3
"""Synthetic v1 sessions for benchmarks: gen_sessions.py MEGABYTES > out.ndjson

Realistic shape: prompts, assistant prose with fenced code, thinking, tool calls with long outputs, file refs,
unicode. Deterministic for a given size (seeded), so runs compare like with like.
"""
import json
import random
import sys

WORDS = ("the a function returns error value request user file path config test build cache index token "
         "stream parse async await lock thread memory buffer schema field query search rank merge branch "
         "commit rebase deploy docker kubernetes latency ünïcödé 日本語 🦀").split()


def sentence(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def code(rng):
    name = "fn_%d" % rng.randrange(10**6)
    body = "\n".join("    let x%d = compute(%d)?;" % (i, rng.randrange(1000)) for i in range(rng.randrange(3, 20)))
    return "```rust\nfn %s() -> Result<()> {\n%s\n    Ok(())\n}\n```" % (name, body)


def session(rng, sid):
    t = 1_700_000_000 + sid * 37
    msgs = []
    for turn in range(rng.randrange(2, 12)):
        msgs.append({"index": len(msgs), "role": "user", "content": sentence(rng, rng.randrange(5, 60)),
                     "timestamp": t, "annotations": {"file_refs": [], "tool_calls": [], "thinking": None}})
        t += rng.randrange(1, 30)
        calls = []
        for c in range(rng.randrange(0, 4)):
            out = "\n".join(sentence(rng, 12) for _ in range(rng.randrange(1, 60)))
            calls.append({"id": "toolu_%d_%d_%d" % (sid, turn, c), "name": rng.choice(["Bash", "Read", "Edit", "Grep"]),
                          "args": {"command": "cargo test -p crate_%d" % rng.randrange(100),
                                   "file_path": "/home/dev/proj/src/mod_%d.rs" % rng.randrange(50)},
                          "result": out, "is_error": rng.random() < 0.1})
        content = sentence(rng, rng.randrange(10, 120))
        if rng.random() < 0.6:
            content += "\n\n" + code(rng)
        msgs.append({"index": len(msgs), "role": "assistant", "content": content, "timestamp": t,
                     "model": "claude-sonnet-4-5-20250929",
                     "annotations": {"file_refs": ["src/mod_%d.rs" % rng.randrange(50)], "tool_calls": calls,
                                     "thinking": sentence(rng, rng.randrange(5, 80)) if rng.random() < 0.5 else None}})
        t += rng.randrange(1, 300)
    return {"meta": {"source_agent": rng.choice(["claude-code", "codex", "cursor"]), "session_id": "bench-%08d" % sid,
                     "project_hash": "%016x" % rng.randrange(2**64), "start_time": msgs[0]["timestamp"],
                     "end_time": msgs[-1]["timestamp"], "quality_score": None, "schema_version": "1.0",
                     "title": sentence(rng, 6)},
            "messages": msgs}


def main():
    target = float(sys.argv[1]) * 1e6
    rng = random.Random(42)
    # A pool of distinct sessions, re-emitted with new ids: generation stays fast for gigabytes.
    pool = [session(rng, i) for i in range(400)]
    firsts = [s["messages"][0]["content"] for s in pool]
    out = sys.stdout
    written = 0
    sid = 0
    while written < target:
        s = pool[sid % len(pool)]
        s["meta"]["session_id"] = "bench-%08d" % sid
        # Distinct content too, so deduplication keeps every session.
        s["messages"][0]["content"] = "[%d] %s" % (sid, firsts[sid % len(pool)])
        line = json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n"
        out.write(line)
        written += len(line.encode())
        sid += 1


if __name__ == "__main__":
    main()
