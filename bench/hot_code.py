"""The steps of bench/hot-code.sh that read binaries and the page cache.

    python3 hot_code.py evict FILE             drop FILE's pages from the page cache
    python3 hot_code.py touched FILE           print the indexes of FILE's pages in the page cache
    python3 hot_code.py ran OBJECT INSTRUMENTED PROFILE...
        print, in the object's order, the instrumented methods whose flag is set in any PROFILE (reach.mprof files);
        write the names of all instrumented methods to INSTRUMENTED
    python3 hot_code.py pages BINARY PAGES INSTRUMENTED RAN
        print the methods named in RAN that BINARY has (optimised code inlines some everywhere), then, in BINARY's
        order, the methods of its managed code that lie on a page listed in PAGES and are not named in INSTRUMENTED
"""
import bisect
import ctypes
import mmap
import os
import struct
import subprocess
import sys
import uuid

PAGE = 4096


def evict(path):
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


def touched(path):
    fd = os.open(path, os.O_RDONLY)
    size = os.fstat(fd).st_size
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    resident = (ctypes.c_ubyte * ((size + PAGE - 1) // PAGE))()
    if libc.mincore(address, size, resident) != 0:
        raise OSError(ctypes.get_errno(), "mincore " + path)
    print(" ".join(str(i) for i, v in enumerate(resident) if v & 1))


def readelf(option, path):
    return subprocess.run(["readelf", option, path], capture_output=True, text=True, check=True).stdout.splitlines()


def ran(obj, instrumented, profiles):
    code = next(int(l.split("[")[1].split("]")[0]) for l in readelf("-SW", obj) if " __managedcode " in l)
    methods = sorted((int(f[1], 16), int(f[2], 0), f[7]) for f in (l.split() for l in readelf("-sW", obj))
                     if len(f) >= 8 and f[0].endswith(":") and f[6] == str(code) and f[3] in ("FUNC", "NOTYPE"))
    starts = [m[0] for m in methods]
    # A method's own flag is the first one its code sets: unoptimised code inlines nothing, so it is the only one.
    flag = {}
    section = None
    for line in readelf("-rW", obj):
        if line.startswith("Relocation section"):
            section = line.split("'")[1]
        elif section == ".rela__managedcode" and "__tokenuse_" in line:
            f = line.split()
            offset = int(f[0], 16)
            i = bisect.bisect_right(starts, offset) - 1
            if i < 0 or offset >= starts[i] + max(methods[i][1], 1):
                continue
            name = methods[i][2]
            if name not in flag or offset < flag[name][0]:
                flag[name] = (offset, f[4])
    # reach.mprof: int32 length, then per module its MVID (16 bytes), int32 n, n flag bytes (MethodDef rows 0..n-1).
    used = set()
    for path in profiles:
        data, pos = open(path, "rb").read(), 4
        while pos < len(data):
            mvid = uuid.UUID(bytes_le=data[pos:pos + 16]).hex
            n = struct.unpack_from("<i", data, pos + 16)[0]
            used.update(f"__tokenuse_{mvid}_{0x06000000 | row:08X}" for row in range(n) if data[pos + 20 + row])
            pos += 20 + n
    names = [name for _, _, name in methods if name in flag and flag[name][1] in used]
    with open(instrumented, "w") as out:
        out.write("".join(name + "\n" for name in flag))
    sys.stderr.write(f"  {len(flag)} of {len(methods)} methods instrumented, {len(names)} of them ran\n")
    print("\n".join(names))


def pages(binary, page_list, instrumented, ran_list):
    touched_pages = set(int(p) for p in open(page_list).read().split())
    seen = set(open(instrumented).read().split())
    present = set()
    for line in readelf("-SW", binary):
        if " __managedcode " in line:
            f = line.split("]")[1].split()
            address, offset, size = int(f[2], 16), int(f[3], 16), int(f[4], 16)
    kept = []
    nm = subprocess.run(["nm", "-S", "--defined-only", binary], capture_output=True, text=True, check=True).stdout
    for f in (line.split() for line in nm.splitlines()):
        if len(f) != 4 or f[2] not in "tT" or not address <= int(f[0], 16) < address + size:
            continue
        present.add(f[3])
        if f[3] in seen:
            continue
        start = int(f[0], 16) - address + offset
        end = start + max(int(f[1], 16), 1) - 1
        if any(p in touched_pages for p in range(start // PAGE, end // PAGE + 1)):
            kept.append((start, f[3]))
    code_pages = sum(1 for p in touched_pages if offset <= p * PAGE < offset + size)
    sys.stderr.write(f"  {code_pages} pages of managed code touched ({code_pages * PAGE / 1048576:.1f} MiB); "
                     f"{len(kept)} methods on them that pass 1 could not see\n")
    flagged = [name for name in open(ran_list).read().split() if name in present]
    sys.stderr.write(f"  {len(flagged)} of the methods that ran are in the binary\n")
    print("\n".join(flagged + [name for _, name in sorted(kept)]))


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    {"evict": lambda: evict(*args), "touched": lambda: touched(*args),
     "ran": lambda: ran(args[0], args[1], args[2:]), "pages": lambda: pages(*args)}[command]()
