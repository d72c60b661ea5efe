#!/usr/bin/env python3
"""A fake Hugging Face Hub for tests, on 127.0.0.1 only.

Implements what `hf upload` needs in regular (non-LFS) mode: create repo, repo info, preupload (every file
"regular") and commit (NDJSON with base64 file contents); and what `hf download` of one file needs: HEAD and
GET of /{type}s/{owner}/{name}/resolve/{revision}/{path}, with the Hub's X-Error-Code on a 404. It keeps each repo's files in memory, answers
nothing it does not understand (404, logged), and appends one JSON line per request to LOG so a test can
assert what was received; after each change it writes every repo's state to LOG.state.json.

Usage: hub_server.py LOG PORT_FILE   (writes the chosen port to PORT_FILE once listening)
"""
import base64
import hashlib
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, PORT_FILE = sys.argv[1], sys.argv[2]
REPOS = {}  # "datasets/owner/name" -> {"private": bool, "files": {path: bytes}, "commits": int}


def log(entry):
    with open(LOG, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Hub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def endpoint(self):
        return f"http://{self.headers.get('Host')}"

    def repo_key(self, parts):
        # /api/{type}s/{owner}/{name}/...
        return f"{parts[1]}/{parts[2]}/{parts[3]}"

    def resolve(self, parts):
        """(repo, file path) for /{type}s/{owner}/{name}/resolve/{revision}/{path...}, else None."""
        if len(parts) >= 6 and parts[0] in ("datasets", "models", "spaces") and parts[3] == "resolve":
            return REPOS.get(f"{parts[0]}/{parts[1]}/{parts[2]}"), "/".join(parts[5:])
        return None

    def send_file(self, parts, head):
        repo, name = self.resolve(parts)
        if repo is None or name not in repo["files"]:
            code = "RepoNotFound" if repo is None else "EntryNotFound"
            body = json.dumps({"error": f"{code}: {name}"}).encode()
            self.send_response(404)
            self.send_header("X-Error-Code", code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        data = repo["files"][name]
        self.send_response(200)
        self.send_header("X-Repo-Commit", repo_sha(repo))
        self.send_header("ETag", '"' + hashlib.sha1(data).hexdigest() + '"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def do_HEAD(self):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        log({"method": "HEAD", "path": path, "auth": self.headers.get("Authorization")})
        if self.resolve(parts) is not None:
            return self.send_file(parts, head=True)
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        entry = {"method": "GET", "path": path, "auth": self.headers.get("Authorization")}
        log(entry)
        if self.resolve(parts) is not None:
            return self.send_file(parts, head=False)
        if path == "/api/whoami-v2":
            return self.reply(200, {"type": "user", "name": "tester", "orgs": [], "auth": {}})
        if len(parts) >= 4 and parts[0] == "api" and parts[1] in ("datasets", "models", "spaces"):
            key = self.repo_key(parts)
            repo = REPOS.get(key)
            if repo is None:
                return self.reply(404, {"error": "Repository not found"})
            files = [{"rfilename": p, "size": len(b)} for p, b in sorted(repo["files"].items())]
            return self.reply(200, {"id": f"{parts[2]}/{parts[3]}", "private": repo["private"],
                                    "sha": repo_sha(repo), "siblings": files})
        self.reply(404, {"error": f"not implemented: GET {path}"})

    def do_POST(self):
        path = self.path.split("?")[0]
        parts = path.strip("/").split("/")
        raw = self.body()
        auth = self.headers.get("Authorization")
        if path == "/api/repos/create":
            req = json.loads(raw or b"{}")
            log({"method": "POST", "path": path, "auth": auth, "json": req})
            rtype = req.get("type") or "model"
            name = req["name"] if not req.get("organization") else f"{req['organization']}/{req['name']}"
            if "/" not in name:
                name = f"tester/{name}"
            key = f"{rtype}s/{name}"
            if key in REPOS:
                return self.reply(409, {"error": "You already created this dataset repo", "url": f"{self.endpoint()}/{key}"})
            private = bool(req.get("private")) or req.get("visibility") == "private"
            REPOS[key] = {"private": private, "files": {}, "commits": 0}
            dump_state()
            return self.reply(200, {"url": f"{self.endpoint()}/{key}", "name": name, "id": name})
        if path == "/api/validate-yaml":
            req = json.loads(raw or b"{}")
            log({"method": "POST", "path": path, "auth": auth, "json": req})
            return self.reply(200, {"errors": [], "warnings": []})
        if len(parts) >= 6 and parts[0] == "api" and parts[4] == "preupload":
            req = json.loads(raw)
            log({"method": "POST", "path": path, "auth": auth, "json": {"files": [
                {"path": f["path"], "size": f["size"]} for f in req["files"]]}})
            key = self.repo_key(parts)
            if key not in REPOS:
                return self.reply(404, {"error": "Repository not found"})
            return self.reply(200, {"files": [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
                for f in req["files"]]})
        if len(parts) >= 6 and parts[0] == "api" and parts[4] == "commit":
            key = self.repo_key(parts)
            repo = REPOS.get(key)
            ops = [json.loads(l) for l in raw.splitlines() if l.strip()]
            summary = []
            for op in ops:
                k, v = op["key"], op["value"]
                if k == "header":
                    summary.append({"key": k, "summary": v.get("summary")})
                elif k == "file":
                    summary.append({"key": k, "path": v["path"], "encoding": v.get("encoding")})
                else:
                    summary.append({"key": k, "path": v.get("path"), "value": v})
            log({"method": "POST", "path": path, "auth": auth, "ops": summary})
            if repo is None:
                return self.reply(404, {"error": "Repository not found"})
            for op in ops:
                k, v = op["key"], op["value"]
                if k == "file":
                    data = base64.b64decode(v["content"]) if v.get("encoding") == "base64" else v["content"].encode()
                    repo["files"][v["path"]] = data
                elif k in ("deletedFile", "deletedFolder"):
                    repo["files"].pop(v["path"], None)
                elif k in ("lfsFile",):
                    return self.reply(400, {"error": "this test hub only takes regular uploads"})
            repo["commits"] += 1
            sha = repo_sha(repo)
            dump_state()
            return self.reply(200, {"commitUrl": f"{self.endpoint()}/{key}/commit/{sha}", "commitOid": sha,
                                    "pullRequestUrl": None})
        log({"method": "POST", "path": path, "auth": auth})
        self.reply(404, {"error": f"not implemented: POST {path}"})


def dump_state():
    """Every repo's files (as text) to LOG.state.json, for the test's assertions."""
    state = {k: {"private": r["private"], "commits": r["commits"],
                 "files": {p: b.decode("utf-8", "replace") for p, b in r["files"].items()}}
             for k, r in REPOS.items()}
    with open(LOG + ".state.json.tmp", "w") as f:
        json.dump(state, f)
    os.replace(LOG + ".state.json.tmp", LOG + ".state.json")


def repo_sha(repo):
    h = hashlib.sha1(str(repo["commits"]).encode())
    for p, b in sorted(repo["files"].items()):
        h.update(p.encode() + b"\0" + b)
    return h.hexdigest()


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    with open(PORT_FILE + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(PORT_FILE + ".tmp", PORT_FILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
