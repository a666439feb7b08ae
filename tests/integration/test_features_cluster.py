"""Integration test of the cluster feature store: a 6-node Redis Cluster (3 masters + 3
replicas, `redis-cli --cluster create`) on free loopback ports, and `aipipe serve` with
FEATURE_STORE=cluster given only one seed node.

Proves: keys are routed to the master that owns their slot (CRC16 with the entity's hash
tag, so both views of an entity share a slot); after a slot is moved to another master the
store follows the MOVED redirection (reads the moved data, writes land on the new owner);
during a migration it follows ASK for keys already moved, including new keys, while keys
not yet moved are served by the old owner; after kill -9 of a master, reads and writes of
its slots resume once its replica is promoted, and the store reports up again."""
import os
import socket
import time
import unittest

import redis_servers as rs
from harness import SOURCE_DIR, Server, wait_until

DEFS = os.path.join(SOURCE_DIR, "configs", "feature_store.yaml")


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def slot_of_entity(entity_id):
    return crc16(f"document:{entity_id}".encode()) % 16384


def key(entity_id, view="document_ocr"):
    return f"fs:{{document:{entity_id}}}:{view}"


def resp_many(port, commands):
    """Runs commands on one connection (ASKING applies to the next command only)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        replies = []
        for cmd in commands:
            out = b"*%d\r\n" % len(cmd)
            for a in cmd:
                a = str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            replies.append(rs._read(f))
        return replies


@unittest.skipUnless(rs.AVAILABLE, "redis-server, redis-sentinel and redis-cli are needed "
                                   "(scripts/install-deps.sh)")
class Cluster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = rs.tmpdir("aipipe-cluster-")
        try:
            cls.nodes = rs.cluster(cls.root)
            cls.server = Server(env={
                "FEATURE_STORE": "cluster",
                "REDIS_CLUSTER_NODES": f"127.0.0.1:{cls.nodes[0].port}",
                "FEATURE_STORE_RETRY_MS": "20000", "REDIS_TIMEOUT_MS": "1000",
                "FEATURE_STORE_DEFINITIONS": DEFS, "RATE_LIMIT_FEATURES": "0"})
        except Exception:
            rs.stop_all()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            rs.stop_all()

    def live(self):
        return next(n for n in self.nodes if n.alive)

    def owners(self):
        """slot -> master port, from CLUSTER SLOTS."""
        out = {}
        for start, end, master, *_ in rs.resp(self.live().port, "CLUSTER", "SLOTS"):
            for s in range(start, end + 1):
                out[s] = master[1]
        return out

    def node_id(self, port):
        return rs.resp(port, "CLUSTER", "MYID")

    def masters(self):
        return sorted(set(self.owners().values()))

    def write(self, entity_id, **features):
        return self.server.json("POST", "/features", {"entity_id": entity_id,
                                                      "features": features})[0]

    def read(self, entity_id, names):
        st, _, body = self.server.json("GET", f"/features/{entity_id}?features={names}")
        return st, body

    def entity_on(self, port, prefix, exclude_slot=None):
        owners = self.owners()
        for i in range(100000):
            e = f"{prefix}{i}"
            s = slot_of_entity(e)
            if owners.get(s) == port and s != exclude_slot:
                return e
        raise AssertionError("no entity id for that node")

    def test_a_routing(self):
        ids = [f"r{i}" for i in range(60)]
        for i, e in enumerate(ids):
            self.assertEqual(self.write(e, word_count=i, cell_count=i + 1), 200)
        owners = self.owners()
        self.assertEqual(rs.resp(self.live().port, "CLUSTER", "KEYSLOT", key("r7")),
                         slot_of_entity("r7"))
        for e in ids:
            port = owners[slot_of_entity(e)]
            self.assertEqual(rs.resp(port, "EXISTS", key(e)), 1, e)
            self.assertEqual(rs.resp(port, "EXISTS", key(e, "document_layout")), 1, e)
        self.assertGreater(len({owners[slot_of_entity(e)] for e in ids}), 1)
        st, _, body = self.server.json("POST", "/get-online-features", {
            "features": ["document_ocr:word_count", "document_layout:cell_count"],
            "entities": {"document_id": ids}})
        self.assertEqual(st, 200, body)
        self.assertEqual(body["results"][1]["values"], list(range(60)))
        self.assertEqual(body["results"][2]["values"], list(range(1, 61)))
        self.assertEqual(self.server.json("GET", "/health")[2]["services"]["feature_store"], "up")

    def migrate_start(self, slot, src, dst):
        rs.resp(dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", self.node_id(src))
        rs.resp(src, "CLUSTER", "SETSLOT", slot, "MIGRATING", self.node_id(dst))

    def migrate_keys(self, src, dst, keys):
        rs.resp(src, "MIGRATE", "127.0.0.1", dst, "", 0, 5000, "KEYS", *keys)

    def migrate_end(self, slot, dst):
        for port in self.masters() + [dst]:
            rs.resp(port, "CLUSTER", "SETSLOT", slot, "NODE", self.node_id(dst))

    def test_b_moved(self):
        masters = self.masters()
        src, dst = masters[0], masters[1]
        e = self.entity_on(src, "mv")
        self.assertEqual(self.write(e, word_count=11), 200)
        self.assertEqual(self.read(e, "word_count")[1]["features"], {"word_count": 11})
        slot = slot_of_entity(e)
        self.migrate_start(slot, src, dst)
        self.migrate_keys(src, dst, rs.resp(src, "CLUSTER", "GETKEYSINSLOT", slot, 100))
        self.migrate_end(slot, dst)
        self.assertTrue(rs.wait_until(lambda: self.owners()[slot] == dst, 20))
        # The store still maps the slot to src: src answers MOVED, the store follows.
        st, body = self.read(e, "word_count")
        self.assertEqual((st, body["features"]), (200, {"word_count": 11}))
        self.assertEqual(self.write(e, word_count=12), 200)
        self.assertEqual(rs.resp(dst, "HGET", key(e), "word_count").split(" ")[1], "12")

    def test_c_ask(self):
        masters = self.masters()
        src, dst = masters[2], masters[0]
        e = self.entity_on(src, "ask")
        self.assertEqual(self.write(e, word_count=21, cell_count=22), 200)
        slot = slot_of_entity(e)
        self.migrate_start(slot, src, dst)
        try:
            # Only the document_ocr key moves; document_layout stays on src for now.
            self.migrate_keys(src, dst, [key(e)])
            st, body = self.read(e, "word_count,cell_count")
            self.assertEqual((st, body["features"]), (200, {"word_count": 21, "cell_count": 22}))
            # A new key of a migrating slot: src does not have it, so it goes to dst by ASK.
            other = next(f"ask{i}-b" for i in range(10 ** 6)
                         if slot_of_entity(f"ask{i}-b") == slot)
            self.assertEqual(self.write(other, word_count=23), 200)
            got = resp_many(dst, [("ASKING",), ("HGET", key(other), "word_count")])[1]
            self.assertEqual(got.split(" ")[1], "23")
            self.assertEqual(self.read(other, "word_count")[1]["features"], {"word_count": 23})
        finally:
            rest = rs.resp(src, "CLUSTER", "GETKEYSINSLOT", slot, 100)
            if rest:
                self.migrate_keys(src, dst, rest)
            self.migrate_end(slot, dst)
        st, body = self.read(e, "word_count,cell_count")
        self.assertEqual((st, body["features"]), (200, {"word_count": 21, "cell_count": 22}))

    def cluster_view(self):
        """What each live node thinks of the cluster, and the server's last log lines: the
        failure message of a failover that did not complete."""
        out = []
        for n in self.nodes:
            if n.alive:
                try:
                    out.append(f"--- {n.port} CLUSTER NODES\n" + rs.resp(n.port, "CLUSTER", "NODES"))
                except (OSError, RuntimeError) as e:
                    out.append(f"--- {n.port}: {e}")
                out.append(f"--- {n.port} log\n" + n.tail()[-800:])
        return "\n".join(out + ["--- aipipe serve log"] + self.server.log[-15:])

    def test_d_failover(self):
        victim = self.masters()[1]
        e = self.entity_on(victim, "fo")
        self.assertEqual(self.write(e, word_count=31), 200)
        self.assertGreaterEqual(rs.resp(victim, "WAIT", 1, 5000), 1)
        # The write is on the replica that will take over (read there, READONLY), so the
        # test measures the failover, not replication racing the kill.
        # The master may know its replica by replication (WAIT) before its cluster table
        # lists it (seen once in CI): wait for the listing.
        listed = []
        self.assertTrue(rs.wait_until(lambda: listed.extend(
            rs.resp(victim, "CLUSTER", "REPLICAS", self.node_id(victim))) or listed, 30),
            "the master lists no replica\n" + self.cluster_view())
        replica = int(listed[0].split()[1].split("@")[0].rsplit(":", 1)[1])
        self.assertTrue(rs.wait_until(lambda: resp_many(replica, [
            ("READONLY",), ("HGET", key(e), "word_count")])[1] is not None, 30),
            "the write did not reach the replica\n" + self.cluster_view())
        node = next(n for n in self.nodes if n.port == victim)
        node.kill9()
        killed = time.time()
        # Reads of the dead master's slots resume once its replica is promoted.
        self.assertTrue(wait_until(lambda: self.read(e, "word_count")[0] == 200, 180),
                        "reads did not resume after the failover\n" + self.cluster_view())
        self.assertEqual(self.read(e, "word_count")[1]["features"], {"word_count": 31})
        self.assertTrue(wait_until(lambda: self.write(e, word_count=32) == 200, 120))
        resumed = time.time() - killed
        self.assertEqual(self.read(e, "word_count")[1]["features"], {"word_count": 32})
        self.assertNotIn(victim, self.masters())
        self.assertTrue(wait_until(
            lambda: self.server.json("GET", "/health")[2]["services"]["feature_store"] == "up",
            60))
        print(f"\ncluster failover: reads and writes resumed {resumed:.1f} s after the kill")


if __name__ == "__main__":
    unittest.main(verbosity=2)
