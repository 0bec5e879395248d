#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus into tests/fuzz/corpus/<target>/ (committed; rerun
this after changing a file format). Needs only the Python standard library: .npy arrays
are written by hand in numpy's documented format, .npz archives with zipfile (stored as
numpy.savez writes them, deflated as numpy.savez_compressed does), IDX files by hand and
through gzip. Every seed is small, so the fuzzer spends its time mutating, not parsing."""
import gzip
import io
import os
import struct
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def npy(shape, dtype="<f4", values=None, version=1):
    n = 1
    for d in shape:
        n *= d
    shape_text = "()" if not shape else "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (dtype, shape_text)
    size_field = 2 if version == 1 else 4
    pad = (64 - (6 + 2 + size_field + len(header) + 1) % 64) % 64
    header = header + " " * pad + "\n"
    fmt = "<%d%s" % (n, "f" if dtype == "<f4" else "d")
    data = struct.pack(fmt, *(values or [0.25 * (i + 1) for i in range(n)]))
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header.encode("latin1") + data


def npz(members, compression=zipfile.ZIP_STORED, force_zip64=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, payload in members:
            # A fixed timestamp, so that rerunning the script changes no seed.
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            if force_zip64:  # zip64 extra fields on every member, as numpy.savez writes
                with z.open(info, "w", force_zip64=True) as member:
                    member.write(payload)
            else:
                z.writestr(info, payload)
    return buf.getvalue()


def idx(shape, type_code=0x08):
    n = 1
    for d in shape:
        n *= d
    head = bytes([0, 0, type_code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape)
    return head + bytes((7 * i) % 256 for i in range(n))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# .npz: both dtypes, ranks 0 to 3, empty arrays, version-2 headers, stored and deflated,
# with and without zip64 extra fields.
arrays = [("a", npy([2, 3])), ("b", npy([4], "<f8")), ("s", npy([])), ("e", npy([0, 2])),
          ("t", npy([2, 1, 2], version=2))]
write("npz", "stored.npz", npz(arrays))
write("npz", "deflated.npz", npz(arrays, zipfile.ZIP_DEFLATED))
write("npz", "one.npz", npz([("w", npy([3]))]))
write("npz", "empty.npz", npz([]))
write("npz", "zip64.npz", npz(arrays, force_zip64=True))
write("npz", "zip64-deflated.npz", npz(arrays, zipfile.ZIP_DEFLATED, force_zip64=True))

# npy: the members alone (fuzz_npy wraps its input in a zip itself).
for name, payload in arrays:
    write("npy", name + ".npy", payload)

# checkpoint: the state of tg::nn::MLP({2, 3, 1}), as fuzz_checkpoint.cpp builds it.
mlp = [("0.weight", [3, 2]), ("0.bias", [3]), ("2.weight", [1, 3]), ("2.bias", [1])]
write("checkpoint", "mlp.npz", npz([(k, npy(s)) for k, s in mlp]))
write("checkpoint", "mlp-f64-deflated.npz",
      npz([(k, npy(s, "<f8")) for k, s in mlp], zipfile.ZIP_DEFLATED))
write("checkpoint", "wrong-shape.npz", npz([(k, npy([2, 2])) for k, _ in mlp]))

# IDX: images (rank 3), labels (rank 1), an empty set, and the wider element types.
# fuzz_idx reads raw bytes: plain and gzip seeds. fuzz_idx_gz gzips its input itself:
# plain seeds only.
idx_files = {"images.idx": idx([3, 4, 5]), "labels.idx": idx([6]), "empty.idx": idx([0, 28, 28]),
             "int16.idx": idx([2, 3], 0x0B), "float64.idx": idx([2], 0x0E)}
for name, data in idx_files.items():
    write("idx", name, data)
    write("idx", name + ".gz", gzip.compress(data, mtime=0))
    write("idx_gz", name, data)
