"""Integration test of the sentinel feature store: 1 master + 2 replicas + 3 sentinels,
real servers on free loopback ports, and `aipipe serve` with FEATURE_STORE=sentinel and
REDIS_WAIT_REPLICAS=1.

Proves: the store finds the master through the sentinels; with writes flowing, kill -9 of
the master is followed: the sentinels promote a replica, the store reconnects to it by
itself, writes and reads resume within seconds, and not one write that the API
acknowledged (so one that WAIT saw on a replica) is missing afterwards."""
import concurrent.futures
import os
import threading
import time
import unittest

import redis_servers as rs
from harness import SOURCE_DIR, Server, wait_until

DEFS = os.path.join(SOURCE_DIR, "configs", "feature_store.yaml")
NAME = "aipipe-test"


@unittest.skipUnless(rs.AVAILABLE, "redis-server, redis-sentinel and redis-cli are needed "
                                   "(scripts/install-deps.sh)")
class Failover(unittest.TestCase):
    def setUp(self):
        root = rs.tmpdir("aipipe-sentinel-")
        self.master = rs.redis(root, "master")
        self.replicas = [rs.redis(root, f"replica{i}", [f"replicaof 127.0.0.1 {self.master.port}"])
                         for i in range(2)]
        self.assertTrue(rs.wait_until(
            lambda: "connected_slaves:2" in rs.resp(self.master.port, "INFO", "replication"), 30))
        self.sentinels = [rs.sentinel(root, f"sentinel{i}", NAME, self.master.port)
                          for i in range(3)]
        # Every sentinel must know the replicas and the other sentinels before a failover.
        self.assertTrue(rs.wait_until(lambda: all(
            len(rs.resp(s.port, "SENTINEL", "replicas", NAME)) == 2 and
            len(rs.resp(s.port, "SENTINEL", "sentinels", NAME)) == 2 for s in self.sentinels), 60))
        self.server = Server(env={
            "FEATURE_STORE": "sentinel", "REDIS_MASTER_NAME": NAME,
            "REDIS_SENTINELS": ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels),
            "REDIS_WAIT_REPLICAS": "1", "REDIS_WAIT_TIMEOUT_MS": "2000",
            "FEATURE_STORE_RETRY_MS": "20000", "REDIS_TIMEOUT_MS": "1000",
            "FEATURE_STORE_DEFINITIONS": DEFS, "RATE_LIMIT_FEATURES": "0"})

    def tearDown(self):
        try:
            self.server.stop()
        finally:
            rs.stop_all()

    def current_master(self):
        for s in self.sentinels:
            try:
                host, port = rs.resp(s.port, "SENTINEL", "get-master-addr-by-name", NAME)
                return int(port)
            except (OSError, RuntimeError):
                continue
        return None

    def test_kill9_master_under_write_load(self):
        srv = self.server
        acked, failed = {}, []
        lock = threading.Lock()
        stop = threading.Event()
        counter = iter(range(10 ** 9))

        def writer():
            while not stop.is_set():
                with lock:
                    i = next(counter)
                try:
                    st, _, body = srv.json("POST", "/features", {
                        "entity_id": f"w{i}", "features": {"word_count": i}})
                except OSError:
                    st = 0
                with lock:
                    if st == 200:
                        acked[i] = time.time()
                    else:
                        failed.append((i, st))

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            self.assertTrue(wait_until(lambda: len(acked) >= 100, 30), "no writes before the kill")
            old = self.master.port
            killed_at = time.time()
            self.master.kill9()
            # The sentinels promote a replica ...
            self.assertTrue(rs.wait_until(
                lambda: self.current_master() not in (None, old), 60), "no failover")
            # ... and writes through the store resume on the new master.
            self.assertTrue(wait_until(
                lambda: any(t > killed_at + 0.5 and t > self._promoted_at() for t in
                            list(acked.values())), 60), "writes did not resume")
            resumed = max(acked.values()) - killed_at
            time.sleep(1)
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        new = self.current_master()
        self.assertNotEqual(new, old)
        # Reads resume: every acknowledged write is there, on the new master.
        ids = sorted(acked)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            st, _, body = srv.json("POST", "/get-online-features", {
                "features": ["document_ocr:word_count"],
                "entities": {"document_id": [f"w{i}" for i in chunk]}})
            self.assertEqual(st, 200, body)
            missing = [i for i, v in zip(chunk, body["results"][1]["values"]) if v != i]
            self.assertEqual(missing, [], "acknowledged writes lost in the failover")
        self.assertIsNotNone(rs.resp(new, "HGET", f"fs:{{document:w{ids[-1]}}}:document_ocr",
                                     "word_count"))
        self.assertTrue(wait_until(
            lambda: srv.json("GET", "/health")[2]["services"]["feature_store"] == "up", 20))
        print(f"\nsentinel failover: {len(acked)} writes acknowledged, {len(failed)} refused "
              f"during the failover, writes resumed {resumed:.1f} s after the kill")

    _promoted = None

    def _promoted_at(self):
        if self._promoted is None and self.current_master() not in (None, self.master.port):
            self._promoted = time.time()
        return self._promoted if self._promoted is not None else float("inf")


if __name__ == "__main__":
    unittest.main(verbosity=2)
