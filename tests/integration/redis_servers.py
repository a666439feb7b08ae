"""Real Redis servers for the feature store's integration tests: standalone, replicas,
sentinels and cluster nodes, each in the foreground on a free 127.0.0.1 port with its own
config file in a temp dir. Every server started is stopped by stop_all() (registered with
atexit too, so a failing test still leaves nothing running). Standard library only."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REDIS_SERVER = shutil.which("redis-server")
REDIS_SENTINEL = shutil.which("redis-sentinel")
REDIS_CLI = shutil.which("redis-cli")
AVAILABLE = bool(REDIS_SERVER and REDIS_SENTINEL and REDIS_CLI)

_procs = []


def _port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port(bus=False):
    """A free port; with bus, one whose cluster bus port (port + 10000) is free too."""
    for _ in range(200):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if bus and (port + 10000 > 65535 or not _port_free(port + 10000)):
            continue
        return port
    raise RuntimeError("no free port")


def resp(port, *args, timeout=5.0):
    """Sends one command, returns the decoded reply (errors as RuntimeError)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")
        return _read(f)


def _read(f):
    line = f.readline()
    if not line:
        raise ConnectionError("closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data.decode()
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read(f) for _ in range(n)]
    raise RuntimeError("bad reply " + repr(line))


def wait_until(cond, timeout=30.0, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if cond():
                return True
        except (OSError, RuntimeError, ConnectionError):
            pass
        time.sleep(step)
    return False


class Proc:
    def __init__(self, argv, port, workdir):
        self.port = port
        self.dir = workdir
        self.log = open(os.path.join(workdir, "log.txt"), "w")
        self.proc = subprocess.Popen(argv, cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT)
        _procs.append(self)
        if not wait_until(self._answers, 20):
            raise RuntimeError(f"{argv[0]} on {port} did not start: " + self.tail())

    def _answers(self):
        try:
            return resp(self.port, "PING") == "PONG"
        except RuntimeError as e:  # NOAUTH: up, with a password
            return "NOAUTH" in str(e)

    def tail(self):
        with open(os.path.join(self.dir, "log.txt")) as f:
            return f.read()[-2000:]

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.log.close()

    @property
    def alive(self):
        return self.proc.poll() is None


def _conf(workdir, lines):
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, "redis.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


BASE = ["bind 127.0.0.1", "protected-mode no", "daemonize no", 'save ""', "appendonly no",
        "repl-diskless-sync-delay 0", "loglevel notice"]


def redis(root, name, extra=(), port=None, bus=False):
    port = port or free_port(bus)
    workdir = os.path.join(root, name)
    conf = _conf(workdir, BASE + [f"port {port}", f"dir {workdir}", *extra])
    return Proc([REDIS_SERVER, conf], port, workdir)


def sentinel(root, name, master_name, master_port, quorum=2):
    port = free_port()
    workdir = os.path.join(root, name)
    # A fresh file for each sentinel: it rewrites its config as it learns.
    conf = _conf(workdir, [
        "bind 127.0.0.1", "protected-mode no", "daemonize no", f"port {port}", f"dir {workdir}",
        f"sentinel monitor {master_name} 127.0.0.1 {master_port} {quorum}",
        f"sentinel down-after-milliseconds {master_name} 1000",
        f"sentinel failover-timeout {master_name} 10000",
        f"sentinel parallel-syncs {master_name} 1"])
    return Proc([REDIS_SENTINEL, conf], port, workdir)


def cluster(root, nodes=6, node_timeout=2000):
    """3 masters + 3 replicas; returns the node procs once cluster_state is ok everywhere.
    A replica refuses to fail over once its master has been gone longer than
    validity-factor x node-timeout; on a loaded machine the first elections can take that
    long and the replica then never takes over, so the factor is 0 (always try)."""
    procs = [redis(root, f"node{i}", ["cluster-enabled yes", "cluster-config-file nodes.conf",
                                      f"cluster-node-timeout {node_timeout}",
                                      "cluster-replica-validity-factor 0",
                                      "cluster-require-full-coverage no"], bus=True)
             for i in range(nodes)]
    addrs = [f"127.0.0.1:{p.port}" for p in procs]
    subprocess.run([REDIS_CLI, "--cluster", "create", *addrs, "--cluster-replicas", "1",
                    "--cluster-yes"], check=True, capture_output=True, timeout=120)
    ok = wait_until(lambda: all("cluster_state:ok" in resp(p.port, "CLUSTER", "INFO")
                                for p in procs), 60)
    # Every replica done with its first full sync: a replica still loading it holds none of
    # the data written meanwhile, and would be promoted empty.
    ok = ok and wait_until(lambda: all(replica_synced(p.port) for p in procs), 60)
    if not ok:
        raise RuntimeError("cluster did not converge")
    return procs


def replica_synced(port):
    """True for a master, or a replica whose link to its master is up and not syncing."""
    info = resp(port, "INFO", "replication")
    return "role:master" in info or ("master_link_status:up" in info and
                                     "master_sync_in_progress:0" in info)


_dirs = []


def stop_all():
    """Stops every server started here, then removes the temp dirs."""
    while _procs:
        _procs.pop().stop()
    while _dirs:
        shutil.rmtree(_dirs.pop(), True)


atexit.register(stop_all)


def tmpdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    _dirs.append(d)
    return d
