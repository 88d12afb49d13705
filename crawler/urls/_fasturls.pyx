# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""`crawler.urls.canonical.Resolver._fast` at C speed: the join of a simple href to a page's base.

Same grammar, same answers, byte for byte (tests/unit/test_urls_fast.py checks it against the Python
version on generated hrefs): an ASCII href that joins to a URL of `urls._SIMPLE_URL` by plain
concatenation gives (canonical URL, host); anything else gives None and takes the slow path
(urljoin + w3lib), as in Python. No regex, no intermediate strings: one pass over the bytes.

    >>> join("b?x=1#f", "http", "http://a.com", "/d/p", "/d/")
    ('http://a.com/d/b?x=1', 'a.com')
"""

from libc.string cimport memcmp, memcpy
from cpython.unicode cimport PyUnicode_DecodeASCII

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object text)

DEF BUFFER = 8192
cdef unsigned char JOINED[BUFFER]
cdef unsigned char OUT[BUFFER]
cdef unsigned char HOST_CHARS[256]
cdef unsigned char PATH_CHARS[256]
cdef unsigned char QUERY_CHARS[256]
cdef unsigned char SPACE[256]


cdef void _table(unsigned char *table, bytes chars):
    cdef unsigned char c
    for c in chars:
        table[c] = 1


_ALNUM = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_table(HOST_CHARS, _ALNUM + b"-")
_table(PATH_CHARS, _ALNUM + b"-._~!$&'()*+,;=:@/%")
_table(QUERY_CHARS, _ALNUM + b"-._~!$&()*+,;=:@/?%")
_table(SPACE, bytes(range(33)))  # what the WHATWG parser strips: C0 controls and space


cdef inline unsigned char _lower(unsigned char c):
    return c + 32 if 65 <= c <= 90 else c


cdef Py_ssize_t _canonical(const unsigned char *u, Py_ssize_t n, Py_ssize_t *host_end):
    """`urls._simple_canonical` into OUT: its length (the host is OUT[scheme://:host_end]),
    or -1 when the URL is not simple."""
    cdef Py_ssize_t i = 4, o, label, port_digits = 0, path_start = -1, path_end = 0
    cdef Py_ssize_t query_start = 0, query_end = 0, host_start, last_label = 0
    cdef long port = 0
    cdef bint secure = False
    if n < 8 or _lower(u[0]) != 104 or _lower(u[1]) != 116 or _lower(u[2]) != 116:
        return -1
    if _lower(u[3]) != 112:
        return -1
    if _lower(u[4]) == 115:  # "s"
        secure = True
        i = 5
    if i + 3 > n or u[i] != 58 or u[i + 1] != 47 or u[i + 2] != 47:  # "://"
        return -1
    i += 3
    host_start = i
    while True:
        label = 0
        last_label = i
        while i < n and HOST_CHARS[u[i]]:
            i += 1
            label += 1
        if label == 0 or label > 63:
            return -1
        if i < n and u[i] == 46:  # "."
            i += 1
            continue
        break
    cdef Py_ssize_t host_stop = i
    if not _plain_host(u + host_start, host_stop - host_start, last_label - host_start):
        return -1
    if i < n and u[i] == 58:  # ":" port
        i += 1
        while i < n and 48 <= u[i] <= 57:
            port = port * 10 + (u[i] - 48)
            port_digits += 1
            i += 1
            if port_digits > 5:
                return -1
        if port_digits == 0 or port > 65535:
            return -1
    if i < n and u[i] == 47:  # "/"
        path_start = i
        while i < n and PATH_CHARS[u[i]]:
            if u[i] == 46 and u[i - 1] == 47:  # "/.": a dot segment, maybe
                return -1
            if u[i] == 37 and i + 2 < n and u[i + 1] == 50 and _lower(u[i + 2]) == 101:
                return -1  # "%2e": a dot to the WHATWG parser
            i += 1
        path_end = i
    if i < n and u[i] == 63:  # "?"
        i += 1
        query_start = i
        while i < n and QUERY_CHARS[u[i]]:
            i += 1
        query_end = i
    if i < n and u[i] == 35:  # "#": anything after it is dropped
        i = n
    if i != n:
        return -1
    # scheme://host[:port](path or "/")[?query]
    if secure:
        memcpy(OUT, b"https://", 8)
        o = 8
    else:
        memcpy(OUT, b"http://", 7)
        o = 7
    for i in range(host_start, host_stop):  # the host lowered, as urlsplit's hostname is
        OUT[o] = _lower(u[i])
        o += 1
    host_end[0] = o
    if port_digits and port != (443 if secure else 80):
        o += _write_port(OUT + o, port)
    if path_start >= 0:
        memcpy(OUT + o, u + path_start, path_end - path_start)
        o += path_end - path_start
    else:
        OUT[o] = 47
        o += 1
    if query_end > query_start:
        OUT[o] = 63
        memcpy(OUT + o + 1, u + query_start, query_end - query_start)
        o += 1 + query_end - query_start
    return o


cdef bint _plain_host(const unsigned char *h, Py_ssize_t n, Py_ssize_t last):
    """`urls._plain_host` of the host h[:n] (not lowered yet), its last label at h[last:]."""
    cdef Py_ssize_t i, parts = 0, digits = 0
    for i in range(n - 3):  # "xn--", any case
        if _lower(h[i]) == 120 and _lower(h[i + 1]) == 110 and h[i + 2] == 45 and h[i + 3] == 45:
            return False
    if not 48 <= h[last] <= 57:
        return True
    cdef int value = 0
    for i in range(n + 1):  # a dotted quad: four decimal parts of 0-255, no leading zero
        if i == n or h[i] == 46:
            if digits == 0 or value > 255 or (digits > 1 and h[i - digits] == 48):
                return False
            parts += 1
            digits = value = 0
        elif 48 <= h[i] <= 57:
            digits += 1
            if digits > 3:
                return False
            value = value * 10 + h[i] - 48
        else:
            return False
    return parts == 4


cdef Py_ssize_t _write_port(unsigned char *out, long port):
    cdef unsigned char digits[8]
    cdef Py_ssize_t count = 0, k
    while True:
        digits[count] = 48 + port % 10
        count += 1
        port //= 10
        if port == 0:
            break
    out[0] = 58  # ":"
    for k in range(count):
        out[1 + k] = digits[count - 1 - k]
    return count + 1


cdef object _result(const unsigned char *u, Py_ssize_t n, Py_ssize_t skip):
    """(canonical URL, host) of the n bytes at u, or None."""
    cdef Py_ssize_t host_end = 0
    if n > BUFFER - 16:
        return None
    cdef Py_ssize_t size = _canonical(u, n, &host_end)
    if size < 0:
        return None
    cdef Py_ssize_t host_start = 8 if OUT[4] == 115 else 7
    return (
        PyUnicode_DecodeASCII(<char *> OUT, size, NULL),
        _host(OUT + host_start, host_end - host_start),
    )


# The last hosts made: a page's links go to a few hosts, so most are made once, and the
# one str per host keeps its hash for the callers' dicts (registrable domains by host).
DEF HOSTS = 8
cdef list RECENT_HOSTS = [""] * HOSTS
cdef Py_ssize_t NEXT_HOST = 0


def cache_clear():
    """Forget the recent hosts (the benchmark starts each pass cold)."""
    global NEXT_HOST
    for k in range(HOSTS):
        RECENT_HOSTS[k] = ""
    NEXT_HOST = 0


cdef str _host(const unsigned char *data, Py_ssize_t size):
    """The ASCII host `data[:size]` as a str, one of the recent ones when it is."""
    global NEXT_HOST
    cdef Py_ssize_t k, length = 0
    cdef const char *known
    for k in range(HOSTS):
        recent = <str> RECENT_HOSTS[k]
        known = PyUnicode_AsUTF8AndSize(recent, &length)
        if length == size and memcmp(known, data, size) == 0:
            return recent
    host = PyUnicode_DecodeASCII(<char *> data, size, NULL)
    RECENT_HOSTS[NEXT_HOST] = host
    NEXT_HOST = (NEXT_HOST + 1) % HOSTS
    return host


cdef object _joined(str prefix, const unsigned char *s, Py_ssize_t n):
    cdef Py_ssize_t size = 0
    cdef const char *head = PyUnicode_AsUTF8AndSize(prefix, &size)
    if size + n > BUFFER - 16:
        return None
    memcpy(JOINED, head, size)
    memcpy(JOINED + size, s, n)
    return _result(JOINED, size + n, 0)


cdef bint _plain_path(const unsigned char *s, Py_ssize_t n):
    """`urls._plain_path`: no dot segment before the query or fragment (params are ruled out
    before, by `_has_params`)."""
    cdef Py_ssize_t i
    for i in range(n):
        if s[i] == 63 or s[i] == 35:  # "?" "#"
            return True
        if s[i] == 47 and i + 1 < n and s[i + 1] == 46:  # "/."
            return False
    return True


cdef bint _has_params(const unsigned char *s, Py_ssize_t n):
    """`urls._no_params` is false: a `;` before the query or fragment."""
    cdef Py_ssize_t i
    for i in range(n):
        if s[i] == 63 or s[i] == 35:  # "?" "#"
            return False
        if s[i] == 59:  # ";"
            return True
    return False


cdef bint _double_slash_before_query(const unsigned char *s, Py_ssize_t n):
    cdef Py_ssize_t i
    for i in range(n - 1):
        if s[i] == 63:
            return False
        if s[i] == 47 and s[i + 1] == 47:
            return True
    return False


cdef const unsigned char *ascii_stripped(str text, Py_ssize_t *size) except? NULL:
    """The bytes of `text.strip()` (their number in `size`), or NULL when text is not ASCII."""
    cdef Py_ssize_t n = 0, start = 0
    if not PyUnicode_IS_ASCII(text):
        return NULL
    cdef const unsigned char *s = <const unsigned char *> PyUnicode_AsUTF8AndSize(text, &n)
    while start < n and SPACE[s[start]]:
        start += 1
    while n > start and SPACE[s[n - 1]]:
        n -= 1
    size[0] = n - start
    return s + start


CANONICAL_MAX = BUFFER - 16  # the longest URL `canonical` takes


def canonical(str url):
    """`urls._simple_canonical(url)` of an ASCII URL of at most CANONICAL_MAX characters (the
    caller asks the regex about any other): (canonical URL, host), or None when not simple."""
    cdef Py_ssize_t n = 0
    if not PyUnicode_IS_ASCII(url):
        raise ValueError("canonical takes ASCII URLs only")
    cdef const unsigned char *s = <const unsigned char *> PyUnicode_AsUTF8AndSize(url, &n)
    if n > CANONICAL_MAX:
        raise ValueError("URL too long for canonical")
    return _result(s, n, 0)


def join(str href, str scheme, str origin, str path, str directory):
    """`Resolver._fast(href)` for a base split into scheme, origin, path and directory."""
    return join_c(href, scheme + ":", origin, path, origin + path, origin + directory)


cdef object join_c(str href, str scheme_colon, str origin, str path, str origin_path,
                   str origin_dir):
    """`join` without a Python call, the base's prefixes joined once per page by the caller
    (crawler.extract._fastlinks calls it per link)."""
    cdef Py_ssize_t n = 0, i
    cdef const unsigned char *s = ascii_stripped(href, &n)
    if s == NULL or n == 0 or s[0] == 35:  # not ASCII, empty, or a fragment ("#")
        return None
    if s[0] == 47:  # "/"
        if n > 1 and s[1] == 47:
            return None if _has_params(s, n) else _joined(scheme_colon, s, n)
        if _has_params(s, n):
            return None
        if not _plain_path(s, n):
            # An empty segment among dot segments ("/..//"): urljoin's merge and the WHATWG
            # standard differ there ("/" and "//"), so the slow path (ada) answers.
            return None if _double_slash_before_query(s, n) else _dotted(origin, path, s, n)
        return _joined(origin, s, n)
    if s[0] == 63:  # "?"
        if n == 1 or s[1] == 35:
            return None  # urljoin keeps the base's query for an empty one
        return _joined(origin_path, s, n)
    for i in range(n):  # a scheme: ":" before any of "/?#"
        if s[i] == 47 or s[i] == 63 or s[i] == 35:
            break
        if s[i] == 58:
            if n >= 4 and _lower(s[0]) == 104 and _lower(s[1]) == 116 and _lower(s[2]) == 116 \
                    and _lower(s[3]) == 112 and not _has_params(s, n):
                return _result(s, n, 0)
            return None
    if _has_params(s, n) or _double_slash_before_query(s, n):
        return None
    if s[0] == 46 or not _plain_path(s, n):  # "."
        return _dotted(origin, path, s, n)
    return _joined(origin_dir, s, n)


DEF MAX_SEGMENTS = 256


cdef object _dotted(str origin, str base_path, const unsigned char *s, Py_ssize_t n):
    """urljoin's merge of an href path holding dot segments (`.`, `..`) with the base path,
    then the canonical URL as `join` makes it; None when the path part holds a byte that
    urlsplit would remove or w3lib encode, or too many segments."""
    cdef const unsigned char *starts[MAX_SEGMENTS]
    cdef Py_ssize_t lengths[MAX_SEGMENTS]
    cdef Py_ssize_t count = 0, kept = 0, end = 0, i, k, size = 0, o
    cdef const unsigned char *base = <const unsigned char *> PyUnicode_AsUTF8AndSize(base_path, &size)
    while end < n and s[end] != 63 and s[end] != 35:  # the path part: up to "?" or "#"
        if not PATH_CHARS[s[end]]:
            return None
        end += 1
    if s[0] != 47:  # relative: the base path's directories first (its last segment dropped)
        count = _split(base, size, starts, lengths, 0)
        if count < 0:
            return None
        if lengths[count - 1] != 0:
            count -= 1
    count = _split(s, end, starts, lengths, count)
    if count < 0:
        return None
    if s[0] != 47:  # urljoin drops the empty segments between the first and the last
        for i in range(count):
            if i == 0 or i == count - 1 or lengths[i] != 0:
                starts[kept], lengths[kept] = starts[i], lengths[i]
                kept += 1
        count = kept
    cdef bint trailing = _dots(starts[count - 1], lengths[count - 1]) != 0
    kept = 0  # the resolved segments, in place
    for i in range(count):
        if _dots(starts[i], lengths[i]) == 2:
            if kept:
                kept -= 1
        elif _dots(starts[i], lengths[i]) != 1:
            starts[kept], lengths[kept] = starts[i], lengths[i]
            kept += 1
    if trailing:  # a last "." or ".." leaves a trailing "/"
        starts[kept], lengths[kept] = s, 0
        kept += 1
    head = PyUnicode_AsUTF8AndSize(origin, &size)
    if size + 1 + (n - end) + _joined_length(lengths, kept) > BUFFER - 16:
        return None
    memcpy(JOINED, head, size)
    o = size
    if kept == 0 or lengths[0] != 0 or kept == 1:  # urlunsplit's "/" before a path
        JOINED[o] = 47
        o += 1
    for i in range(kept):
        if i:
            JOINED[o] = 47
            o += 1
        memcpy(JOINED + o, starts[i], lengths[i])
        o += lengths[i]
    memcpy(JOINED + o, s + end, n - end)
    return _result(JOINED, o + n - end, 0)


cdef Py_ssize_t _split(const unsigned char *text, Py_ssize_t size,
                       const unsigned char **starts, Py_ssize_t *lengths, Py_ssize_t count):
    """`text.split("/")` appended to the segments: the new count, or -1 when too many."""
    cdef Py_ssize_t start = 0, i
    for i in range(size + 1):
        if i == size or text[i] == 47:
            if count == MAX_SEGMENTS:
                return -1
            starts[count] = text + start
            lengths[count] = i - start
            count += 1
            start = i + 1
    return count


cdef inline int _dots(const unsigned char *segment, Py_ssize_t length):
    """1 for ".", 2 for "..", else 0."""
    if length == 1 and segment[0] == 46:
        return 1
    if length == 2 and segment[0] == 46 and segment[1] == 46:
        return 2
    return 0


cdef Py_ssize_t _joined_length(Py_ssize_t *lengths, Py_ssize_t count):
    cdef Py_ssize_t total = count, i
    for i in range(count):
        total += lengths[i]
    return total


DEF MAX_LABELS = 256


def registrable(str host, suffixes):
    """`urls.registrable_domain` of a plain host name (labels of [a-z0-9-] joined by single
    dots, no "xn--"), walking the same suffix trie `suffixes` (the whole list, private section
    included: tldextract's `.matches` dicts, `.end` flags); None for any other host, which the
    caller hands to tldextract."""
    cdef Py_ssize_t n = 0, i, count = 0, position, found, start, end
    cdef Py_ssize_t starts[MAX_LABELS]
    cdef const unsigned char *s
    if not PyUnicode_IS_ASCII(host):
        return None
    s = <const unsigned char *> PyUnicode_AsUTF8AndSize(host, &n)
    if n == 0 or n >= BUFFER:
        return None
    starts[0] = 0
    count = 1
    for i in range(n):  # every label non-empty, of plain characters
        if s[i] == 46:  # "."
            if i == starts[count - 1] or count == MAX_LABELS:
                return None
            starts[count] = i + 1
            count += 1
        elif not PLAIN_HOST[s[i]]:
            return None
        elif s[i] == 120 and i + 3 < n and s[i + 1] == 110 and s[i + 2] == 45 and s[i + 3] == 45:
            return None  # "xn--": IDNA, tldextract's to decode
    if starts[count - 1] == n:
        return None
    node = suffixes
    found = position = count
    while position > 0:  # labels right to left: urls._public_suffix_start
        end = n if position == count else starts[position] - 1
        label = host[starts[position - 1] : end]
        matches = node.matches
        child = matches.get(label)
        if child is not None:
            position -= 1
            node = child
            if node.end:
                found = position
            continue
        if "*" in matches:
            found = position if "!" + label in matches else position - 1
            return _from_label(host, starts, found)
        break
    if found == count:  # no rule: the list's implicit "*" (urls._default_rule)
        if count < 2 or _all_digits(s, starts[count - 1], n):
            return host
        found = count - 1
    return _from_label(host, starts, found)


cdef bint _all_digits(const unsigned char *s, Py_ssize_t start, Py_ssize_t end):
    """The label s[start:end] is all ASCII digits (an IPv4 address's last part)."""
    cdef Py_ssize_t i
    for i in range(start, end):
        if s[i] < 48 or s[i] > 57:
            return False
    return True


cdef str _from_label(str host, Py_ssize_t *starts, Py_ssize_t suffix_start):
    """The host from the label before its public suffix on (the host itself when the
    suffix is all of it)."""
    if suffix_start <= 0:
        return host
    return host[starts[suffix_start - 1] :]


cdef unsigned char PLAIN_HOST[256]  # urls._PLAIN_HOST's characters
for _char in b"abcdefghijklmnopqrstuvwxyz0123456789-":
    PLAIN_HOST[_char] = 1
