"""The wire format between `abw` (TypeScript) and this worker; docs/backends/python-workers.md.

A frame is

    u32  length   bytes after this field
    u8   type     1 request, 2 reply, 3 error reply
    u32  id       request id (a reply carries its request's id)
    u32  hlen     length of the JSON header
    hlen bytes    UTF-8 JSON header (op, params, handles, shapes, dtypes; never tensor data)
    ...           raw little-endian tensor bytes, back to back, in header["tensors"] order

All integers little-endian. Tensor payloads are described by header["tensors"] =
[{"dtype", "shape", "nbytes"}, ...]; bf16/f16 travel as their 16-bit patterns.
"""
import json
import struct

REQUEST = 1
REPLY = 2
ERROR = 3

_PREFIX = struct.Struct("<IBII")  # length, type, id, hlen
_AFTER_LENGTH = _PREFIX.size - 4  # type + id + hlen
MAX_FRAME = 0xFFFFFFFF

ITEM_SIZE = {"f64": 8, "f32": 4, "f16": 2, "bf16": 2, "int8": 1, "int32": 4}


class ProtocolError(Exception):
    """The byte stream does not follow the frame layout (fatal: the worker exits)."""


class FrameTooLarge(Exception):
    """The frame's body could not be allocated (host memory exhausted); its bytes were skipped."""

    def __init__(self, rid, nbytes):
        super().__init__(f"no host memory for a {nbytes}-byte request")
        self.rid = rid
        self.nbytes = nbytes


def _skip(stream, n):
    """Reads and drops n bytes in small pieces, so the stream stays in step after a failed allocation."""
    left = n
    while left:
        chunk = stream.read(min(left, 1 << 16))
        if not chunk:
            raise ProtocolError("stream ended inside a skipped frame")
        left -= len(chunk)


def numel(shape):
    n = 1
    for d in shape:
        n *= int(d)
    return n


def tensor_nbytes(dtype, shape):
    if dtype not in ITEM_SIZE:
        raise ProtocolError(f"tensor dtype {dtype!r} is not one of {', '.join(ITEM_SIZE)}")
    return numel(shape) * ITEM_SIZE[dtype]


def _read_exact(stream, n):
    """n bytes into one writable bytearray (readinto: no copies for 64 MB payloads), or None at EOF."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = stream.readinto(view[got:])
        if not k:
            if got == 0:
                return None
            raise ProtocolError(f"stream ended inside a frame ({got} of {n} bytes)")
        got += k
    return buf


def read_frame(stream):
    """(type, id, header dict, [payload memoryviews]) or None at a clean end of stream."""
    head = _read_exact(stream, _PREFIX.size)
    if head is None:
        return None
    length, ftype, rid, hlen = _PREFIX.unpack(head)
    if hlen > length - _AFTER_LENGTH:
        raise ProtocolError(f"header length {hlen} exceeds frame length {length}")
    try:
        rest = _read_exact(stream, length - _AFTER_LENGTH) if length > _AFTER_LENGTH else bytearray()
    except MemoryError:
        _skip(stream, length - _AFTER_LENGTH)
        raise FrameTooLarge(rid, length) from None
    if rest is None:
        raise ProtocolError("stream ended after a frame prefix")
    header = json.loads(bytes(rest[:hlen]).decode("utf-8"))
    body = memoryview(rest)[hlen:]
    payloads = []
    offset = 0
    for t in header.get("tensors", []):
        n = int(t["nbytes"])
        if n != tensor_nbytes(t["dtype"], t["shape"]):
            raise ProtocolError(f"tensor {t} declares {n} bytes; its dtype and shape need {tensor_nbytes(t['dtype'], t['shape'])}")
        if offset + n > len(body):
            raise ProtocolError(f"tensor payload overruns the frame ({offset + n} > {len(body)})")
        payloads.append(body[offset : offset + n])
        offset += n
    if offset != len(body):
        raise ProtocolError(f"{len(body) - offset} stray payload bytes after the declared tensors")
    return ftype, rid, header, payloads


def write_frame(stream, ftype, rid, header, payloads=()):
    """One frame; `payloads` are bytes-like objects described (in order) by header['tensors']."""
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    sizes = [memoryview(p).nbytes for p in payloads]
    for t, n in zip(header.get("tensors", []), sizes):
        if t["nbytes"] != n:
            raise ValueError(f"payload of {n} bytes for a tensor declared as {t}")
    total = _AFTER_LENGTH + len(hbytes) + sum(sizes)
    if total > MAX_FRAME:
        raise ValueError(f"frame of {total} bytes exceeds the protocol's 4 GiB limit")
    stream.write(_PREFIX.pack(total, ftype, rid, len(hbytes)))
    stream.write(hbytes)
    for p in payloads:
        stream.write(memoryview(p).cast("B"))
    stream.flush()
