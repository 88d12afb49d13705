# cython: language_level=3, boundscheck=False, wraparound=False
"""Record attributes straight into Arrow buffers: the C-speed path of `pipelines.columns`.

`arrow_arrays(records, specs)` reads one attribute of every record per spec and returns one
Arrow array per spec, with no Python list per column in between: strings are copied as UTF-8
into one offsets + data buffer pair, numbers into numpy arrays. A spec is ``(attr, kind, arg)``;
the kinds are those of `pipelines.columns.Field.spec` and give exactly the values of the pure
Python path (`columnar` + `arrow_array`, checked by tests/integration/test_store.py):

    str        String                      u8/u16/u32/u64   unsigned integers (bools as 0/1)
    fetch_us   round(value * 1e6), UInt64   seconds          int(value), DateTime (UInt32)
    str_array  Array(String)               has              `arg in value` as UInt8
"""

from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.sequence cimport PySequence_Contains
from cpython.unicode cimport PyUnicode_AsUTF8AndSize
from libc.math cimport rint
from libc.stdint cimport int32_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

# numpy and pyarrow, imported by the first `arrow_arrays` call, not with this module:
# `linkgraph --version` loads it to tell which path the insert columns run, and a query
# command that never inserts should not pay ~0.2 s for them.
np = None
pa = None

# Arrow's string offsets are int32: a column of one block must stay under 2 GiB.
cdef Py_ssize_t _MAX_BYTES = 2147483647


cdef struct Bytes:
    char* data
    Py_ssize_t size
    Py_ssize_t capacity


cdef int _put(Bytes* out, const char* text, Py_ssize_t length) except -1:
    cdef Py_ssize_t need = out.size + length
    cdef char* grown
    if need > _MAX_BYTES:
        raise OverflowError("a string column of one insert block exceeds 2 GiB")
    if need > out.capacity:
        out.capacity = max(need, 2 * out.capacity, 1 << 16)
        grown = <char*>realloc(out.data, out.capacity)
        if grown == NULL:
            raise MemoryError()
        out.data = grown
    memcpy(out.data + out.size, text, length)
    out.size = need
    return 0


cdef object _string_array(Bytes* buf, object offsets, Py_ssize_t count):
    data = PyBytes_FromStringAndSize(buf.data, buf.size)
    return pa.Array.from_buffers(
        pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


cdef object _strings(list records, str attr):
    cdef Py_ssize_t n = len(records), i, length
    cdef const char* text
    cdef Bytes buf = Bytes(NULL, 0, 0)
    offsets = np.empty(n + 1, dtype=np.int32)
    cdef int32_t[::1] off = offsets
    off[0] = 0
    try:
        for i in range(n):
            value = getattr(records[i], attr)  # held: `text` points into it until copied
            text = PyUnicode_AsUTF8AndSize(value, &length)
            _put(&buf, text, length)
            off[i + 1] = <int32_t>buf.size
        return _string_array(&buf, offsets, n)
    finally:
        free(buf.data)


cdef object _string_lists(list records, str attr):
    cdef Py_ssize_t n = len(records), i, length, k = 0
    cdef const char* text
    cdef Bytes buf = Bytes(NULL, 0, 0)
    values = [getattr(record, attr) for record in records]
    list_offsets = np.empty(n + 1, dtype=np.int32)
    cdef int32_t[::1] lo = list_offsets
    lo[0] = 0
    for i in range(n):
        lo[i + 1] = lo[i] + <int32_t>len(values[i])
    offsets = np.empty(lo[n] + 1, dtype=np.int32)
    cdef int32_t[::1] off = offsets
    off[0] = 0
    try:
        for value in values:
            for token in value:
                text = PyUnicode_AsUTF8AndSize(token, &length)
                _put(&buf, text, length)
                k += 1
                off[k] = <int32_t>buf.size
        flat = _string_array(&buf, offsets, lo[n])
    finally:
        free(buf.data)
    return pa.ListArray.from_arrays(pa.array(list_offsets), flat)


cdef object _unsigned(list records, str attr, object dtype):
    cdef Py_ssize_t n = len(records), i
    out = np.empty(n, dtype=dtype)
    cdef uint8_t[::1] u8
    cdef uint16_t[::1] u16
    cdef uint32_t[::1] u32
    cdef uint64_t[::1] u64
    if dtype == "uint8":
        u8 = out
        for i in range(n):
            u8[i] = getattr(records[i], attr)
    elif dtype == "uint16":
        u16 = out
        for i in range(n):
            u16[i] = getattr(records[i], attr)
    elif dtype == "uint32":
        u32 = out
        for i in range(n):
            u32[i] = getattr(records[i], attr)
    else:
        u64 = out
        for i in range(n):
            u64[i] = getattr(records[i], attr)
    return pa.array(out)


cdef object _times(list records, str attr, bint micros):
    # micros: round(value * 1e6) as UInt64 (rint rounds half to even, as Python's round() does,
    # on the same double product); else int(value) as DateTime (UInt32), truncated toward zero.
    cdef Py_ssize_t n = len(records), i
    cdef double value, limit = 18446744073709551616.0 if micros else 4294967296.0
    out = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] v = out
    for i in range(n):
        value = <double>getattr(records[i], attr)
        if micros:
            value = rint(value * 1000000.0)
        if not 0 <= value < limit:
            raise OverflowError(f"fetch time out of range: {getattr(records[i], attr)!r}")
        v[i] = <uint64_t>value
    return pa.array(out if micros else out.astype(np.uint32))


cdef object _has(list records, str attr, object token):
    cdef Py_ssize_t n = len(records), i
    out = np.empty(n, dtype=np.uint8)
    cdef uint8_t[::1] v = out
    for i in range(n):
        v[i] = PySequence_Contains(getattr(records[i], attr), token)
    return pa.array(out)


def _import_arrow():
    global np, pa
    if pa is None:
        import numpy
        import pyarrow

        np, pa = numpy, pyarrow


def arrow_arrays(list records, list specs):
    """One Arrow array per ``(attr, kind, arg)`` spec, over `records`; see the module doc."""
    _import_arrow()
    arrays = []
    for attr, kind, arg in specs:
        if kind == "str":
            arrays.append(_strings(records, attr))
        elif kind in ("u8", "u16", "u32", "u64"):
            arrays.append(_unsigned(records, attr, "uint" + kind[1:]))
        elif kind in ("fetch_us", "seconds"):
            arrays.append(_times(records, attr, kind == "fetch_us"))
        elif kind == "str_array":
            arrays.append(_string_lists(records, attr))
        elif kind == "has":
            arrays.append(_has(records, attr, arg))
        else:
            raise ValueError(f"unknown column kind {kind!r} for {attr}")
    return arrays
