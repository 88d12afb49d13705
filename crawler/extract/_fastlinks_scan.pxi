# Included by _fastlinks.pyx: whole-body byte work before parsing. `scan` (the depth bound
# and the UTF-8 check in one read), `valid_utf8`, `transcode` (single-byte encodings to UTF-8)
# and the per-process memo `cache_clear` empties.

def scan(const unsigned char[:] body, Py_ssize_t budget, Py_ssize_t chunk, bint check_utf8):
    """(`extract._may_nest_deeper(body, budget)` with `chunk` bytes a chunk, `valid_utf8(body)`
    or None) in one pass over the body; the UTF-8 answer is None when not asked, or when the
    body may nest deeper (the check stops there: the body is to be cut)."""
    cdef Py_ssize_t size = body.shape[0]
    cdef int utf8 = -1
    if size <= 3 * budget:  # an opening tag takes 3 bytes at least
        return False, (valid_utf8(body) if check_utf8 else None)
    if budget < 0 or chunk <= 0:
        raise ValueError("scan takes a budget of 0 or more and a positive chunk")
    if lg_scan(&body[0], size, budget, chunk, check_utf8, &utf8):
        return True, None
    return False, (None if utf8 < 0 else utf8 == 1)


def valid_utf8(const unsigned char[:] body):
    """Whether `body.decode("utf-8")` succeeds (the Unicode standard's well-formed UTF-8,
    which Python's codec checks), without building the string: ASCII 8 bytes at a time."""
    cdef Py_ssize_t size = body.shape[0], i = 0
    cdef const unsigned char *data
    cdef unsigned char c, low, high
    cdef uint64_t word
    if size == 0:
        return True
    data = &body[0]
    while i < size:
        if i + 8 <= size:
            memcpy(&word, data + i, 8)
            if (word & 0x8080808080808080ULL) == 0:
                i += 8
                continue
        c = data[i]
        if c < 0x80:
            i += 1
            continue
        if c < 0xC2 or c > 0xF4:
            return False
        low, high = 0x80, 0xBF  # the second byte's range (Table 3-7)
        if c == 0xE0:
            low = 0xA0
        elif c == 0xED:
            high = 0x9F
        elif c == 0xF0:
            low = 0x90
        elif c == 0xF4:
            high = 0x8F
        if i + 1 >= size or not (low <= data[i + 1] <= high):
            return False
        if c >= 0xE0 and (i + 2 >= size or (data[i + 2] & 0xC0) != 0x80):
            return False
        if c >= 0xF0 and (i + 3 >= size or (data[i + 3] & 0xC0) != 0x80):
            return False
        i += 2 if c < 0xE0 else 3 if c < 0xF0 else 4
    return True


def cache_clear():
    """Forget the rel values kept across pages (the benchmark starts each pass cold)."""
    cdef Py_ssize_t k
    for k in range(REL_ENTRIES):
        Py_XDECREF(REL_MEMO[k].tokens)
        REL_MEMO[k].tokens = NULL
        REL_MEMO[k].size = 0


def transcode(const unsigned char[:] body, const unsigned char[:] table):
    """`body.decode(encoding, "replace").encode("utf-8")` for a single-byte encoding, whose
    `charset.utf8_table` is `table` (each byte's UTF-8, 4 bytes a byte, its length first):
    what selectolax would parse from the decoded str, without the str. ASCII 8 bytes at a
    time when the encoding keeps it as it is."""
    cdef Py_ssize_t size = body.shape[0], i = 0, total = 0, k
    cdef const unsigned char *entry
    cdef const unsigned char *data
    cdef const unsigned char *codes
    cdef unsigned char *out
    cdef uint64_t word
    cdef bint ascii_kept = True
    if table.shape[0] != 1024:
        raise ValueError("a UTF-8 table has 256 entries of 4 bytes")
    if size == 0:
        return b""
    data, codes = &body[0], &table[0]
    for k in range(128):
        if codes[4 * k] != 1 or codes[4 * k + 1] != k:
            ascii_kept = False
            break
    while i < size:  # the output's length
        if ascii_kept and i + 8 <= size:
            memcpy(&word, data + i, 8)
            if (word & 0x8080808080808080ULL) == 0:
                total += 8
                i += 8
                continue
        total += codes[4 * data[i]]
        i += 1
    found = PyBytes_FromStringAndSize(NULL, total)
    out = <unsigned char *> PyBytes_AS_STRING(found)
    i = 0
    while i < size:
        if ascii_kept and i + 8 <= size:
            memcpy(&word, data + i, 8)
            if (word & 0x8080808080808080ULL) == 0:
                memcpy(out, &word, 8)
                out += 8
                i += 8
                continue
        entry = codes + 4 * data[i]
        out[0] = entry[1]
        if entry[0] > 1:
            out[1] = entry[2]
            if entry[0] > 2:
                out[2] = entry[3]
        out += entry[0]
        i += 1
    return found

