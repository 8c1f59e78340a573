"""Fills a directory with the benchmark's mixed data set.

    python3 gen.py DIR SCALE

SCALE 1 is about 1 GiB: 480 MiB of text-like data (log and CSV lines with varying numbers, names and
ids, which compress the way real logs do, unlike zeros), 480 MiB of random bytes, and 20,000 small files
(1-6 KiB, half text, half random) in 200 directories. SCALE 4 is four times the large files.
"""
import os
import random
import sys

MIB = 1024 * 1024


def text_chunk(rng, size):
    levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
    paths = ["/api/v1/orders", "/api/v1/users", "/static/app.js", "/login", "/api/v2/search", "/health"]
    users = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"]
    out = []
    n = 0
    t = rng.randrange(1_700_000_000, 1_800_000_000)
    while n < size:
        t += rng.randrange(0, 3)
        if rng.random() < 0.5:
            line = "%d %s req=%08x user=%s path=%s status=%d bytes=%d ms=%.3f\n" % (
                t, rng.choice(levels), rng.getrandbits(32), rng.choice(users), rng.choice(paths),
                rng.choice((200, 200, 200, 201, 304, 404, 500)), rng.randrange(0, 100000), rng.random() * 900)
        else:
            line = "%d,%s,%d,%.2f,%s,%08x\n" % (
                rng.randrange(1, 10_000_000), rng.choice(users), rng.randrange(1, 50), rng.random() * 1000,
                rng.choice(("paid", "open", "shipped", "cancelled")), rng.getrandbits(32))
        out.append(line)
        n += len(line)
    return "".join(out).encode()[:size]


def main():
    root, scale = sys.argv[1], int(sys.argv[2])
    rng = random.Random(20261122)
    # A pool of distinct 8 MiB text blocks, stitched in varying order: every file differs, no repetition
    # inside any compressor's window (zstd -3 looks back 2 MiB at most, gzip 32 KiB).
    pool = [text_chunk(rng, 8 * MIB) for _ in range(8)]
    os.makedirs(os.path.join(root, "logs"), exist_ok=True)
    os.makedirs(os.path.join(root, "blobs"), exist_ok=True)
    for i in range(8 * scale):
        with open(os.path.join(root, "logs", "app-%03d.log" % i), "wb") as f:
            for j in range(7):
                block = pool[(i * 7 + j * 3) % len(pool)]
                cut = rng.randrange(0, MIB)
                f.write(block[cut:] + block[:cut])
            f.write(pool[i % len(pool)][: 4 * MIB])
    with open("/dev/urandom", "rb") as r:
        for i in range(8 * scale):
            with open(os.path.join(root, "blobs", "blob-%03d.bin" % i), "wb") as f:
                for _ in range(60):
                    f.write(r.read(MIB))
        for d in range(200):
            sub = os.path.join(root, "small", "d%03d" % d)
            os.makedirs(sub, exist_ok=True)
            for k in range(100):
                size = rng.randrange(1024, 6 * 1024)
                if k % 2:
                    data = r.read(size)
                else:
                    start = rng.randrange(0, 8 * MIB - size)
                    data = pool[k % len(pool)][start:start + size]
                with open(os.path.join(sub, "f%03d.dat" % k), "wb") as f:
                    f.write(data)


if __name__ == "__main__":
    main()
