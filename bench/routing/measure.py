"""The two routing designs #14 names, measured on a real redis-server: what
one send-to of 100 users spread over 3 nodes costs Redis, and how many round
trips the sending node waits for.

  per-node: the recipients' node counts are read in one pipeline (HGETALL
            each), then one PUBLISH per other node holding any of them,
            naming its users (what Switchboard does);
  per-user: each node subscribes to a channel per local user; the sender
            PUBLISHes once per recipient.

Three subscriber connections (the nodes) read everything they are sent.
Prints Redis CPU per fan-out (from INFO's used_cpu_user + used_cpu_sys),
commands per fan-out, messages delivered to nodes per fan-out, and the
sender's wall time per fan-out (median of batches), for each design.

Usage: python measure.py REDIS_PORT [FANOUTS]
"""

import statistics
import sys
import threading
import time

import redis

PORT = int(sys.argv[1])
FANOUTS = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
USERS = 3000
NODES = ["n0", "n1", "n2"]
PAYLOAD = '{"t": 123456789, "pad": "' + "x" * 40 + '"}'


def node_of(user):
    return NODES[user % 3]


def cpu(r):
    info = r.info("cpu")
    return info["used_cpu_user"] + info["used_cpu_sys"]


def commands(r):
    return r.info("stats")["total_commands_processed"]


def subscribers(channels_of_node, received):
    threads = []
    for node in NODES:
        sub = redis.Redis(port=PORT).pubsub(ignore_subscribe_messages=True)
        channels = channels_of_node(node)
        for i in range(0, len(channels), 500):
            sub.subscribe(*channels[i : i + 500])

        def run(sub=sub):
            try:
                for message in sub.listen():
                    if message["type"] == "message":
                        received[0] += 1
            except (redis.ConnectionError, ValueError, AttributeError):
                return

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append((sub, thread))
    time.sleep(0.5)
    return threads


def measure(name, send_one, channels_of_node):
    r = redis.Redis(port=PORT)
    received = [0]
    threads = subscribers(channels_of_node, received)
    # 100 users, a third on each node.
    recipients = [(i * 31) % USERS for i in range(100)]
    for _ in range(200):
        send_one(r, recipients)
    cpu0, cmd0, got0 = cpu(r), commands(r), received[0]
    walls = []
    for batch in range(FANOUTS // 100):
        started = time.perf_counter()
        for _ in range(100):
            send_one(r, recipients)
        walls.append((time.perf_counter() - started) / 100)
    time.sleep(0.5)
    cpu1, cmd1, got1 = cpu(r), commands(r), received[0]
    n = (FANOUTS // 100) * 100
    print(
        f"{name}: Redis CPU {1e6 * (cpu1 - cpu0) / n:.1f} µs per fan-out, "
        f"{(cmd1 - cmd0) / n:.1f} commands, {(got1 - got0) / n:.1f} messages to nodes, "
        f"sender wall {1e6 * statistics.median(walls):.0f} µs per fan-out (median of batches)"
    )
    for sub, _ in threads:
        sub.close()


def setup_counts(r):
    r.flushall()
    pipe = r.pipeline(transaction=False)
    for user in range(USERS):
        pipe.hset(f"sb:{{u:u{user}}}:n", node_of(user), 1)
    pipe.execute()


def per_node(r, recipients):
    pipe = r.pipeline(transaction=False)
    for user in recipients:
        pipe.hgetall(f"sb:{{u:u{user}}}:n")
    counts = pipe.execute()
    by_node = {}
    for user, nodes in zip(recipients, counts):
        for node in nodes:
            node = node.decode()
            if node != "n0":
                by_node.setdefault(node, []).append(f"u{user}")
    pipe = r.pipeline(transaction=False)
    for node, users in by_node.items():
        pipe.publish(f"sb:node:{node}", ",".join(users) + "|" + PAYLOAD)
    pipe.execute()


def per_user(r, recipients):
    pipe = r.pipeline(transaction=False)
    for user in recipients:
        # A node delivers its own users' messages itself.
        if node_of(user) != "n0":
            pipe.publish(f"sb:user:u{user}", PAYLOAD)
    pipe.execute()


if __name__ == "__main__":
    admin = redis.Redis(port=PORT)
    setup_counts(admin)
    measure("per-node channels + index", per_node, lambda node: [f"sb:node:{node}"])
    measure(
        "per-user channels",
        per_user,
        lambda node: [f"sb:user:u{u}" for u in range(USERS) if node_of(u) == node],
    )
