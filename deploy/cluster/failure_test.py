#!/usr/bin/env python3
"""The failure test of the HA deployment, started by `deploy/cluster/run test[-short]`.

Okta- and Entra-style clients provision through HAProxy (creates, lookups, PATCHes, group pushes
with member adds and removes from several clients at once) while the test kills a database node
(kill -9), restarts it so it rejoins by IST, and kills a gatehouse node. Then it checks what the
clients were told against what every database node holds, and that a gatehouse node whose
database node has lost quorum is taken out of rotation. Last, with all three nodes running again,
it checks that notifications and token expiry warnings reach a webhook exactly once although
every node runs an outbox worker. Standard library only.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BASE = os.environ["CLUSTER_BASE"]
LB = os.environ["CLUSTER_LB"]
SCIM = LB + "/scim/v2"
DB_PORTS = os.environ["CLUSTER_DB_PORTS"].split()
APP_PORTS = os.environ["CLUSTER_APP_PORTS"].split()
SHORT = bool(os.environ.get("CLUSTER_SHORT"))
# Traffic only, against any deployment (e.g. one plain MariaDB server): no kills, no pauses.
NO_CHAOS = bool(os.environ.get("CLUSTER_NO_CHAOS"))
DATABASE = os.environ.get("CLUSTER_DATABASE", "gatehouse")
TRAFFIC_SECONDS = 24 if SHORT else 60
CLIENTS_PER_IDP = 3
GROUPS = 4
# A request that takes longer than this is a hang, not a failover.
STALL_LIMIT = 10.0
# Answers whose outcome the client cannot know: the connection was lost, or a database node died
# during COMMIT (the write may have been certified cluster-wide before the node went away).
UNKNOWN = (0, 502, 503, 504)

lock = threading.Lock()
statuses = Counter()
failures = []  # (what, detail): answers that break a promise
longest = [0.0, ""]
events = []
started = time.monotonic()


def note(message):
    line = f"[failure-test {time.monotonic() - started:6.1f}s] {message}"
    print(line, flush=True)
    events.append(line)


def request(method, path, token, body=None, request_id=None):
    """One SCIM request; returns (status, json or None). A lost connection is status 0."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(SCIM + path, data=data, method=method)
    if request_id:
        req.add_header("X-Request-Id", request_id)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/scim+json")
    t0 = time.monotonic()
    retry_after = None
    try:
        with urllib.request.urlopen(req, timeout=STALL_LIMIT + 5) as res:
            status, raw = res.status, res.read()
    except urllib.error.HTTPError as err:
        status, raw, retry_after = err.code, err.read(), err.headers.get("Retry-After")
    except Exception:  # connection reset, timeout: the outcome is unknown
        status, raw = 0, b""
    elapsed = time.monotonic() - t0
    if status in (429, 503):
        # As Okta and Entra do: wait as told (bounded) before the next request.
        time.sleep(min(float(retry_after or 1), 2.0) * random.uniform(0.5, 1.0))
    with lock:
        statuses[status] += 1
        if elapsed > longest[0]:
            longest[0], longest[1] = elapsed, f"{method} {path.split('?')[0]} -> {status}"
        if status == 500:
            failures.append(("500", f"{method} {path}: {raw[:300]!r}"))
        if elapsed > STALL_LIMIT:
            failures.append(("stall", f"{method} {path} took {elapsed:.1f}s"))
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def admin(method, path, token, body=None):
    """One admin API call; a 503 (a node or the cluster catching up) is retried as told, for up
    to 30 s."""
    deadline = time.monotonic() + 30
    while True:
        req = urllib.request.Request(LB + "/api/v1" + path, method=method,
                                     data=json.dumps(body).encode() if body else None)
        req.add_header("Authorization", "Bearer " + token)
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                return json.loads(res.read())
        except urllib.error.HTTPError as err:
            if err.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(min(float(err.headers.get("Retry-After") or 1), 2.0))


def credentials():
    with open(os.path.join(BASE, "app1.log")) as log:
        text = log.read()
    admin_token = next(w for w in text.split() if w.startswith("gat_"))
    scim_token = next(w for w in text.split() if w.startswith("gsc_"))
    return admin_token, scim_token


class Client(threading.Thread):
    """One provisioning worker: owns the users it creates, pushes them in and out of groups."""

    def __init__(self, name, token, dialect, groups, stop):
        super().__init__(daemon=True)
        self.name, self.token, self.dialect, self.groups, self.stop = name, token, dialect, groups, stop
        self.users = {}  # id -> {"userName", "title": last acknowledged}
        self.unknown_title = set()  # users whose last title change had an unknown outcome
        self.membership = {}  # (group, user) -> True/False, last acknowledged
        self.unknown_membership = set()
        # (group, user) -> [(request id, op, status)]; user -> [(request id, when, status)]
        self.history = defaultdict(list)
        self.rng = random.Random(name)

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            action = self.rng.random()
            if not self.users or action < 0.3:
                self.create(n)
            elif action < 0.5:
                self.lookup()
            elif action < 0.7:
                self.retitle(n)
            else:
                self.push_member()

    def create(self, n):
        user_name = f"{self.name}-{n}@ha.example"
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name,
                "active": True, "title": "t0", "emails": [{"value": user_name, "primary": True}]}
        if self.dialect == "entra":
            body["active"] = "True"
        status, res = request("POST", "/Users", self.token, body)
        if status == 201:
            self.users[res["id"]] = {"userName": user_name, "title": "t0"}
        elif status == 409:
            # An earlier attempt whose answer was lost did create it: find it and adopt it.
            status, found = request("GET", f'/Users?filter=userName%20eq%20%22{user_name}%22', self.token)
            if status == 200 and found["totalResults"] == 1:
                self.users[found["Resources"][0]["id"]] = {"userName": user_name, "title": None}

    def lookup(self):
        uid = self.rng.choice(list(self.users))
        user_name = self.users[uid]["userName"]
        status, found = request("GET", f'/Users?filter=userName%20eq%20%22{user_name}%22', self.token)
        if status == 200 and [r["id"] for r in found["Resources"]] != [uid]:
            failures.append(("lookup", f"{user_name}: {found}"))

    def retitle(self, n):
        uid = self.rng.choice(list(self.users))
        op = "Replace" if self.dialect == "entra" else "replace"
        request_id = f"{self.name}-t{n}"
        status, _ = request("PATCH", f"/Users/{uid}", self.token, {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": op, "path": "title", "value": f"t{n}"}]}, request_id=request_id)
        self.history[uid].append((request_id, f"{time.monotonic() - started:.3f}s", status))
        if status == 200:
            self.users[uid]["title"] = f"t{n}"
            self.unknown_title.discard(uid)
        elif status in UNKNOWN:
            self.unknown_title.add(uid)

    def push_member(self):
        uid = self.rng.choice(list(self.users))
        gid = self.rng.choice(self.groups)
        add = not self.membership.get((gid, uid), False)
        if add:
            op = {"op": "add", "path": "members", "value": [{"value": uid}]}
        else:
            op = {"op": "remove", "path": f'members[value eq "{uid}"]'}
        request_id = f"{self.name}-{time.monotonic():.3f}"
        status, res = request("PATCH", f"/Groups/{gid}", self.token, {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]},
            request_id=request_id)
        listed = None
        if status == 200 and res is not None and "members" in res:
            listed = any(m.get("value") == uid for m in res["members"])
        self.history[(gid, uid)].append((request_id, "add" if add else "remove", status,
                                         f"listed={listed}"))
        if status in (200, 204):
            self.membership[(gid, uid)] = add
            self.unknown_membership.discard((gid, uid))
        elif status in UNKNOWN:
            self.unknown_membership.add((gid, uid))


def pid_of(name):
    with open(os.path.join(BASE, "pids", name)) as f:
        return int(f.read())


def kill(name):
    os.kill(pid_of(name), signal.SIGKILL)
    os.remove(os.path.join(BASE, "pids", name))
    note(f"kill -9 {name}")


def db_query(i, sql):
    out = subprocess.run(["mariadb", "--protocol=tcp", "-h127.0.0.1", f"-P{DB_PORTS[i - 1]}", "-uroot",
                          "-N", "-B", DATABASE, "-e", sql], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"db{i}: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines()]


def db_state(i):
    try:
        return db_query(i, "SHOW STATUS LIKE 'wsrep_local_state_comment'")[0][1]
    except Exception:
        return "down"


def restart_db(i):
    """Recovers the killed node's position and restarts it, so that it rejoins by IST."""
    cnf = os.path.join(BASE, f"db{i}", "my.cnf")
    subprocess.run(["/usr/sbin/mariadbd", f"--defaults-file={cnf}", "--wsrep-recover"],
                   capture_output=True, timeout=120)
    with open(os.path.join(BASE, f"db{i}", "error.log")) as log:
        positions = [l.split("Recovered position: ")[1].split()[0] for l in log if "Recovered position: " in l]
    args = ["/usr/sbin/mariadbd", f"--defaults-file={cnf}"]
    if positions:
        args.append(f"--wsrep-start-position={positions[-1]}")
    out = open(os.path.join(BASE, f"db{i}", "stdout.log"), "a")
    proc = subprocess.Popen(args, stdout=out, stderr=out)
    with open(os.path.join(BASE, "pids", f"db{i}"), "w") as f:
        f.write(str(proc.pid))
    t0 = time.monotonic()
    while db_state(i) != "Synced":
        if time.monotonic() - t0 > 180:
            failures.append(("rejoin", f"db{i} did not rejoin"))
            return
        time.sleep(0.5)
    with open(os.path.join(BASE, f"db{i}", "error.log")) as log:
        text = log.read()
    how = "IST" if "IST received" in text or "Receiving IST" in text else "SST"
    note(f"db{i} rejoined by {how} after {time.monotonic() - t0:.1f}s")
    if how != "IST":
        failures.append(("rejoin", f"db{i} rejoined by {how}, not IST"))


def ready(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as res:
            return res.status == 200
    except Exception:
        return False


def chaos(stop):
    span = TRAFFIC_SECONDS
    time.sleep(span * 0.15)
    kill("db2")
    t_lost = time.monotonic()
    while ready(APP_PORTS[1]):
        time.sleep(0.2)
    note(f"app2 reports not ready {time.monotonic() - t_lost:.1f}s after its database node died")
    time.sleep(span * 0.2)
    restart_db(2)
    t0 = time.monotonic()
    while not ready(APP_PORTS[1]):
        if time.monotonic() - t0 > 30:
            failures.append(("recover", "app2 did not become ready again"))
            break
        time.sleep(0.2)
    note(f"app2 ready again {time.monotonic() - t0:.1f}s after db2 synced")
    time.sleep(span * 0.1)
    kill("app3")


def haproxy_marked_down(server):
    with open(os.path.join(BASE, "haproxy.log")) as log:
        lines = [l for l in log if f"gatehouse/{server} is" in l]
    return bool(lines) and " is DOWN" in lines[-1]


def check_quorum_loss():
    """Pauses two database nodes: the third loses quorum, so its gatehouse node must report not
    ready; then resumes them and waits for recovery."""
    paused = [pid_of("db2"), pid_of("db3")]
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    note("paused db2 and db3 (SIGSTOP): db1 is alone, without quorum")
    t0 = time.monotonic()
    while ready(APP_PORTS[0]):
        if time.monotonic() - t0 > 30:
            failures.append(("quorum", "app1 stayed ready on a node without quorum"))
            break
        time.sleep(0.3)
    else:
        note(f"app1 reports not ready {time.monotonic() - t0:.1f}s after db1 lost quorum")
        while not haproxy_marked_down("app1"):
            if time.monotonic() - t0 > 30:
                failures.append(("quorum", "HAProxy kept sending traffic to app1"))
                break
            time.sleep(0.3)
        else:
            note(f"HAProxy took app1 out of rotation {time.monotonic() - t0:.1f}s after db1 lost quorum")
    for pid in paused:
        os.kill(pid, signal.SIGCONT)
    t0 = time.monotonic()
    while not ready(APP_PORTS[0]):
        if time.monotonic() - t0 > 60:
            failures.append(("quorum", "app1 did not recover after quorum came back"))
            return
        time.sleep(0.3)
    note(f"quorum back: app1 ready again after {time.monotonic() - t0:.1f}s")


def audit_trail(node, uid):
    """The last changes committed to a user, as the node's audit events record them (request id
    and time): tells a lost commit (its request id missing) from a late one (a request id
    committed after a newer one, or twice)."""
    if not all(c in "0123456789abcdef-" for c in uid):
        return "?"
    rows = db_query(node, "SELECT occurred_at, action, request_id FROM audit_events "
                          f"WHERE target_id = '{uid}' ORDER BY occurred_at DESC, id LIMIT 8")
    return [f"{r[2]} {r[1]} at {r[0]}" for r in reversed(rows)]


def verify(clients):
    """Every acknowledged write is on every node; nothing is half-written."""
    for node in range(1, len(DB_PORTS) + 1):
        users = {r[0]: r for r in db_query(node, "SELECT id, user_name, attributes FROM users")}
        emails = defaultdict(set)
        for uid, value in db_query(node, "SELECT user_id, value FROM user_emails"):
            emails[uid].add(value)
        members = {(g, m) for g, m in db_query(node, "SELECT group_id, member_id FROM group_members")}
        checked = 0
        for c in clients:
            for uid, want in c.users.items():
                row = users.get(uid)
                if row is None:
                    failures.append(("lost", f"db{node}: user {want['userName']} acknowledged, missing"))
                    continue
                doc = json.loads(row[2])
                if want["title"] is not None and uid not in c.unknown_title and doc.get("title") != want["title"]:
                    failures.append(("lost", f"db{node}: {want['userName']} ({uid}) title {doc.get('title')} != "
                                             f"{want['title']}: {c.history[uid][-6:]}; committed: "
                                             f"{audit_trail(node, uid)}"))
                if emails[uid] != {e["value"] for e in doc.get("emails", [])}:
                    failures.append(("partial", f"db{node}: {want['userName']} emails index differs from document"))
                checked += 1
            for (gid, uid), present in c.membership.items():
                if (gid, uid) in c.unknown_membership:
                    continue
                if ((gid, uid) in members) != present:
                    failures.append(("lost", f"db{node}: member {uid} of {gid} should be "
                                     f"{'in' if present else 'out'}: {c.history[(gid, uid)]}"))
        note(f"db{node}: {checked} acknowledged users and their memberships checked")


def conflicts_answered_as_errors():
    """Write conflicts must be retried inside gatehouse, never answered: their 503s are logged
    with the cause (the client only sees "retry later", like for a lost database node)."""
    found = []
    for i in range(1, len(APP_PORTS) + 1):
        try:
            with open(os.path.join(BASE, f"app{i}.log")) as log:
                found += [l.strip()[:300] for l in log if "request failed" in l and (
                    "write conflict" in l or "too many concurrent updates" in l)]
        except FileNotFoundError:
            pass
    return found


class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint: records each delivery's `webhook-id` and topic, answers 200."""
    hits = []  # (webhook-id, topic, data)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with lock:
            Receiver.hits.append((self.headers.get("webhook-id"), body.get("topic"), body.get("data") or {}))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def restart_app(i):
    """Starts a killed gatehouse node again with its own command line, and waits until ready."""
    if os.path.exists(os.path.join(BASE, "pids", f"app{i}")):
        return
    proc = subprocess.Popen(["bash", os.path.join(BASE, f"start-app{i}.sh")])
    with open(os.path.join(BASE, "pids", f"app{i}"), "w") as f:
        f.write(str(proc.pid))
    t0 = time.monotonic()
    while not ready(APP_PORTS[i - 1]):
        if time.monotonic() - t0 > 60:
            failures.append(("recover", f"app{i} did not start again"))
            return
        time.sleep(0.3)
    note(f"app{i} started again")


def check_outbox(admin_token):
    """Every node runs an outbox worker and offers the expiry sweep every 3 s: each notification
    (an export's `export.ready`) and each expiry warning (`token.expiring`, one per token) must
    reach the webhook exactly once, and the database must hold one warning per token."""
    for i in range(1, len(APP_PORTS) + 1):
        restart_app(i)
    time.sleep(3)  # HAProxy puts a node back after two good checks a second apart
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    admin("POST", "/webhooks", admin_token, {"url": url})
    exports, tokens = 10 if SHORT else 30, 10 if SHORT else 30
    export_ids = {admin("POST", "/apps/exports", admin_token)["id"] for _ in range(exports)}
    token_ids = {admin("POST", "/tokens", admin_token, {"name": f"outbox check {n}", "expires_in_days": 3})["id"]
                 for n in range(tokens)}
    note(f"outbox: {exports} exports and {tokens} tokens expiring in 3 days, webhook at {url}")
    t0 = time.monotonic()

    def seen():
        with lock:
            return ({h[2].get("export_id") for h in Receiver.hits if h[1] == "export.ready"} >= export_ids
                    and {h[2].get("token_id") for h in Receiver.hits if h[1] == "token.expiring"} >= token_ids)

    while not seen():
        if time.monotonic() - t0 > 90:
            failures.append(("outbox", "not every notification reached the webhook within 90 s"))
            break
        time.sleep(0.5)
    all_seen = time.monotonic() - t0
    time.sleep(8)  # two more sweep periods and poll rounds: room for any duplicate to show
    server.shutdown()
    with lock:
        hits = list(Receiver.hits)
    by_id = Counter(h[0] for h in hits)
    duplicates = {k: n for k, n in by_id.items() if n > 1}
    if duplicates:
        failures.append(("outbox", f"{len(duplicates)} notifications delivered more than once: "
                                   f"{list(duplicates.items())[:5]}"))
    warnings = Counter(h[2].get("token_id") for h in hits if h[1] == "token.expiring")
    twice = {t: n for t, n in warnings.items() if t in token_ids and n != 1}
    if twice:
        failures.append(("outbox", f"expiry warnings not exactly once: {list(twice.items())[:5]}"))
    for node in range(1, len(DB_PORTS) + 1):
        rows = db_query(node, "SELECT COUNT(*) FROM outbox WHERE topic = 'token.expiring' "
                              "AND payload LIKE '%outbox check%'")
        if int(rows[0][0]) != tokens:
            failures.append(("outbox", f"db{node}: {rows[0][0]} expiry warnings for {tokens} tokens"))
    note(f"outbox: {len(hits)} deliveries, {len(by_id)} distinct ids, {len(duplicates)} duplicates, "
         f"every one received {all_seen:.1f}s after the last was written")


def main():
    admin_token, okta_token = credentials()
    entra = admin("POST", "/idp-connections", admin_token, {"name": "Entra", "dialect": "entra"})
    entra_token = entra["secret"]["token"]
    groups = []
    for g in range(GROUPS):
        status, res = request("POST", "/Groups", okta_token, {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": f"HA group {g}"})
        assert status == 201, (status, res)
        groups.append(res["id"])
    stop = threading.Event()
    clients = [Client(f"okta{i}", okta_token, "okta", groups, stop) for i in range(CLIENTS_PER_IDP)]
    clients += [Client(f"entra{i}", entra_token, "entra", groups, stop) for i in range(CLIENTS_PER_IDP)]
    note(f"{len(clients)} clients for {TRAFFIC_SECONDS}s through {LB}")
    for c in clients:
        c.start()
    chaos_thread = threading.Thread(target=(lambda s: None) if NO_CHAOS else chaos, args=(stop,),
                                    daemon=True)
    chaos_thread.start()
    time.sleep(TRAFFIC_SECONDS)
    stop.set()
    for c in clients:
        c.join(timeout=STALL_LIMIT + 10)
    chaos_thread.join(timeout=240)
    note("traffic stopped")
    verify(clients)
    for line in conflicts_answered_as_errors():
        failures.append(("conflict", f"a write conflict reached a client: {line}"))
    if not NO_CHAOS:
        check_quorum_loss()
        check_outbox(admin_token)

    total = sum(statuses.values())
    print("\n=== failure test figures")
    print(f"requests: {total}; by status: {dict(sorted(statuses.items()))} (0 = connection lost)")
    print(f"longest request: {longest[0]:.2f}s ({longest[1]})")
    for line in events:
        print(line)
    if failures:
        print(f"\nFAILED: {len(failures)} broken promises")
        for kind, detail in failures[:40]:
            print(f"  {kind}: {detail}")
        sys.exit(1)
    print("\nPASSED: every acknowledged write on every node, nothing partial, no 500")


if __name__ == "__main__":
    main()
