#!/usr/bin/env python3
"""Attacks a release `reclab serve` as a determined client would, and measures normal traffic
(wrk from 127.0.0.1) during each attack, beside a baseline measured in the same run.

Attacks come from other loopback addresses (127.0.0.2, and 127.0.1.1-30 for a spread attack),
so the server tells them from the normal client as it would on a network:
- slow bodies: sockets that send a POST's headers and one byte of a 500-byte body, then one
  byte a second; a socket the server closes is opened again a second later;
- random-key flood: search requests each with a new X-API-Key, against a search limit;
- admin-key guessing, with authentication off and on.
Writes the Markdown report to the path given (benchmarks/attack.md)."""
import os, random, re, resource, selectors, shutil, socket, subprocess, sys, tempfile, threading, time, http.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECLAB = os.path.join(ROOT, ".build/release/reclab")
DATA = os.path.join(os.path.dirname(ROOT), "shared/datasets")
WRK_SECONDS = 10
ADMIN_KEY = "attack-admin-key-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`reclab serve` on a scratch copy of the database, with extra settings."""
    def __init__(self, scratch, template, env):
        self.port = free_port()
        db = os.path.join(scratch, "db-%d.sqlite" % self.port)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(template + suffix):
                shutil.copy(template + suffix, db + suffix)
        full = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), DATABASE_URL=db, EVALUATION_CONFIG="none",
                    LOG_LEVEL="error", OPENBLAS_NUM_THREADS="1", **env)
        self.log = open(os.path.join(scratch, "server-%d.log" % self.port), "w")
        self.process = subprocess.Popen([RECLAB, "serve"], cwd=ROOT, env=full, stdout=self.log, stderr=self.log)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.process.poll() is not None:
                sys.exit("the server exited; see %s" % self.log.name)
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/health/ready")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        sys.exit("the server was not ready in 300 s")

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def wrk(port, headers=()):
    """Normal traffic: wrk, 2 threads, 8 connections, rotating over catalogue and recommendation reads."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "normal.lua")
    command = ["wrk", "-t2", "-c8", "-d%ds" % WRK_SECONDS, "--latency", "-s", script]
    for header in headers:
        command += ["-H", header]
    run = subprocess.run(command + ["http://127.0.0.1:%d" % port], capture_output=True, text=True)
    out = run.stdout
    if "Latency Distribution" not in out:
        sys.exit("wrk gave no figures:\n%s%s" % (out, run.stderr))
    def grab(pattern, default="0"):
        m = re.search(pattern, out, re.M)
        return m.group(1) if m else default
    def ms(text):
        value, unit = float(re.match(r"([\d.]+)", text).group(1)), re.search(r"[a-z]+$", text).group(0)
        return value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", grab(r"Socket errors: (.*)", "")))
    return {"rps": float(grab(r"Requests/sec:\s+([\d.]+)")), "p50": ms(grab(r"^\s+50%\s+(\S+)")), "p99": ms(grab(r"^\s+99%\s+(\S+)")),
            "non2xx": int(grab(r"Non-2xx or 3xx responses: (\d+)")), "socket_errors": errors, "requests": int(grab(r"(\d+) requests in"))}


class SlowBodies(threading.Thread):
    """`count` sockets from `sources` (round robin), each trickling a 500-byte body a byte a second."""
    HEAD = b"POST /events HTTP/1.1\r\nHost: attack\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"

    def __init__(self, port, count, sources):
        super().__init__(daemon=True)
        self.port, self.count, self.sources = port, count, sources
        self.stop_event = threading.Event()
        self.opened = 0
        self.answers = {}

    def open(self, selector, index):
        s = socket.socket()
        s.setblocking(False)
        s.bind((self.sources[index % len(self.sources)], 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            return None
        selector.register(s, selectors.EVENT_READ, {"index": index, "sent": 0, "buffer": b""})
        self.opened += 1
        return s

    def run(self):
        selector = selectors.DefaultSelector()
        live, reopen = {}, []  # index -> socket; (time, index) to open again
        for index in range(self.count):
            live[index] = self.open(selector, index)
            if index % 200 == 199:
                time.sleep(0.05)  # the listen backlog is finite: connect in bursts
        next_tick = time.time()
        while not self.stop_event.is_set():
            for key, _ in selector.select(timeout=0.1):
                s, state = key.fileobj, key.data
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if data:
                    state["buffer"] += data
                    continue
                status = state["buffer"][9:12].decode() if state["buffer"].startswith(b"HTTP/1.1 ") else "closed"
                self.answers[status] = self.answers.get(status, 0) + 1
                selector.unregister(s)
                s.close()
                live.pop(state["index"], None)
                reopen.append((time.time() + 1, state["index"]))
            now = time.time()
            if now >= next_tick:
                next_tick = now + 1
                for index, s in list(live.items()):
                    if s is None:
                        continue
                    state = selector.get_key(s).data
                    try:
                        s.send(self.HEAD if state["sent"] == 0 else b" ")
                        state["sent"] += 1
                    except (BlockingIOError, OSError):
                        pass
                due = [r for r in reopen if r[0] <= now]
                reopen = [r for r in reopen if r[0] > now]
                for _, index in due:
                    live[index] = self.open(selector, index)
        for s in live.values():
            if s is not None:
                s.close()

    def summary(self):
        return {"opened": self.opened, "answers": dict(sorted(self.answers.items()))}


def requests(port, count, path, source, headers_for):
    """`count` requests one after another on a keep-alive connection from `source`; status counts and seconds."""
    statuses, started = {}, time.time()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    for i in range(count):
        connection.request("POST" if path.startswith("/admin") else "GET", path, headers=headers_for(i))
        response = connection.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    connection.close()
    return statuses, time.time() - started


def during(port, attack, headers=()):
    """wrk's figures while `attack` (a function) runs beside it; the attack's result."""
    result = {}
    worker = threading.Thread(target=lambda: result.update(value=attack()))
    worker.start()
    traffic = wrk(port, headers)
    worker.join()
    return traffic, result.get("value")


def scrape(port):
    """The server's own figures: bodies being received now, and connections refused so far."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    def value(series):
        m = re.search(r"^%s (\S+)$" % re.escape(series), text, re.M)
        return float(m.group(1)) if m else 0.0
    return value('reclab_requests_in_stage{stage="receiving_body"}'), value('reclab_connections_refused_total{reason="client_connections"}')


def slow_phase(port, count, sources):
    attacker = SlowBodies(port, count, sources)
    attacker.start()
    time.sleep(2)  # the sockets open and send their first byte
    refused_before = scrape(port)[1]
    receiving, done = [], threading.Event()
    def sample():
        while not done.wait(1):
            receiving.append(scrape(port)[0])
    sampler = threading.Thread(target=sample)
    sampler.start()
    traffic = wrk(port)
    done.set()
    sampler.join()
    refused = scrape(port)[1] - refused_before
    attacker.stop_event.set()
    attacker.join()
    summary = attacker.summary()
    receiving.sort()
    summary.update(receiving=receiving[len(receiving) // 2] if receiving else 0, refused=refused)
    return traffic, summary


def statuses(counts):
    return ", ".join("%d × %s" % (n, code) for code, n in sorted(counts.items()))


def row(name, traffic, baseline, attack):
    ratio = traffic["rps"] / baseline["rps"] if baseline["rps"] else 0
    return "| %s | %.0f (%.0f%%) | %.2f | %.2f | %d | %d | %s |" % (
        name, traffic["rps"], 100 * ratio, traffic["p50"], traffic["p99"], traffic["non2xx"], traffic["socket_errors"], attack)


def main():
    out = sys.argv[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 4000:
        sys.exit("the open-file limit (%d) is too low for 3,000 sockets" % hard)
    scratch = tempfile.mkdtemp(prefix="reclab-attack-")
    template = os.path.join(scratch, "template.sqlite")
    subprocess.run([RECLAB, "import", os.path.join(DATA, "ml-latest-small"), "--database", template], check=True, stdout=subprocess.DEVNULL)
    rows = []
    print("slow bodies", file=sys.stderr)
    server = Server(scratch, template, {})
    baseline = wrk(server.port)
    rows.append(row("none (baseline)", baseline, baseline, "–"))
    one = ["127.0.0.2"]
    spread = ["127.0.1.%d" % i for i in range(1, 31)]
    for name, count, sources in [("300 slow bodies, one address", 300, one), ("3,000 slow bodies, one address", 3000, one),
                                 ("3,000 slow bodies, 30 addresses", 3000, spread)]:
        traffic, attack = slow_phase(server.port, count, sources)
        rows.append(row(name, traffic, baseline, "%d connections opened; the server held %d bodies (median), closed %d connections past the address's limit, answered %s" % (
            attack["opened"], attack["receiving"], attack["refused"], statuses(attack["answers"]))))
    server.stop()

    print("random-key flood", file=sys.stderr)
    server = Server(scratch, template, {"RATE_LIMIT_SEARCH": "100", "RATE_LIMIT_WINDOW": "60"})
    baseline_limited = wrk(server.port)
    traffic, (flood, seconds) = during(server.port, lambda: requests(
        server.port, 300, "/movies/search?query=love", "127.0.0.2", lambda i: {"X-API-Key": "minted-%d-%d" % (i, random.getrandbits(32))}))
    rows.append(row("300 searches with random keys (limit 100 a minute)", traffic, baseline_limited, statuses(flood)))
    traffic, (plain, seconds) = during(server.port, lambda: requests(server.port, 300, "/movies/search?query=love", "127.0.0.3", lambda i: {}))
    rows.append(row("300 searches without a key, another address", traffic, baseline_limited, statuses(plain)))
    server.stop()

    for authentication in (False, True):
        label = "on" if authentication else "off"
        print("admin-key guessing, authentication %s" % label, file=sys.stderr)
        env = {"ADMIN_API_KEY": ADMIN_KEY}
        headers = ()
        if authentication:
            keys = os.path.join(scratch, "keys.txt")
            key = subprocess.run([RECLAB, "keys", "add", "normal"], env=dict(os.environ, API_KEYS_FILE=keys), capture_output=True, text=True,
                                 check=True).stdout.strip().splitlines()[-1]
            env.update(ENABLE_AUTHENTICATION="true", API_KEYS_FILE=keys)
            headers = ("X-API-Key: %s" % key,)
        server = Server(scratch, template, env)
        base = wrk(server.port, headers)
        traffic, (guesses, seconds) = during(server.port, lambda: requests(
            server.port, 200, "/admin/refit", "127.0.0.2", lambda i: {"X-API-Key": "guess-%d" % i}), headers)
        right_locked, _ = requests(server.port, 1, "/admin/refit", "127.0.0.2", lambda i: {"X-API-Key": ADMIN_KEY})
        right_other, _ = requests(server.port, 1, "/admin/refit", "127.0.0.4", lambda i: {"X-API-Key": ADMIN_KEY})
        rows.append(row("200 wrong admin keys, authentication %s" % label, traffic, base,
                        "%s in %.2f s; then the right key: %s from the guesser, %s from another address" % (
                            statuses(guesses), seconds, statuses(right_locked), statuses(right_other))))
        server.stop()
    shutil.rmtree(scratch, ignore_errors=True)

    cores = os.cpu_count()
    with open(out, "w") as f:
        f.write("""# Attacks against a release build

`scripts/attack.sh` on %s (%d cores), %s. Each attack runs against `reclab serve` on
ml-latest-small with the settings named, from other loopback addresses, while wrk (`-t2 -c8
-d%ds`, `scripts/attack/normal.lua`: movie details, popular and similar recommendations, genres)
plays the normal client from 127.0.0.1. Each row's req/s is also given as a share of the
baseline measured by the same run on the same server settings (the attacker, the server and
wrk share the cores, so part of any drop is the attacker's own CPU). Latencies in ms.

Slow bodies: each socket sends a POST's headers and one byte of a 500-byte body, then a byte a
second; a socket the server closes is opened again a second later. The server's side comes from
its own metrics, scraped each second of the phase: request bodies it was receiving
(`reclab_requests_in_stage{stage="receiving_body"}`, median) and connections it closed as soon
as they opened (`reclab_connections_refused_total`). "Closed" counts sockets the server closed
without an answer (those past the address's connection limit).

| attack | normal req/s (of baseline) | p50 | p99 | non-2xx | socket errors | what the attacker got |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
%s

What holds them off (README, *Protection*): a body is read before its request takes one of
`MAX_CONCURRENT_REQUESTS` slots, and cut with 408 once it averages under
`MIN_REQUEST_BODY_RATE` (240 bytes a second) after `REQUEST_BODY_GRACE_PERIOD` (5 s); one
address holds at most `MAX_CLIENT_CONNECTIONS` (128) connections and `MAX_CLIENT_REQUESTS` (64)
requests in flight; an unverified API key names no client, so quotas stay per address; wrong
keys lock a client out after `AUTH_FAILURE_LIMIT` (10) for `AUTH_LOCKOUT_SECONDS` (300).
""" % (time.strftime("%Y-%m-%d"), cores, platform(), WRK_SECONDS, "\n".join(rows)))
    print(open(out).read())


def platform():
    try:
        model = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except (OSError, IndexError):
        model = "unknown CPU"
    return model


if __name__ == "__main__":
    main()
