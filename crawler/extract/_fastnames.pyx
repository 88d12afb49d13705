# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The class/id name rules of crawler.extract.rules at C speed.

`crawler.extract._fastlinks` asks them for every element it looks at, straight from lexbor's attribute
bytes (no Python string, no memo): an ASCII value is lowered once into a buffer and scanned
once, each position tried only against the literals starting with its character; landmark
words and roles are compared in place. The literals, words and roles are read from the Python
rules' public patterns and tables (crawler.extract.rules) at `bind()`, which refuses any pattern
that is not `^?literal$?` alternatives, so the rules live in one place. A non-ASCII value asks the Python
function, whose Unicode case folding this does not copy (the `_b` functions then answer
UNKNOWN_ANSWER). tests/unit/test_extract_fast.py checks both sides agree on generated names.

    >>> bind()  # by crawler.extract._fastlinks
"""

from libc.stdint cimport uint64_t
from libc.string cimport memcmp

cdef extern from *:
    """
    #include <string.h>  /* memmem: Python.h defines _GNU_SOURCE */
    static inline int lg_lowest_bit(unsigned long long x) { return __builtin_ctzll(x); }
    """
    void *memmem(const void *haystack, size_t haystack_size, const void *needle, size_t size)
    int _lowest_bit "lg_lowest_bit"(uint64_t x)

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object text)

DEF MAX_NAMES = 2048
DEF MAX_ALTERNATIVES = 64
DEF MAX_WORDS = 64
DEF NEGATIVE = 0
DEF POSITIVE = 1
DEF UNLIKELY_NAMES = 2
DEF MAYBE = 3

cdef struct Alternative:
    const char *text
    Py_ssize_t length
    bint at_start
    bint at_end

cdef struct Word:
    const char *text
    Py_ssize_t length
    int section  # index in SECTIONS

# Per pattern, its alternatives grouped by first character: FIRST[p][c] of them from START[p][c].
cdef Alternative RULES[4][MAX_ALTERNATIVES]
cdef unsigned char FIRST[4][256]
cdef unsigned char START[4][256]
cdef Word WORDS_TABLE[MAX_WORDS]
cdef Word ROLES_TABLE[MAX_WORDS]
cdef Word JUNK_TABLE[MAX_WORDS]
# Per table (words, roles, junk roles), the entries starting with a letter, as a bit mask:
# most words of a class attribute start with no landmark word's letter.
cdef uint64_t STARTING[3][256]
cdef int PRIORITIES[MAX_WORDS]
cdef list KEEP = []  # the bytes the tables point into
cdef unsigned char LOWER[MAX_NAMES]
cdef unsigned char SPACE[256]
cdef object py_weight, py_unlikely, py_landmark
cdef tuple SECTIONS = ()  # the sections module's own strings, by index
cdef dict TAG_SECTIONS = {}  # tag -> index in SECTIONS
cdef Py_ssize_t LONGEST_WORD = 0
_LITERAL = frozenset("abcdefghijklmnopqrstuvwxyz0123456789- ")


def bind():
    """Read the rules from crawler.extract.rules; ImportError on a pattern this module cannot run
    exactly."""
    global py_weight, py_unlikely, py_landmark, SECTIONS, TAG_SECTIONS, LONGEST_WORD
    from crawler.extract import rules

    for index, names in (
        (NEGATIVE, rules.NEGATIVE_NAMES),
        (POSITIVE, rules.POSITIVE_NAMES),
        (UNLIKELY_NAMES, rules.UNLIKELY_NAMES),
        (MAYBE, rules.MAYBE_NAMES),
    ):
        _load(index, names.folded.pattern)
    for space in b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":  # str.strip()'s ASCII white space
        SPACE[space] = 1
    py_weight, py_unlikely, py_landmark = rules.name_weight, rules.unlikely_names, rules.landmark_of
    if rules.WORD.pattern != "[a-z0-9]+" or any(
        set(w) - _LITERAL or "-" in w or " " in w for w in rules.WORD_SECTIONS
    ):
        raise ImportError("sections' word rule changed")
    SECTIONS = tuple(sorted(rules.SECTION_PRIORITY, key=rules.SECTION_PRIORITY.__getitem__))
    for position, section in enumerate(SECTIONS):
        PRIORITIES[position] = rules.SECTION_PRIORITY[section]
    TAG_SECTIONS = {tag: SECTIONS.index(section) for tag, section in rules.TAG_SECTIONS.items()}
    _table(WORDS_TABLE, 0, {w: SECTIONS.index(s) for w, s in rules.WORD_SECTIONS.items()})
    _table(ROLES_TABLE, 1, {r: SECTIONS.index(s) for r, s in rules.ROLE_SECTIONS.items()})
    _table(JUNK_TABLE, 2, dict.fromkeys(rules.JUNK_ROLES, 0))
    LONGEST_WORD = max(map(len, rules.WORD_SECTIONS))


cdef void _table(Word *table, int which, dict entries) except *:
    if len(entries) > MAX_WORDS or any(
        not w or not w.isascii() or w != w.lower() for w in entries
    ):
        raise ImportError("a word table this module cannot hold")
    for position, (word, section) in enumerate(entries.items()):
        data = word.encode()
        KEEP.append(data)
        table[position].text = data
        table[position].length = len(data)
        table[position].section = section
        STARTING[which][data[0]] |= (<uint64_t> 1) << position
        STARTING[which][data[0] - 32 if 97 <= data[0] <= 122 else data[0]] |= (
            (<uint64_t> 1) << position
        )


cdef void _load(int index, str pattern) except *:
    alternatives = pattern.split("|")
    if len(alternatives) > MAX_ALTERNATIVES:
        raise ImportError("too many alternatives")
    # Grouped by first character, so a position only tries the literals that can match there.
    alternatives.sort(key=_first_character)
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
        if FIRST[index][data[0]] == 0:
            START[index][data[0]] = position
        FIRST[index][data[0]] += 1


def _first_character(alternative):
    return alternative.lstrip("^")[:1]


cdef bint _search(int index, const unsigned char *text, Py_ssize_t size):
    """Whether pattern `index` matches somewhere in the lowered text: one pass over the text,
    trying at each position only the alternatives that start with its character."""
    cdef Py_ssize_t i
    cdef int k
    cdef Alternative *alt
    cdef unsigned char c
    for i in range(size):
        c = text[i]
        for k in range(START[index][c], START[index][c] + FIRST[index][c]):
            alt = &RULES[index][k]
            if alt.length > size - i or (alt.at_start and i != 0):
                continue
            if memcmp(text + i, alt.text, alt.length) != 0:
                continue
            if alt.at_end and not (
                i + alt.length == size or (i + alt.length == size - 1 and text[size - 1] == 10)
            ):
                continue
            return True
    return False


cdef Py_ssize_t _lowered(const unsigned char *data, Py_ssize_t size, Py_ssize_t at):
    """Copy ASCII `data` lowered into LOWER at `at`: the new end, or -1 when it does not fit
    (the caller then asks Python)."""
    cdef Py_ssize_t i
    if at + size > MAX_NAMES:
        return -1
    for i in range(size):
        LOWER[at + i] = data[i] + 32 if 65 <= data[i] <= 90 else data[i]
    return at + size


cdef int weight_b(const unsigned char *value, Py_ssize_t size):
    """rules.name_weight of an ASCII value; UNKNOWN_ANSWER when it is too long to lower here."""
    if size == 0:
        return 0
    if _lowered(value, size, 0) < 0:
        return UNKNOWN_ANSWER
    return (25 if _search(POSITIVE, LOWER, size) else 0) - (
        25 if _search(NEGATIVE, LOWER, size) else 0
    )


cdef Py_ssize_t _joined(const unsigned char *names, Py_ssize_t names_size,
                        const unsigned char *ident, Py_ssize_t ident_size):
    """f"{names} {ident}" lowered into LOWER: its length, or -1."""
    cdef Py_ssize_t size = _lowered(names, names_size, 0)
    if size < 0 or size + 1 > MAX_NAMES:
        return -1
    LOWER[size] = 32
    return _lowered(ident, ident_size, size + 1)


cdef int unlikely_b(const unsigned char *names, Py_ssize_t names_size,
                    const unsigned char *ident, Py_ssize_t ident_size):
    """rules.unlikely_names(f"{names} {ident}") of ASCII values, or UNKNOWN_ANSWER."""
    cdef Py_ssize_t size = _joined(names, names_size, ident, ident_size), i
    cdef bint blank = True
    if size < 0:
        return UNKNOWN_ANSWER
    for i in range(size):
        if not SPACE[LOWER[i]]:
            blank = False
            break
    return not blank and _search(UNLIKELY_NAMES, LOWER, size) and not _search(MAYBE, LOWER, size)


cdef int shares_b(const unsigned char *names, Py_ssize_t names_size,
                  const unsigned char *ident, Py_ssize_t ident_size):
    """"share" in f"{names} {ident}".lower() of ASCII values, or UNKNOWN_ANSWER."""
    cdef Py_ssize_t size = _joined(names, names_size, ident, ident_size)
    if size < 0:
        return UNKNOWN_ANSWER
    return memmem(LOWER, size, b"share", 5) != NULL


cdef int junk_role_b(const unsigned char *role, Py_ssize_t size):
    """`role.strip().lower() in rules.JUNK_ROLES` of an ASCII role."""
    while size > 0 and SPACE[role[0]]:
        role += 1
        size -= 1
    while size > 0 and SPACE[role[size - 1]]:
        size -= 1
    return _word_in(JUNK_TABLE, 2, role, size) >= 0


cdef int _word_in(Word *table, int which, const unsigned char *word, Py_ssize_t size):
    """The section of `word` (ASCII-lowered as compared) in table `which`, or -1."""
    cdef int k
    cdef Py_ssize_t i
    cdef unsigned char c
    cdef uint64_t candidates = STARTING[which][word[0]] if size else 0
    while candidates:
        k = _lowest_bit(candidates)
        candidates &= candidates - 1
        if table[k].length != size:
            continue
        for i in range(size):
            c = word[i] + 32 if 65 <= word[i] <= 90 else word[i]
            if c != <unsigned char> table[k].text[i]:
                break
        else:
            return table[k].section
    return -1


cdef int landmark_b(int tag_section, const unsigned char *role, Py_ssize_t role_size,
                    const unsigned char *names, Py_ssize_t names_size,
                    const unsigned char *ident, Py_ssize_t ident_size):
    """rules.landmark_of of ASCII role, class and id (tag_section: TAG_SECTIONS of the tag,
    or -1): the index in SECTIONS, or -1 for None. The most specific section wins."""
    cdef int best = tag_section, found
    cdef Py_ssize_t i = 0, start
    while i < role_size:  # role tokens: split on white space, any case
        start = next_token(role, role_size, &i, SPACE)
        if i > start:
            best = _better(best, _word_in(ROLES_TABLE, 1, role + start, i - start))
    best = _better(best, _words_landmark(names, names_size))
    return _better(best, _words_landmark(ident, ident_size))


cdef inline int _better(int best, int found):
    if found < 0:
        return best
    if best < 0 or PRIORITIES[found] < PRIORITIES[best]:
        return found
    return best


cdef int _words_landmark(const unsigned char *value, Py_ssize_t size):
    """The best section of the landmark words of a class or id (runs of [a-z0-9], any case)."""
    cdef Py_ssize_t i = 0, start
    cdef int best = -1
    while i < size:
        while i < size and not _word_char(value[i]):
            i += 1
        start = i
        while i < size and _word_char(value[i]):
            i += 1
        if 2 <= i - start <= LONGEST_WORD:
            best = _better(best, _word_in(WORDS_TABLE, 0, value + start, i - start))
    return best


cdef inline bint _word_char(unsigned char c):
    return (97 <= c <= 122) or (65 <= c <= 90) or (48 <= c <= 57)


cdef inline const unsigned char *_utf8(object value, Py_ssize_t *size) except? NULL:
    """The bytes of an ASCII str (None: empty), or NULL when it is not ASCII."""
    size[0] = 0
    if value is None:
        return <const unsigned char *> b""
    if not PyUnicode_IS_ASCII(value):
        return NULL
    return <const unsigned char *> PyUnicode_AsUTF8AndSize(value, size)


cdef int weight(object value) except? -999:
    """rules.name_weight(value or "")."""
    cdef Py_ssize_t size
    cdef const unsigned char *data
    if not value:
        return 0
    data = _utf8(value, &size)
    cdef int points = UNKNOWN_ANSWER if data == NULL else weight_b(data, size)
    return py_weight(value) if points == UNKNOWN_ANSWER else points


ctypedef int (*NamesRule)(const unsigned char *, Py_ssize_t, const unsigned char *, Py_ssize_t)


cdef int _on_names(object names, object ident, NamesRule rule) except? -2:
    """A `_b` rule of class and id given as str (None: absent): UNKNOWN_ANSWER when one is
    not ASCII, or the rule cannot say."""
    cdef Py_ssize_t names_size, ident_size
    cdef const unsigned char *names_data = _utf8(names or None, &names_size)
    cdef const unsigned char *ident_data = _utf8(ident or None, &ident_size)
    if names_data == NULL or ident_data == NULL:
        return UNKNOWN_ANSWER
    return rule(names_data, names_size, ident_data, ident_size)


cdef int unlikely(object names, object ident) except -1:
    """rules.unlikely_names(f"{names or ''} {ident or ''}")."""
    cdef int found = _on_names(names, ident, unlikely_b)
    if found == UNKNOWN_ANSWER:
        return py_unlikely(f"{names or ''} {ident or ''}")
    return found


cdef int shares(object names, object ident) except -1:
    """"share" in f"{names or ''} {ident or ''}".lower()."""
    cdef int found = _on_names(names, ident, shares_b)
    if found == UNKNOWN_ANSWER:
        return "share" in f"{names or ''} {ident or ''}".lower()
    return found


cdef object landmark(str tag, object role, object names, object ident):
    """rules.landmark_of(tag, role, names, ident)."""
    cdef Py_ssize_t role_size, names_size, ident_size
    cdef const unsigned char *role_data = _utf8(role or None, &role_size)
    cdef const unsigned char *names_data = _utf8(names or None, &names_size)
    cdef const unsigned char *ident_data = _utf8(ident or None, &ident_size)
    if role_data == NULL or names_data == NULL or ident_data == NULL:
        return py_landmark(tag, role, names, ident)
    found = landmark_b(
        tag_section(tag), role_data, role_size, names_data, names_size, ident_data,
        ident_size,
    )
    return section_name(found)


cdef object section_name(int index):
    """The section of an index `landmark_b` gives (-1: None)."""
    return None if index < 0 else SECTIONS[index]


cdef int section_index(object section) except -2:
    """The index of a section `landmark` gives (None: -1)."""
    return -1 if section is None else SECTIONS.index(section)


cdef int tag_section(str tag) except -2:
    """The section a tag alone opens, as an index (-1: none)."""
    return TAG_SECTIONS.get(tag, -1)


def verdicts(str tag, role, names, ident):
    """Every rule's answer for one element, for tests: (weight(names), weight(ident),
    unlikely, shares, landmark, junk role)."""
    cdef Py_ssize_t size = 0
    cdef const unsigned char *role_data = NULL if role is None else _utf8(role, &size)
    junk = None if role_data == NULL else bool(junk_role_b(role_data, size))
    return weight(names), weight(ident), unlikely(names, ident), shares(names, ident), landmark(
        tag, role, names, ident
    ), junk
