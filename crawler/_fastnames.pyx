# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The class/id name rules of crawler.content and crawler.sections at C speed.

`crawler._fastlinks` asks them once per element it looks at, so a regex per distinct class
string (Readability's substring patterns, the landmark words) was a fifth of its time. Here an
ASCII value is lowered once into a buffer and scanned once, each position tried against the
literals starting with its character; the literals are read from the Python modules' own
patterns at `bind()` (which refuses any pattern that is not `^?literal$?` alternatives), so
the rules live in one place. A non-ASCII value asks
the Python function, whose Unicode case folding this does not copy. tests/test_extract_fast.py
checks both sides agree on generated names.

    >>> bind()  # by crawler._fastlinks
"""

from libc.string cimport memcmp

cdef extern from *:
    """
    #include <string.h>  /* memmem: Python.h defines _GNU_SOURCE */
    """
    void *memmem(const void *haystack, size_t haystack_size, const void *needle, size_t size)

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object text)

DEF MAX_NAMES = 2048
DEF MAX_ALTERNATIVES = 64
DEF NEGATIVE = 0
DEF POSITIVE = 1
DEF UNLIKELY_NAMES = 2
DEF MAYBE = 3

cdef struct Alternative:
    const char *text
    Py_ssize_t length
    bint at_start
    bint at_end

cdef Alternative RULES[4][MAX_ALTERNATIVES]
cdef int SIZES[4]
cdef unsigned char FIRST[4][256]  # characters some alternative of the pattern starts with
cdef list KEEP = []  # the bytes RULES point into
cdef unsigned char LOWER[MAX_NAMES]
cdef unsigned char SPACE[256]
cdef object py_weight, py_unlikely, py_landmark
cdef dict TAGS, ROLES, WORDS, PRIORITY
cdef Py_ssize_t LONGEST_WORD = 0
# Memos, as the Python rules have: sites repeat the same few names on thousands of elements.
DEF MEMO_LIMIT = 65536
cdef dict WEIGHTS = {}
cdef dict UNLIKELY = {}
cdef dict LANDMARKS = {}


def cache_clear():
    """Forget every memoized verdict (the benchmark measures cold passes)."""
    WEIGHTS.clear()
    UNLIKELY.clear()
    LANDMARKS.clear()


cdef inline void _remember(dict memo, key, value):
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789- ")


def bind():
    """Read the rules from crawler.content and crawler.sections; ImportError on a pattern
    this module cannot run exactly."""
    global py_weight, py_unlikely, py_landmark, TAGS, ROLES, WORDS, PRIORITY, LONGEST_WORD
    from crawler import content, sections

    for index, names in (
        (NEGATIVE, content._NEGATIVE),
        (POSITIVE, content._POSITIVE),
        (UNLIKELY_NAMES, content._UNLIKELY),
        (MAYBE, content._MAYBE),
    ):
        _load(index, names._folded.pattern)
    for space in b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":  # str.strip()'s ASCII white space
        SPACE[space] = 1
    py_weight, py_unlikely, py_landmark = content._weight, content._unlikely_names, sections._landmark
    TAGS, ROLES, WORDS, PRIORITY = sections._TAGS, sections._ROLES, sections._WORDS, sections._PRIORITY
    if sections._WORD.pattern != "[a-z0-9]+" or any(set(w) - _LITERAL or "-" in w for w in WORDS):
        raise ImportError("sections' word rule changed")
    LONGEST_WORD = max(map(len, WORDS))


cdef void _load(int index, str pattern) except *:
    alternatives = pattern.split("|")
    if len(alternatives) > MAX_ALTERNATIVES:
        raise ImportError("too many alternatives")
    for position, alternative in enumerate(alternatives):
        at_start, at_end = alternative.startswith("^"), alternative.endswith("$")
        literal = alternative[1 if at_start else 0 : len(alternative) - 1 if at_end else None]
        if not literal or set(literal) - _LITERAL:
            raise ImportError(f"not a plain alternative: {alternative!r}")
        data = literal.encode()
        KEEP.append(data)
        RULES[index][position].text = data
        RULES[index][position].length = len(data)
        RULES[index][position].at_start = at_start
        RULES[index][position].at_end = at_end
        FIRST[index][data[0]] = 1
    SIZES[index] = len(alternatives)


cdef bint _search(int index, const unsigned char *text, Py_ssize_t size):
    """Whether pattern `index` matches somewhere in the lowered text: one pass over the text,
    trying at each position only the alternatives that start with its character."""
    cdef Py_ssize_t i
    cdef int k
    cdef Alternative *alt
    cdef unsigned char c
    for i in range(size):
        c = text[i]
        if not FIRST[index][c]:
            continue
        for k in range(SIZES[index]):
            alt = &RULES[index][k]
            if <unsigned char> alt.text[0] != c or alt.length > size - i:
                continue
            if alt.at_start and i != 0:
                continue
            if memcmp(text + i, alt.text, alt.length) != 0:
                continue
            if alt.at_end and not (
                i + alt.length == size or (i + alt.length == size - 1 and text[size - 1] == 10)
            ):
                continue
            return True
    return False


cdef Py_ssize_t _lowered(object value, Py_ssize_t at) except -2:
    """Copy `value` ASCII-lowered into LOWER at `at`: the new end, or -1 when the value is not
    ASCII or does not fit (the caller then asks Python)."""
    cdef Py_ssize_t size = 0, i
    cdef const unsigned char *data
    if value is None:
        return at
    if not PyUnicode_IS_ASCII(value):
        return -1
    data = <const unsigned char *> PyUnicode_AsUTF8AndSize(value, &size)
    if at + size > MAX_NAMES:
        return -1
    for i in range(size):
        LOWER[at + i] = data[i] + 32 if 65 <= data[i] <= 90 else data[i]
    return at + size


cdef int weight(object value) except? -999:
    """content._weight(value or "")."""
    if not value:
        return 0
    found = WEIGHTS.get(value)
    if found is not None:
        return found
    cdef Py_ssize_t size = _lowered(value, 0)
    cdef int points
    if size < 0:
        points = py_weight(value)
    else:
        points = (25 if _search(POSITIVE, LOWER, size) else 0) - (
            25 if _search(NEGATIVE, LOWER, size) else 0
        )
    _remember(WEIGHTS, value, points)
    return points


cdef Py_ssize_t _joined(object names, object ident) except -2:
    """f"{names or ''} {ident or ''}" lowered into LOWER, or -1."""
    cdef Py_ssize_t size = _lowered(names or None, 0)
    if size < 0 or size + 1 > MAX_NAMES:
        return -1
    LOWER[size] = 32
    return _lowered(ident or None, size + 1)


cdef int unlikely(object names, object ident) except -1:
    """content._unlikely_names(f"{names or ''} {ident or ''}")."""
    key = (names, ident)
    found = UNLIKELY.get(key)
    if found is None:
        found = _unlikely(names, ident)
        _remember(UNLIKELY, key, found)
    return found


cdef bint _unlikely(object names, object ident) except -1:
    cdef Py_ssize_t size = _joined(names, ident), i
    cdef bint blank = True
    if size < 0:
        return py_unlikely(f"{names or ''} {ident or ''}")
    for i in range(size):
        if not SPACE[LOWER[i]]:
            blank = False
            break
    return not blank and _search(UNLIKELY_NAMES, LOWER, size) and not _search(MAYBE, LOWER, size)


cdef int shares(object names, object ident) except -1:
    """"share" in f"{names or ''} {ident or ''}".lower()."""
    cdef Py_ssize_t size = _joined(names, ident)
    if size < 0:
        return "share" in f"{names or ''} {ident or ''}".lower()
    return memmem(LOWER, size, b"share", 5) != NULL


cdef object landmark(str tag, object role, object names, object ident):
    """sections._landmark(tag, role, names, ident)."""
    key = (tag, role, names, ident)
    found = LANDMARKS.get(key, LANDMARKS)
    if found is LANDMARKS:
        found = _landmark(tag, role, names, ident)
        _remember(LANDMARKS, key, found)
    return found


cdef object _landmark(str tag, object role, object names, object ident):
    cdef Py_ssize_t size, start, i
    cdef int best = 99
    best_section = None
    section = TAGS.get(tag)
    if section is not None:
        best, best_section = PRIORITY[section], section
    if role:
        for token in role.lower().split():
            section = ROLES.get(token)
            if section is not None and PRIORITY[section] < best:
                best, best_section = PRIORITY[section], section
    for value in (names, ident):
        if not value:
            continue
        size = _lowered(value, 0)
        if size < 0:
            return py_landmark(tag, role, names, ident)
        i = 0
        while i < size:  # words: runs of [a-z0-9]
            while i < size and not _word_char(LOWER[i]):
                i += 1
            start = i
            while i < size and _word_char(LOWER[i]):
                i += 1
            if 2 <= i - start <= LONGEST_WORD:
                section = WORDS.get((<bytes> LOWER[start:i]).decode("ascii"))
                if section is not None and PRIORITY[section] < best:
                    best, best_section = PRIORITY[section], section
    return best_section


cdef inline bint _word_char(unsigned char c):
    return (97 <= c <= 122) or (48 <= c <= 57)


def verdicts(str tag, role, names, ident):
    """Every rule's answer for one element, for tests: (weight(names), weight(ident),
    unlikely, shares, landmark)."""
    return weight(names), weight(ident), unlikely(names, ident), shares(names, ident), landmark(
        tag, role, names, ident
    )
