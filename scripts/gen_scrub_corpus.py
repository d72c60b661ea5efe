#!/usr/bin/env python3
"""Writes realistic universal-schema sessions (NDJSON) for benchmarking cc-scrub: prose, code, shell
output, git logs, lockfile hashes, UUIDs, nested JSON tool arguments, with secrets, e-mails, home paths,
IPs and model names sprinkled in at realistic (low) rates. Deterministic for a given seed.
Usage: gen_scrub_corpus.py OUT.ndjson [MEGABYTES] [SEED]"""
import json, random, string, sys, uuid, zlib

out_path = sys.argv[1]
target = int(float(sys.argv[2] if len(sys.argv) > 2 else 200) * 1_000_000)
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

WORDS = ("the a to of and in is it that for on with as this be are was by not or from at an which have but "
         "function error test file value return type string import module config build run install update "
         "fix bug change add remove refactor cache request response server client database query index user "
         "session token parse format output input path directory line column compile warning release version "
         "async await thread lock buffer stream iterator result option struct trait impl match loop closure "
         "we should now then let me check look see why because when where after before first next also just").split()
USERS = ["alice", "bob", "carol", "dmitri", "erin", "farid", "grace", "hiro"]
SURNAMES = ["smith", "garcia", "okafor", "nguyen", "kowalski", "tanaka", "haddad", "silva"]
HOSTS = ["github.com", "api.openai.com", "registry.npmjs.org", "pypi.org", "crates.io", "docs.rs", "example.com"]
AN = string.ascii_letters + string.digits


def words(n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def prose(sentences):
    return " ".join(words(rng.randint(6, 18)).capitalize() + rng.choice([".", ".", ".", "?", ":"]) for _ in range(sentences))


def ident():
    return rng.choice(WORDS) + "_" + rng.choice(WORDS)


def code_block():
    lang = rng.choice(["rust", "python", "typescript"])
    lines = []
    for _ in range(rng.randint(8, 40)):
        ind = "    " * rng.randint(0, 3)
        if lang == "rust":
            lines.append(f"{ind}let {ident()} = {ident()}(&{ident()}, {rng.randint(0, 999)})?;")
        elif lang == "python":
            lines.append(f"{ind}{ident()} = {ident()}({ident()}, timeout={rng.randint(1, 60)})")
        else:
            lines.append(f"{ind}const {ident()} = await {ident()}({{ {ident()}: '{rng.choice(WORDS)}' }});")
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def sha():
    return "%040x" % rng.getrandbits(160)


def git_log(user):
    out = []
    for _ in range(rng.randint(3, 12)):
        out.append(f"commit {sha()}\nAuthor: {user.capitalize()} Example <{user}@users.noreply.github.com>\n"
                   f"Date:   Mon Mar {rng.randint(1, 28)} 10:{rng.randint(10, 59)}:00 2025 +0100\n\n    {words(7)}\n")
    return "\n".join(out)


def npm_log():
    lines = []
    for _ in range(rng.randint(5, 30)):
        pkg = rng.choice(WORDS) + "-" + rng.choice(WORDS)
        integ = "".join(rng.choice(AN + "+/") for _ in range(86)) + "=="
        lines.append(f'"node_modules/{pkg}": {{"version": "{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}", '
                     f'"resolved": "https://registry.npmjs.org/{pkg}/-/{pkg}-1.2.3.tgz", "integrity": "sha512-{integ}"}}')
    return "\n".join(lines)


def ls_listing(user):
    return "\n".join(f"-rw-r--r--  1 {user} staff  {rng.randint(100, 99999):>6} Mar {rng.randint(1, 28)} 12:00 {ident()}.rs"
                     for _ in range(rng.randint(4, 20)))


def gh_token():
    body = "".join(rng.choice(AN) for _ in range(30))
    crc = zlib.crc32(body.encode())
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    tail = ""
    for _ in range(6):
        tail = digits[crc % 62] + tail
        crc //= 62
    return "ghp_" + body + tail


def sprinkle(user):
    r = rng.random()
    if r < 0.02:
        return f" export GITHUB_TOKEN={gh_token()}"
    if r < 0.04:
        return f" AWS_ACCESS_KEY_ID=AKIA{''.join(rng.choice(string.ascii_uppercase + '234567') for _ in range(16))}"
    if r < 0.08:
        return f" mail {user}.{rng.choice(SURNAMES)}@gmail.com about it"
    if r < 0.11:
        return f" ping {rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if r < 0.15:
        return f" (model {rng.choice(['claude-sonnet-4-5-20250929', 'gpt-4o-2024-08-06', 'gemini-2.5-pro'])})"
    return ""


def tool_call(user, project):
    kind = rng.random()
    cid = "toolu_01" + "".join(rng.choice(AN) for _ in range(22))
    if kind < 0.35:
        path = f"{project}/src/{ident()}.rs"
        return {"id": cid, "name": "Read", "args": {"file_path": path}, "result": "\n".join(
            f"{i:>5}\t{l}" for i, l in enumerate(code_block().splitlines(), 1))}
    if kind < 0.6:
        cmd = rng.choice(["git log -n 10", "npm ls --json", f"ls -la {project}", "cargo test", "pytest -q"])
        res = {"git log -n 10": lambda: git_log(user), "npm ls --json": npm_log,
               f"ls -la {project}": lambda: ls_listing(user)}.get(cmd, lambda: prose(rng.randint(3, 12)))()
        return {"id": cid, "name": "Bash", "args": {"command": cmd, "description": words(5)}, "result": res + sprinkle(user)}
    if kind < 0.8:
        args = {"file_path": f"{project}/{ident()}.py", "old_string": code_block(), "new_string": code_block()}
        return {"id": cid, "name": "Edit", "args": args, "result": json.dumps({"ok": True, "patch": code_block()})}
    return {"id": cid, "name": "Grep", "args": {"pattern": ident(), "path": project},
            "result": "\n".join(f"{project}/src/{ident()}.rs:{rng.randint(1, 400)}: {words(8)}" for _ in range(rng.randint(3, 25)))}


def session(n):
    user = rng.choice(USERS)
    project = f"/home/{user}/work/{rng.choice(WORDS)}-{rng.choice(WORDS)}"
    msgs = []
    for i in range(rng.randint(20, 120)):
        role = "user" if i % 2 == 0 else "assistant"
        content = prose(rng.randint(1, 6)) + sprinkle(user)
        if role == "assistant" and rng.random() < 0.5:
            content += "\n\n" + code_block()
        calls = [tool_call(user, project) for _ in range(rng.randint(0, 3))] if role == "assistant" else []
        msgs.append({"index": i, "role": role, "content": content, "timestamp": 1740000000 + i * 30,
                     "annotations": {"file_refs": [c["args"].get("file_path") for c in calls if "file_path" in c["args"]],
                                     "tool_calls": calls,
                                     "thinking": prose(rng.randint(1, 4)) if role == "assistant" and rng.random() < 0.3 else None},
                     "extra_uuid": str(uuid.UUID(int=rng.getrandbits(128)))})
    return {"meta": {"source_agent": rng.choice(["claude-code", "codex", "gemini", "cursor"]),
                     "session_id": str(uuid.UUID(int=rng.getrandbits(128))), "project_hash": sha()[:16],
                     "start_time": 1740000000, "end_time": 1740003600, "quality_score": None, "schema_version": "1.0",
                     "project_path": project, "model": "claude-sonnet-4-5-20250929", "git_branch": "main"},
            "messages": msgs}


written = 0
with open(out_path, "w") as f:
    n = 0
    while written < target:
        line = json.dumps(session(n), ensure_ascii=False) + "\n"
        f.write(line)
        written += len(line.encode())
        n += 1
print(f"{n} sessions, {written / 1e6:.1f} MB -> {out_path}", file=sys.stderr)
