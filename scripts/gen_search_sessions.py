#!/usr/bin/env python3
"""Synthetic v1 sessions for scripts/bench_search.sh, shaped like coding-agent histories: Zipf-distributed
prose, fenced code in several languages, and tool calls whose results carry most of the bytes (file reads
returning whole files, command output), as in real sessions. Files come from a fixed pool, so the same
file is read many times, as it is in real work. Deterministic for a given seed.

usage: gen_search_sessions.py MESSAGES OUT.ndjson QUERIES.txt [SEED]"""
import json
import random
import sys

N = int(sys.argv[1])
OUT, QUERIES = sys.argv[2], sys.argv[3]
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)

COMMON = ("the a to of and in is it that for on with this we be as at by not are or from but have you "
          "can if will should now when then there one all so what about just do need use into also more").split()
TECH = ("build test error token cache config server client request response deploy parse query index "
        "thread async await memory leak timeout retry branch merge commit review docker kubernetes "
        "database schema migration auth login session cookie header payload json yaml rust python "
        "function module crate package import export compile linker panic stack trace debug release "
        "latency throughput benchmark profile allocation pointer lifetime borrow trait struct enum "
        "handler router middleware endpoint websocket stream buffer socket port proxy certificate tls").split()
SYL = "ka lo mi ne ra tu vo zi pe sa do fu gi hy ja ku le mo nu po".split()
RARE = sorted({"".join(rng.choice(SYL) for _ in range(rng.randint(2, 4))) for _ in range(40000)})
VOCAB = COMMON + TECH + RARE
# Zipf-ish weights: rank r gets 1/r.
WEIGHTS = [1.0 / (r + 1) for r in range(len(VOCAB))]
CUM = []
acc = 0.0
for w in WEIGHTS:
    acc += w
    CUM.append(acc)


def words(n):
    return rng.choices(VOCAB, cum_weights=CUM, k=n)


def ident():
    parts = [rng.choice(TECH + RARE[:2000]) for _ in range(rng.randint(1, 3))]
    style = rng.random()
    if style < 0.5:
        return "_".join(parts)
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def sentence():
    w = words(rng.randint(6, 18))
    return " ".join(w).capitalize() + "."


def code(lang):
    a, b, c = ident(), ident(), ident()
    if lang == "python":
        return f"def {a}(x):\n    y = {b}(x)\n    return {c}(y)\n"
    if lang == "rust":
        return f"pub fn {a}(x: u32) -> u32 {{\n    let y = {b}(x);\n    {c}(y)\n}}\n"
    if lang == "go":
        return f"func {a}(x int) int {{\n\ty := {b}(x)\n\treturn {c}(y)\n}}\n"
    if lang == "typescript":
        return f"export function {a}(x: number): number {{\n  const y = {b}(x);\n  return {c}(y);\n}}\n"
    return f"{a} --flag {b} | {c}\n"


LANGS = ["python", "rust", "go", "typescript", "bash"]
EXT = {"python": "py", "rust": "rs", "go": "go", "typescript": "ts", "bash": "sh"}
FILES = []
for _ in range(400):
    lang = rng.choice(LANGS)
    body = "".join(("# " if lang in ("python", "bash") else "// ") + sentence() + "\n" + code(lang) + "\n"
                   for _ in range(rng.randint(8, 50)))
    FILES.append((f"src/{ident()}/{ident()}.{EXT[lang]}", body))
AGENTS = ["claude-code", "codex", "cursor", "gemini", "copilot"]
titles = []
with open(OUT, "w") as out:
    made, s = 0, 0
    while made < N:
        n = min(N - made, rng.randint(4, 40))
        start = 1_700_000_000 + rng.randint(0, 60_000_000)
        title = " ".join(words(rng.randint(3, 7))).capitalize()
        titles.append(title)
        msgs = []
        for i in range(n):
            role = "user" if i % 2 == 0 else "assistant"
            text = " ".join(sentence() for _ in range(rng.randint(1, 5)))
            ann = {"file_refs": [], "tool_calls": [], "thinking": None}
            if role == "assistant":
                r = rng.random()
                if r < 0.35:
                    path, body = rng.choice(FILES)
                    ann["tool_calls"].append({"name": "Read", "args": {"file_path": path}, "result": body})
                    ann["file_refs"].append(path)
                elif r < 0.55:
                    lang = rng.choice(LANGS)
                    tag = lang if rng.random() < 0.7 else ""
                    text += f"\n```{tag}\n{code(lang)}```\n"
                elif r < 0.7:
                    lang = rng.choice(LANGS)
                    path = f"src/{ident()}/{ident()}.{EXT[lang]}"
                    ann["tool_calls"].append({"name": "Edit", "args": {"file_path": path, "new_string": code(lang)},
                                              "result": "ok"})
                    ann["file_refs"].append(path)
                elif r < 0.9:
                    log = "\n".join(f"[{i:04d}] " + " ".join(words(rng.randint(4, 12))) for i in range(rng.randint(5, 60)))
                    ann["tool_calls"].append({"name": "Bash", "args": {"command": f"cargo test {ident()}"},
                                              "result": log})
                if rng.random() < 0.2:
                    ann["thinking"] = " ".join(sentence() for _ in range(2))
            msgs.append({"index": i, "role": role, "content": text, "timestamp": start + 30 * i, "annotations": ann})
        sess = {"meta": {"source_agent": rng.choice(AGENTS), "session_id": f"s{s:07d}", "project_hash": f"p{rng.randint(0, 50)}",
                         "start_time": start, "end_time": start + 30 * n, "quality_score": None, "schema_version": "1.0",
                         "title": title}, "messages": msgs}
        out.write(json.dumps(sess, separators=(",", ":")) + "\n")
        made += n
        s += 1

# Queries: mostly 1–3 content words (common, medium and rare), some phrases and filters, some titles.
with open(QUERIES, "w") as q:
    for k in range(300):
        r = rng.random()
        pool = TECH + RARE[:5000]
        if r < 0.5:
            q.write(" ".join(rng.sample(pool, rng.randint(1, 3))) + "\n")
        elif r < 0.65:
            q.write(rng.choice(titles) + "\n")
        elif r < 0.8:
            q.write(f"{rng.choice(TECH)} {rng.choice(TECH)}\n")
        elif r < 0.9:
            q.write(f"lang:{rng.choice(LANGS)} {rng.choice(TECH)}\n")
        else:
            q.write(f"{rng.choice(TECH)} agent:{rng.choice(AGENTS)}\n")
