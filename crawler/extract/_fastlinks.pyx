# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The extractor's per-element work at C speed: lexbor's DOM walked through raw node pointers.

`crawler.extract.extractor` hands over the parsed tree and its link elements (`LexborNode.mem_id` is the
address of lexbor's `lxb_dom_node_t`); this module climbs their ancestors for the dom_path and
landmark section (`crawler.extract.sections.Places`), reads anchors, and scores the page's blocks for
main content (`crawler.extract.maincontent.Article`), with the same rules, in the same order, as the pure
Python code, which it must match exactly (tests/unit/test_extract_fast.py). The per-string rules
(landmark words, Readability's class regexes) are the Python modules' own memoized functions.

Lexbor is not linked in: its functions are looked up in selectolax's already loaded extension
(`dlopen(RTLD_NOLOAD)` + `dlsym`), and `lxb_dom_node_t` is read through a copy of its layout
(lexbor/dom/interfaces/node.h, as selectolax's lexbor.pxd declares it). `bind()` checks both
against selectolax's own answers on a probe page before anything is used; on any doubt the
import fails and `crawler.extract.extractor` keeps the pure Python path.

    >>> bind()  # done by crawler.extract.extractor on import
"""

from libc.stdint cimport uint32_t, uint64_t, uintptr_t
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memchr, memcpy, memset
from cpython.ref cimport Py_DECREF, Py_INCREF, Py_XDECREF
from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeASCII, PyUnicode_DecodeUTF8
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize

from crawler.extract cimport _fastnames as names_rules
from crawler.urls._fasturls cimport ascii_stripped, join_c
from crawler.extract._fastnames cimport UNKNOWN_ANSWER

import sys

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object text, Py_ssize_t *size) except NULL
    bint PyUnicode_IS_ASCII(object text)

cdef extern from *:
    """
    #include <dlfcn.h>
    #include <emmintrin.h>
    #include <stdint.h>
    #include <stddef.h>
    typedef struct lg_node_s lg_node_t;
    struct lg_node_s {                     /* lexbor/dom/interfaces/node.h */
        void *events;
        uintptr_t local_name;
        uintptr_t prefix;
        uintptr_t ns;
        void *owner_document;
        lg_node_t *next;
        lg_node_t *prev;
        lg_node_t *parent;
        lg_node_t *first_child;
        lg_node_t *last_child;
        void *user;
        int type;
    };
    typedef struct { unsigned char *data; size_t length; } lg_str_t;
    typedef struct { lg_node_t node; lg_str_t data; } lg_chardata_t;
    typedef const unsigned char *(*lg_name_f)(void *, size_t *);
    typedef void *(*lg_step_f)(void *);
    static lg_name_f lg_element_qualified_name, lg_attr_qualified_name, lg_attr_value;
    static lg_step_f lg_first_attr, lg_next_attr;

    /* OutLink records made as a tuple is: the slots filled in place, no __init__ frame. */
    #include <structmember.h>
    #define LG_LINK_FIELDS 18
    static Py_ssize_t lg_link_offsets[LG_LINK_FIELDS];

    static int lg_link_slot(int index, PyObject *descriptor) {
        PyMemberDef *member = ((PyMemberDescrObject *) descriptor)->d_member;
        if (member->type != T_OBJECT_EX || (member->flags & READONLY)) return -1;
        lg_link_offsets[index] = member->offset;
        return 0;
    }

    static PyObject *lg_link_new(PyObject *link_type, PyObject **values) {
        PyTypeObject *type = (PyTypeObject *) link_type;
        PyObject *link = type->tp_alloc(type, 0);
        if (link == NULL) return NULL;
        for (int i = 0; i < LG_LINK_FIELDS; i++) {
            Py_INCREF(values[i]);
            *(PyObject **) ((char *) link + lg_link_offsets[i]) = values[i];
        }
        /* Its fields are strings, numbers and a tuple of strings: no cycle can go through
           it, so the cyclic GC need not walk the page's links (CPython untracks such tuples
           and dicts itself); they live on in the sink's batches. */
        PyObject_GC_UnTrack(link);
        return link;
    }

    static void lg_link_set(PyObject *link, int index, PyObject *value) {
        PyObject **slot = (PyObject **) ((char *) link + lg_link_offsets[index]);
        PyObject *old = *slot;
        Py_INCREF(value);
        *slot = value;
        Py_XDECREF(old);
    }

    /* Set bits, one step per bit: these masks hold few (and x86-64's baseline has no popcnt). */
    static inline int lg_leading_zeros(uint64_t x) { return __builtin_clzll(x); }
    static inline int lg_popcount(uint64_t x) {
        int count = 0;
        for (; x; x &= x - 1) count++;
        return count;
    }

    /* One UTF-8 sequence at data[i] checked (the Unicode standard's Table 3-7, which Python's
       codec follows): the index after it, or -1 when ill-formed. */
    static inline Py_ssize_t lg_utf8_next(const unsigned char *data, Py_ssize_t size,
                                          Py_ssize_t i) {
        unsigned char c = data[i], low = 0x80, high = 0xBF;
        if (c < 0x80) return i + 1;
        if (c < 0xC2 || c > 0xF4) return -1;
        if (c == 0xE0) low = 0xA0;
        else if (c == 0xED) high = 0x9F;
        else if (c == 0xF0) low = 0x90;
        else if (c == 0xF4) high = 0x8F;
        if (i + 1 >= size || data[i + 1] < low || data[i + 1] > high) return -1;
        if (c >= 0xE0 && (i + 2 >= size || (data[i + 2] & 0xC0) != 0x80)) return -1;
        if (c >= 0xF0 && (i + 3 >= size || (data[i + 3] & 0xC0) != 0x80)) return -1;
        return i + (c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4);
    }

    /* Code points (bytes less UTF-8 continuation bytes) of data[0:length], and its commas
       added to *commas when asked: 16 bytes at a time (SSE2), then 8 and 4 (the vector's
       other bytes zero: neither), each byte's answers summed in byte lanes (253 rounds at
       most before they are added up by _mm_sad_epu8), the last 3 bytes one by one. */
    static inline Py_ssize_t lg_text_counts(const unsigned char *data, size_t length,
                                            Py_ssize_t *commas, int count_commas) {
        const __m128i low = _mm_set1_epi8((char) 0xC0), comma = _mm_set1_epi8(',');
        const __m128i zero = _mm_setzero_si128();
        __m128i tails = zero, commas_seen = zero, v, sums;
        size_t i = 0;
        int rounds = 0;
        uint32_t word;
        Py_ssize_t continuations = 0, found = 0;
    #define LG_COUNT(v) do { \
            /* signed: 0x80-0xBF are the bytes below (signed char) 0xC0 */ \
            tails = _mm_sub_epi8(tails, _mm_cmplt_epi8((v), low)); \
            commas_seen = _mm_sub_epi8(commas_seen, _mm_cmpeq_epi8((v), comma)); \
        } while (0)
    #define LG_FLUSH() do { \
            sums = _mm_sad_epu8(tails, zero); \
            continuations += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4); \
            sums = _mm_sad_epu8(commas_seen, zero); \
            found += _mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4); \
            tails = commas_seen = zero; \
        } while (0)
        for (; i + 16 <= length; i += 16) {
            v = _mm_loadu_si128((const __m128i *) (data + i));
            LG_COUNT(v);
            if (++rounds == 253) {
                LG_FLUSH();
                rounds = 0;
            }
        }
        if (i + 8 <= length) {
            v = _mm_loadl_epi64((const __m128i *) (data + i));
            LG_COUNT(v);
            i += 8;
        }
        if (i + 4 <= length) {
            memcpy(&word, data + i, 4);
            v = _mm_cvtsi32_si128((int) word);
            LG_COUNT(v);
            i += 4;
        }
        LG_FLUSH();
    #undef LG_COUNT
    #undef LG_FLUSH
        for (; i < length; i++) {
            continuations += (data[i] & 0xC0) == 0x80;
            found += data[i] == ',';
        }
        if (count_commas) *commas += found;
        return (Py_ssize_t) length - continuations;
    }

    /* Which of 16 bytes are blanks (space, newline, tab, carriage return: 32, 10, 9, 13,
       the white space of indentation, a part of SPACE), as a 16-bit mask. */
    static inline unsigned lg_blanks16(__m128i v) {
        __m128i spaces = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(32)),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8(10)));
        __m128i others = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(9)),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8(13)));
        __m128i found = _mm_or_si128(spaces, others);
        return (unsigned) _mm_movemask_epi8(found);
    }

    /* data[k:] past its leading blanks, 16 then 8 bytes at a time: where the first byte
       that is not a blank is (or where the last 8 start): callers finish byte by byte. */
    static inline Py_ssize_t lg_skip_blanks(const unsigned char *data, Py_ssize_t k,
                                            Py_ssize_t length) {
        unsigned others;
        while (k + 16 <= length) {
            others = ~lg_blanks16(_mm_loadu_si128((const __m128i *) (data + k))) & 0xFFFF;
            if (others) return k + __builtin_ctz(others);
            k += 16;
        }
        if (k + 8 <= length) {
            others = ~lg_blanks16(_mm_loadl_epi64((const __m128i *) (data + k))) & 0xFF;
            if (others) return k + __builtin_ctz(others);
            k += 8;
        }
        return k;
    }

    /* data[:end] less its trailing blanks, 16 then 8 bytes at a time: the new end (past the
       last byte that is not a blank, or where the first 8 end). */
    static inline Py_ssize_t lg_trim_blanks(const unsigned char *data, Py_ssize_t end) {
        unsigned others;
        while (end >= 16) {
            others = ~lg_blanks16(_mm_loadu_si128((const __m128i *) (data + end - 16))) & 0xFFFF;
            if (others) return end - 16 + (32 - __builtin_clz(others));
            end -= 16;
        }
        if (end >= 8) {
            others = ~lg_blanks16(_mm_loadl_epi64((const __m128i *) (data + end - 8))) & 0xFF;
            if (others) return end - 8 + (32 - __builtin_clz(others));
            end -= 8;
        }
        return end;
    }

    /* The sequences from *u on checked until one ends at or past `end`: 0 when ill-formed. */
    static inline int lg_utf8_upto(const unsigned char *data, Py_ssize_t size, Py_ssize_t *u,
                                   Py_ssize_t end) {
        Py_ssize_t i = *u;
        while (i < end) {
            i = lg_utf8_next(data, size, i);
            if (i < 0) return 0;
        }
        *u = i;
        return 1;
    }

    /* The bytes of 64 (four vectors) equal to those of `c`, as a 64-bit mask. */
    static inline uint64_t lg_mask64(__m128i v0, __m128i v1, __m128i v2, __m128i v3, __m128i c) {
        return (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v0, c))
            | (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v1, c)) << 16
            | (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v2, c)) << 32
            | (uint64_t) (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v3, c)) << 48;
    }

    /* extract._may_nest_deeper's counts (per chunk, `<` less `</` bounds the opening tags; a
       `</` cut by the chunk's end counts as an opening tag) and, when asked, the UTF-8 check,
       in one pass, 64 then 16 bytes at a time (SSE2, in every x86-64). Returns 1 when the body may
       nest deeper than `budget` (and *utf8 = -1: the check stopped there), else 0, with *utf8
       1 (valid) or 0 (not), or -1 when not asked. */
    static int lg_scan(const unsigned char *data, Py_ssize_t size, Py_ssize_t budget,
                       Py_ssize_t chunk, int check, int *utf8) {
        const __m128i lt = _mm_set1_epi8('<'), slash = _mm_set1_epi8('/');
        Py_ssize_t depth = 0, start = 0, u = 0;
        *utf8 = -1;
        while (start < size) {
            Py_ssize_t end = size - start > chunk ? start + chunk : size;
            Py_ssize_t opens = 0, closes = 0, p = start;
            for (; p + 64 <= end; p += 64) {  /* 64 bytes a round: masks of 64 bits */
                __m128i v0 = _mm_loadu_si128((const __m128i *) (data + p));
                __m128i v1 = _mm_loadu_si128((const __m128i *) (data + p + 16));
                __m128i v2 = _mm_loadu_si128((const __m128i *) (data + p + 32));
                __m128i v3 = _mm_loadu_si128((const __m128i *) (data + p + 48));
                uint64_t tags = lg_mask64(v0, v1, v2, v3, lt);
                if (tags) {
                    uint64_t closing = tags & (lg_mask64(v0, v1, v2, v3, slash) >> 1);
                    if ((tags >> 63) && p + 64 < end && data[p + 64] == '/') closing |= 1ULL << 63;
                    int all = lg_popcount(tags), closed = lg_popcount(closing);
                    closes += closed;
                    opens += all - closed;
                }
                if (check && u < p + 64) {
                    __m128i any = _mm_or_si128(_mm_or_si128(v0, v1), _mm_or_si128(v2, v3));
                    if (_mm_movemask_epi8(any) == 0) u = p + 64;  /* ASCII: u was in it */
                    else if (!lg_utf8_upto(data, size, &u, p + 64)) { check = 0; *utf8 = 0; }
                }
            }
            for (; p + 16 <= end; p += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *) (data + p));
                uint64_t tags = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, lt));
                if (tags) {
                    uint64_t after = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, slash));
                    uint64_t closing = tags & (after >> 1);
                    if ((tags & 0x8000) && p + 16 < end && data[p + 16] == '/') closing |= 0x8000;
                    int all = lg_popcount(tags), closed = lg_popcount(closing);
                    closes += closed;
                    opens += all - closed;
                }
                if (check && u < p + 16) {
                    if (_mm_movemask_epi8(v) == 0) u = p + 16;  /* ASCII: u was in it */
                    else if (!lg_utf8_upto(data, size, &u, p + 16)) { check = 0; *utf8 = 0; }
                }
            }
            for (; p < end; p++) {
                if (data[p] != '<') continue;
                if (p + 1 < end && data[p + 1] == '/') closes++;
                else opens++;
            }
            if (check && u < end && !lg_utf8_upto(data, size, &u, end)) { check = 0; *utf8 = 0; }
            if (depth + opens > budget) {
                *utf8 = -1;
                return 1;
            }
            depth = depth + opens - closes > 0 ? depth + opens - closes : 0;
            start = end;
        }
        if (check) *utf8 = 1;
        return 0;
    }

    static int lg_bind(const char *path) {
        void *lib = dlopen(path, RTLD_LAZY | RTLD_NOLOAD);
        if (lib == NULL) return -1;
        lg_element_qualified_name = (lg_name_f) dlsym(lib, "lxb_dom_element_qualified_name");
        lg_attr_qualified_name = (lg_name_f) dlsym(lib, "lxb_dom_attr_qualified_name");
        lg_attr_value = (lg_name_f) dlsym(lib, "lxb_dom_attr_value_noi");
        lg_first_attr = (lg_step_f) dlsym(lib, "lxb_dom_element_first_attribute_noi");
        lg_next_attr = (lg_step_f) dlsym(lib, "lxb_dom_element_next_attribute_noi");
        if (!lg_element_qualified_name || !lg_attr_qualified_name || !lg_attr_value
                || !lg_first_attr || !lg_next_attr) return -2;
        return 0;
    }
    """
    ctypedef struct lg_node_t:
        uintptr_t local_name
        uintptr_t prefix
        uintptr_t ns
        lg_node_t *next
        lg_node_t *parent
        lg_node_t *first_child
        void *user
        int type
    ctypedef struct lg_str_t:
        unsigned char *data
        size_t length
    ctypedef struct lg_chardata_t:
        lg_str_t data
    ctypedef const unsigned char *(*lg_name_f)(void *, size_t *)
    ctypedef void *(*lg_step_f)(void *)
    lg_name_f lg_element_qualified_name, lg_attr_qualified_name, lg_attr_value
    lg_step_f lg_first_attr, lg_next_attr
    int lg_bind(const char *path)
    int lg_scan(const unsigned char *data, Py_ssize_t size, Py_ssize_t budget, Py_ssize_t chunk,
                int check, int *utf8)
    int lg_popcount(uint64_t x)
    Py_ssize_t lg_skip_blanks(const unsigned char *data, Py_ssize_t k, Py_ssize_t length)
    Py_ssize_t lg_trim_blanks(const unsigned char *data, Py_ssize_t end)
    Py_ssize_t lg_text_counts(const unsigned char *data, size_t length, Py_ssize_t *commas,
                              int count_commas)
    int _leading_zeros "lg_leading_zeros"(uint64_t x)
    int lg_link_slot(int index, object descriptor)
    object lg_link_new(object link_type, PyObject **values)
    void lg_link_set(object link, int index, object value)

DEF ELEMENT = 1
DEF SMALL_TAGS = 256  # HTML elements of tag ids below 256 (lexbor's static ones)
# Their names, across pages: a static id names one tag (lexbor's own table), in every document.
cdef PyObject *HTML_TAGS[SMALL_TAGS]
# Node states are allocated in blocks of 64, 128, 256... (their addresses never move): a
# small page takes a few KB, not a block sized for large ones (malloc's big-chunk path).
DEF FIRST_BLOCK = 64
DEF MAX_BLOCKS = 40
DEF V_MAIN = 1  # content.MAIN, NAMED, CLEANED, OUTSIDE
DEF V_NAMED = 2
DEF V_CLEANED = 3
DEF V_OUTSIDE = 4
DEF LIKELY = 1
DEF UNLIKELY = 2
DEF ROLE = 0
DEF CLASS = 1
DEF IDENT = 2
DEF LINK_FIELDS = 18
DEF SECTION_FIELD = 5
DEF MEASURED_FROM = 256
DEF TEXT_NODE = 3

cdef uintptr_t TAG_TEXT = 0  # lexbor's tag ids, read from a probe page by bind()
cdef uintptr_t NS_HTML = 0
cdef uintptr_t TAG_A = 0, TAG_IMG = 0, TAG_P = 0, TAG_LI = 0, TAG_INPUT = 0
cdef uintptr_t TAG_OBJECT = 0, TAG_EMBED = 0, TAG_IFRAME = 0, TAG_MAIN = 0, TAG_ARTICLE = 0
cdef uintptr_t TAG_AREA = 0, TAG_FRAME = 0, TAG_LINK = 0, TAG_META = 0
cdef uintptr_t TAG_BASE = 0, TAG_TITLE = 0, TAG_HTML = 0
cdef unsigned char SCORED_TAG[SMALL_TAGS]  # by tag id: one of content._SCORED
cdef unsigned char LINK_TAG[SMALL_TAGS]  # by tag id: one `Dom._link_element` looks at
cdef dict SPECIAL_NAMES = {}  # selectolax's names of non-element nodes by tag id
cdef bint BOUND = False

# Python helpers, bound once the crawler modules are loaded (see bind()).
cdef tuple NOT_LINK_SCHEMES = ()  # urls._NOT_LINKS as bytes
cdef object refresh_target, registrable_domain, OutLink, STATS, logger, DEBUG
cdef dict TAG_SCORE, TAGS_SECTION
cdef frozenset ROOTS, JUNK_ROLES, DROPPED_TAGS, CLEANED_TAGS, KEPT_TAGS, STOP
cdef object UNKNOWN
cdef Py_ssize_t MAX_PATH_CHARS, MIN_PARAGRAPH, ARTICLE_MIN_CHARS
cdef tuple MAIN_WORDS
cdef int MAIN_SECTION = -1
cdef double DIVISOR_OF[8]  # content._LEVEL_DIVISORS
cdef Py_ssize_t DIVISOR_COUNT = 0
cdef object ABSENT = object()


def bind():
    """Find lexbor in selectolax and check this module's view of its DOM; raise ImportError
    when anything disagrees (the caller then keeps the pure Python extractor)."""
    global BOUND, NS_HTML, TAG_TEXT, TAG_A, TAG_IMG, TAG_P, TAG_LI, TAG_INPUT, TAG_OBJECT, TAG_EMBED
    global TAG_IFRAME, SPECIAL_NAMES, TAG_MAIN, TAG_ARTICLE
    global TAG_AREA, TAG_FRAME, TAG_LINK, TAG_META, TAG_BASE, TAG_TITLE, TAG_HTML
    if BOUND:
        return
    import selectolax.lexbor as lexbor_module
    from selectolax.lexbor import LexborHTMLParser

    if lg_bind(lexbor_module.__file__.encode()) != 0:
        raise ImportError("lexbor's functions not found in selectolax's extension")
    SPECIAL_NAMES = dict(getattr(lexbor_module, "_TAG_TO_NAME", {}))
    probe = LexborHTMLParser(
        "<p id=i class='c d' data-x>caf\u00e9</p><img><li><input><object></object><embed>"
        "<iframe></iframe><a href=h>a</a><pre></pre><table><tr><td></td></tr></table><h2></h2><h3></h3><h4></h4>"
        "<h5></h5><h6></h6><main></main><article></article>"
    )
    cdef lg_node_t *p = <lg_node_t *> <uintptr_t> probe.css_first("p").mem_id
    cdef lg_node_t *text = p.first_child
    node = probe.css_first("p")
    if (
        p.type != ELEMENT
        or text == NULL
        or text.type != TEXT_NODE
        or text.parent != p
        or <uintptr_t> text != node.first_child.mem_id
        or <uintptr_t> p.parent != node.parent.mem_id
        or <uintptr_t> p.next != node.next.mem_id
    ):
        raise ImportError("lexbor's node layout differs from this module's")
    TAG_TEXT = text.local_name
    NS_HTML = p.ns
    ids = {}
    for found in probe.css(
        "p, img, li, input, object, embed, iframe, a, pre, td, h2, h3, h4, h5, h6, main, article"
    ):
        ids[found.tag] = (<lg_node_t *> <uintptr_t> found.mem_id).local_name
    TAG_A, TAG_IMG, TAG_P, TAG_LI = ids["a"], ids["img"], ids["p"], ids["li"]
    TAG_INPUT, TAG_OBJECT, TAG_EMBED, TAG_IFRAME = (
        ids["input"], ids["object"], ids["embed"], ids["iframe"]
    )
    TAG_MAIN, TAG_ARTICLE = ids["main"], ids["article"]
    # <frame> only parses inside a frameset; <link> and <meta> go to the head.
    for html, name in (
        ("<frameset><frame src=x></frameset>", "frame"),
        ("<link href=x><meta><base href=x><title>t</title><map><area href=x></map>",
         "link, meta, area, base, title, html"),
    ):
        for found in LexborHTMLParser(html).css(name):
            ids[found.tag] = (<lg_node_t *> <uintptr_t> found.mem_id).local_name
    TAG_AREA, TAG_FRAME, TAG_LINK, TAG_META = ids["area"], ids["frame"], ids["link"], ids["meta"]
    TAG_BASE, TAG_TITLE, TAG_HTML = ids["base"], ids["title"], ids["html"]
    for name in ("p", "pre", "td", "h2", "h3", "h4", "h5", "h6"):
        if ids[name] >= SMALL_TAGS:
            raise ImportError("lexbor's tag ids differ from this module's view")
        SCORED_TAG[ids[name]] = 1
    for name in ("meta", "a", "area", "link", "iframe", "frame", "base", "title", "html"):
        if ids[name] < SMALL_TAGS:  # else `_link_tag` lets every tag id that large through
            LINK_TAG[ids[name]] = 1
    dom = Dom()
    if (
        dom.text(p) != node.text()
        or dom.attr(p, b"class") != "c d"
        or dom.attr(p, b"data-x") is not None
        or dom.attr(p, b"nope") is not ABSENT
        or dom.tag(p) != "p"
        or dom.tag(text) != node.first_child.tag
        or dom.text_len(p) != 4
    ):
        raise ImportError("lexbor's answers differ from selectolax's")
    _bind_python()
    BOUND = True


cdef void _bind_python() except *:
    global NOT_LINK_SCHEMES, MAIN_WORDS
    global refresh_target, registrable_domain, OutLink, STATS, logger, DEBUG, TAG_SCORE, TAGS_SECTION
    global ROOTS, JUNK_ROLES, DROPPED_TAGS, CLEANED_TAGS, KEPT_TAGS, STOP, UNKNOWN
    global MAX_PATH_CHARS, MIN_PARAGRAPH, ARTICLE_MIN_CHARS, MAIN_SECTION, DIVISOR_COUNT
    import logging

    from crawler import records
    from crawler.extract import extractor as extract, maincontent as content, sections
    from crawler.urls import canonical as urls

    from crawler.extract import _fastnames

    _fastnames.bind()
    TAGS_SECTION = sections._TAGS
    ROOTS = sections.ROOTS
    UNKNOWN = sections.UNKNOWN
    MAX_PATH_CHARS = sections.MAX_PATH_CHARS
    MAIN_WORDS = tuple(word.encode("ascii") for word in sections.main_words())
    MAIN_SECTION = names_rules.section_index("main")
    TAG_SCORE = content._TAG_SCORE
    JUNK_ROLES = content._JUNK_ROLES
    DROPPED_TAGS = content._DROPPED_TAGS
    CLEANED_TAGS = content._CLEANED_TAGS
    KEPT_TAGS = content._KEPT_TAGS
    STOP = content._STOP
    MIN_PARAGRAPH = content._MIN_PARAGRAPH
    ARTICLE_MIN_CHARS = content.ARTICLE_MIN_CHARS
    divisors = content._LEVEL_DIVISORS
    if len(divisors) > 8:
        raise ImportError("content._LEVEL_DIVISORS: more levels than this module holds")
    for level, divisor in enumerate(divisors):
        DIVISOR_OF[level] = divisor
    DIVISOR_COUNT = len(divisors)
    NOT_LINK_SCHEMES = tuple(scheme.encode("ascii") for scheme in urls._NOT_LINKS)
    if any(scheme != scheme.lower() for scheme in NOT_LINK_SCHEMES):
        raise ImportError("urls._NOT_LINKS must be lower case")
    refresh_target = extract._refresh_target
    STATS = extract.STATS
    logger = extract.logger
    DEBUG = logging.DEBUG
    registrable_domain = urls.registrable_domain
    OutLink = records.OutLink
    _bind_records()


# OutLink's fields in order: `_new_link` fills them by position.
_LINK_FIELDS = (
    "src_url", "dst_url", "anchor", "rel", "kind", "section", "dom_path", "ordinal", "is_image",
    "hreflang", "src_host", "src_domain", "dst_host", "dst_domain", "is_external",
    "page_nofollow", "fetched_at", "crawl_id",
)  # fmt: skip
cdef object NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT  # the fields _new_link does not take


cdef void _bind_records() except *:
    """Check OutLink is the slotted dataclass `_new_link` knows, read its slots' offsets, and
    check a record made here equals one made by OutLink(...)."""
    global NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT
    import dataclasses
    import types

    fields = dataclasses.fields(OutLink)
    if (
        tuple(field.name for field in fields) != _LINK_FIELDS
        or OutLink.__new__ is not object.__new__
        or hasattr(OutLink, "__post_init__")
    ):
        raise ImportError("OutLink differs from the record this module makes")
    for index, field in enumerate(fields):
        descriptor = OutLink.__dict__.get(field.name)
        if type(descriptor) is not types.MemberDescriptorType or lg_link_slot(index, descriptor):
            raise ImportError(f"OutLink.{field.name} is not a plain slot")
    NOFOLLOW_DEFAULT, FETCHED_DEFAULT, CRAWL_DEFAULT = (field.default for field in fields[15:])
    values = ("s", "d", "a", ("r",), "a", "nav", "body>a", 3, True, "en", "h", "o", "i", "j", True)
    made = _new_link(
        values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
        values[8], values[9], values[10], values[11], values[12], values[13], values[14],
    )
    if made != OutLink(*values) or repr(made) != repr(OutLink(*values)):
        raise ImportError("OutLink records made here differ from OutLink(...)")
    _set_section(made, "main")
    if made.section != "main":
        raise ImportError("OutLink.section not set in place")


cdef object _new_link(
    src_url, dst_url, anchor, rel, kind, section, dom_path, ordinal, is_image, hreflang,
    src_host, src_domain, dst_host, dst_domain, is_external,
):
    """OutLink(src_url, ..., is_external) without the dataclass __init__'s Python frame."""
    cdef PyObject *values[LINK_FIELDS]
    values[0] = <PyObject *> src_url
    values[1] = <PyObject *> dst_url
    values[2] = <PyObject *> anchor
    values[3] = <PyObject *> rel
    values[4] = <PyObject *> kind
    values[5] = <PyObject *> section
    values[6] = <PyObject *> dom_path
    values[7] = <PyObject *> ordinal
    values[8] = <PyObject *> is_image
    values[9] = <PyObject *> hreflang
    values[10] = <PyObject *> src_host
    values[11] = <PyObject *> src_domain
    values[12] = <PyObject *> dst_host
    values[13] = <PyObject *> dst_domain
    values[14] = <PyObject *> is_external
    values[15] = <PyObject *> NOFOLLOW_DEFAULT
    values[16] = <PyObject *> FETCHED_DEFAULT
    values[17] = <PyObject *> CRAWL_DEFAULT
    return lg_link_new(OutLink, values)


cdef inline void _set_section(link, section):
    lg_link_set(link, SECTION_FIELD, section)


cdef inline lg_node_t *_ptr(object mem_id):
    return <lg_node_t *> <uintptr_t> mem_id


cdef inline object _key(lg_node_t *node):
    return <uintptr_t> node


# The elements of a block content._COUNTED counts, by kind.
cdef struct Tally:
    Py_ssize_t paragraphs, images, inputs, items, embeds

# What `Dom.measure` sums in document order: text (code points; in paragraphs, commas and
# text nodes holding more than white space) and linked text.
cdef struct Run:
    Py_ssize_t total, linked, commas, nonspace


# What one page's walk learned of one node, found through lexbor's `node->user` slot (which
# neither lexbor nor selectolax use) instead of a dict keyed by address.
cdef struct NodeState:
    lg_node_t *node
    PyObject *path  # its dom_path (owned), NULL until its place is known
    lg_node_t *mark  # the landmark element deciding its section, or NULL
    int section  # _fastnames section index, -1: unknown
    bint explicit  # a landmark by tag or role (not class words)
    bint head  # in <head>
    bint measured  # total and linked hold its text lengths
    Py_ssize_t total, linked
    # Main content (Article): a scored block's raw and final scores; for a paragraph's parent,
    # 1 + how many of it and its ancestors take the paragraph's points (0: not known yet)
    bint scored, final_known
    double raw, final
    Py_ssize_t chain
    int unlikely  # LIKELY or UNLIKELY: it or an ancestor is an unlikely block (0: not known)
    int verdict  # V_* (0: not known)
    bint block, around  # one of the article's blocks; a block or an ancestor of the first
    PyObject *link_section  # the section of the a/area links it holds (owned), or NULL
    # stripped_len's answer for a paragraph, when measured and known
    bint stripped_known
    Py_ssize_t stripped, commas


# rel values seen (`Dom.rel_tokens`): a two-way memo by value, its tuples owned.
DEF REL_ENTRIES = 256
DEF REL_BYTES = 48
cdef struct RelEntry:
    size_t size
    unsigned char value[REL_BYTES]
    PyObject *tokens
cdef RelEntry REL_MEMO[REL_ENTRIES]



# An element's role, class and id values (NULL: absent or valueless; the last one wins).
cdef struct Names:
    const unsigned char *value[3]
    size_t size[3]
    bint ascii


cdef class Dom:
    """Reads of one parsed page: tag names (memoized), attributes, text, and node states."""

    cdef dict names
    cdef unsigned char *buf
    cdef size_t size, cap
    cdef NodeState *blocks[MAX_BLOCKS]
    cdef Py_ssize_t count, block_count
    cdef lg_node_t *base
    cdef lg_node_t *title
    cdef lg_node_t *html

    def __cinit__(self):
        self.names = {}
        self.buf = NULL
        self.size = self.cap = 0
        self.count = self.block_count = 0

    def __dealloc__(self):
        cdef Py_ssize_t i
        cdef NodeState *state
        for i in range(self.count):
            state = self._at(i)
            if state.path != NULL:
                Py_DECREF(<object> state.path)
            if state.link_section != NULL:
                Py_DECREF(<object> state.link_section)
        for i in range(self.block_count):
            free(self.blocks[i])
        free(self.buf)

    cdef inline NodeState *_at(self, Py_ssize_t index) noexcept:
        """Block k holds FIRST_BLOCK << k states, from index FIRST_BLOCK * (2**k - 1)."""
        cdef int block = 63 - _leading_zeros(<uint64_t> (index // FIRST_BLOCK + 1))
        return self.blocks[block] + index - FIRST_BLOCK * ((<Py_ssize_t> 1 << block) - 1)

    cdef NodeState *find(self, lg_node_t *node) noexcept:
        """The node's state, or NULL. The slot's index is trusted only when that state is
        this node's: a slot left by another walk is not ours."""
        cdef Py_ssize_t index = <Py_ssize_t> <uintptr_t> node.user - 1
        cdef NodeState *state
        if index < 0 or index >= self.count:
            return NULL
        state = self._at(index)
        return state if state.node == node else NULL

    cdef NodeState *state(self, lg_node_t *node) except NULL:
        """The node's state, made (zeroed) when it has none."""
        cdef NodeState *state = self.find(node)
        if state != NULL:
            return state
        if self.count == FIRST_BLOCK * ((<Py_ssize_t> 1 << self.block_count) - 1):
            if self.block_count == MAX_BLOCKS:
                raise MemoryError()
            self.blocks[self.block_count] = <NodeState *> malloc(
                (FIRST_BLOCK << self.block_count) * sizeof(NodeState)
            )
            if self.blocks[self.block_count] == NULL:
                raise MemoryError()
            self.block_count += 1
        state = self._at(self.count)
        memset(state, 0, sizeof(NodeState))
        state.node = node
        state.section = -1
        self.count += 1
        node.user = <void *> <uintptr_t> self.count
        return state

    cdef void names_of(self, lg_node_t *node, Names *out) noexcept:
        """The role, class and id of an element, in one pass over its attributes."""
        cdef void *attr
        cdef size_t length = 0, k
        cdef const unsigned char *key
        cdef int which
        memset(out, 0, sizeof(Names))
        out.ascii = True
        if node.type != ELEMENT:
            return
        attr = lg_first_attr(node)
        while attr != NULL:
            key = lg_attr_qualified_name(attr, &length)
            which = -1
            if key != NULL:
                if length == 5 and memcmp_(key, b"class", 5):
                    which = CLASS
                elif length == 2 and key[0] == 105 and key[1] == 100:  # "id"
                    which = IDENT
                elif length == 4 and memcmp_(key, b"role", 4):
                    which = ROLE
            if which >= 0:
                out.value[which] = lg_attr_value(attr, &out.size[which])
                if out.value[which] == NULL:
                    out.size[which] = 0
            attr = lg_next_attr(attr)
        for which in range(3):
            for k in range(out.size[which]):
                if out.value[which][k] >= 0x80:
                    out.ascii = False
                    return

    cdef object name_value(self, Names *names, int which):
        """A value of `names_of` as `get` gives it (for the rules' Python side)."""
        if names.value[which] == NULL:
            return None
        return PyUnicode_DecodeUTF8(<char *> names.value[which], names.size[which], "replace")

    cdef object tag(self, lg_node_t *node):
        """`LexborNode.tag`: the qualified name, "-text" and the like, or None."""
        cdef size_t length = 0
        cdef const unsigned char *name
        if node.type != ELEMENT:
            return SPECIAL_NAMES.get(node.local_name)
        if node.prefix != 0 or node.ns >= 64:
            name = lg_element_qualified_name(node, &length)
            return None if name == NULL else PyUnicode_DecodeUTF8(<char *> name, length, "replace")
        cdef bint small = node.ns == NS_HTML and node.local_name < SMALL_TAGS
        if small and HTML_TAGS[node.local_name] != NULL:
            return <object> HTML_TAGS[node.local_name]
        key = (node.local_name << 6) | node.ns
        found = self.names.get(key)
        if found is None:
            name = lg_element_qualified_name(node, &length)
            found = None if name == NULL else PyUnicode_DecodeUTF8(<char *> name, length, "replace")
            if found is None:
                return None
            self.names[key] = found
        if small:
            # Held for good (a few dozen names), interned: the walk's tag == "a" tests are
            # then identity tests.
            found = sys.intern(found)
            self.names[key] = found
            Py_INCREF(found)
            HTML_TAGS[node.local_name] = <PyObject *> found
        return found

    cdef bint has_attrs(self, lg_node_t *node) noexcept:
        return node.type == ELEMENT and lg_first_attr(node) != NULL

    cdef void *_find(self, lg_node_t *node, bytes name):
        """The attribute `name` of an element (the last one wins, as in the attributes
        dict), or NULL."""
        cdef void *attr
        cdef void *found = NULL
        cdef size_t length = 0
        cdef const unsigned char *key
        cdef const char *wanted = name
        cdef size_t wanted_length = len(name)
        if node.type != ELEMENT:
            return NULL
        attr = lg_first_attr(node)
        while attr != NULL:
            key = lg_attr_qualified_name(attr, &length)
            if key != NULL and length == wanted_length and memcmp_(key, wanted, length):
                found = attr
            attr = lg_next_attr(attr)
        return found

    cdef tuple rel_tokens(self, lg_node_t *node):
        """extract._rel_tokens of the element's rel: ASCII tokens split and lowered in C,
        others by Python (Unicode white space and case)."""
        cdef size_t size = 0
        cdef Py_ssize_t i, start
        cdef const unsigned char *value
        cdef void *attr = self._find(node, b"rel")
        if attr == NULL:
            return ()
        value = lg_attr_value(attr, &size)
        if value == NULL or size == 0:
            return ()
        # Pages repeat a few rel values ("nofollow", "noopener noreferrer"): their tuples are
        # kept by value, across pages (a tuple of str is immutable, so one can be shared).
        cdef RelEntry *entry = NULL
        cdef RelEntry *other
        cdef uint64_t hashed = 14695981039346656037ULL  # FNV-1a
        if size <= REL_BYTES:
            for i in range(size):
                hashed = (hashed ^ value[i]) * 1099511628211ULL
            hashed ^= hashed >> 29
            entry = &REL_MEMO[hashed & (REL_ENTRIES - 1)]  # two ways: this slot and the next
            other = &REL_MEMO[(hashed + 1) & (REL_ENTRIES - 1)]
            if entry.tokens != NULL and entry.size == size and memcmp_(entry.value, <const char *> value, size):
                return <tuple> entry.tokens
            if other.tokens != NULL and other.size == size and memcmp_(other.value, <const char *> value, size):
                return <tuple> other.tokens
            if entry.tokens != NULL and other.tokens == NULL:
                entry = other
        found = self._rel_tokens(value, size)
        if entry != NULL:
            Py_XDECREF(entry.tokens)
            Py_INCREF(found)
            entry.tokens = <PyObject *> found
            entry.size = size
            memcpy(entry.value, value, size)
        return found

    cdef tuple _rel_tokens(self, const unsigned char *value, size_t size):
        cdef Py_ssize_t i, start
        for i in range(size):
            if value[i] >= 0x80:
                text = PyUnicode_DecodeUTF8(<char *> value, size, "replace")
                return tuple(dict.fromkeys(text.lower().split()))
        tokens = []
        i = 0
        while i < <Py_ssize_t> size:
            start = names_rules.next_token(value, size, &i, SPACE)
            if i > start:
                self._append_lowered(value + start, i - start)
                token = PyUnicode_DecodeASCII(<char *> self.buf, i - start, NULL)
                if token not in tokens:
                    tokens.append(token)
        return tuple(tokens)

    cdef void _append_lowered(self, const unsigned char *data, size_t size) except *:
        """`buf` = data, ASCII-lowered."""
        cdef size_t k
        self.size = 0
        self._append(data, size)
        for k in range(size):
            if 65 <= self.buf[k] <= 90:
                self.buf[k] += 32

    cdef void _link_element(self, lg_node_t *node, list found) except *:
        """Append `node` to `found` when `tree.css(extract._SELECTOR)` finds it: a[href],
        area[href], iframe[src], frame[src], link[href], meta; remember the first base[href],
        title and html (what `css_first` would find) for `start_page`."""
        cdef uintptr_t name = node.local_name
        if name == TAG_META:
            found.append(_key(node))
        elif name == TAG_A or name == TAG_AREA or name == TAG_LINK:
            if self.has(node, b"href"):
                found.append(_key(node))
        elif name == TAG_IFRAME or name == TAG_FRAME:
            if self.has(node, b"src"):
                found.append(_key(node))
        elif name == TAG_BASE:
            if self.base == NULL and self.has(node, b"href"):
                self.base = node
        elif name == TAG_TITLE:
            if self.title == NULL:
                self.title = node
        elif name == TAG_HTML:
            if self.html == NULL:
                self.html = node

    cdef void start_page(self, page, facts) except *:
        """`page.start` with the base href, title text and html lang the walk found: the
        title and lang set here, a base (rare) by Python, which makes its resolver."""
        if self.title != NULL:
            facts.title = self.squeezed_text(self.title)  # " ".join(title.split())
        if self.html != NULL:
            facts.lang = (self.get(self.html, b"lang") or "").strip()
        if self.base != NULL:
            page.start(self.get(self.base, b"href") or "", None, None)

    cdef bint has(self, lg_node_t *node, bytes name):
        """`name in node.attributes`."""
        return self._find(node, name) != NULL

    cdef object attr(self, lg_node_t *node, bytes name):
        """`node.attributes.get(name)`, but ABSENT when there is no such attribute."""
        cdef size_t value_length = 0
        cdef const unsigned char *value
        cdef void *found = self._find(node, name)
        if found == NULL:
            return ABSENT
        value = lg_attr_value(found, &value_length)
        if value == NULL:
            return None
        return PyUnicode_DecodeUTF8(<char *> value, value_length, "replace")

    cdef object get(self, lg_node_t *node, bytes name):
        """`node.attributes.get(name)`."""
        value = self.attr(node, name)
        return None if value is ABSENT else value

    cdef void _append(self, const unsigned char *data, size_t length) except *:
        cdef size_t need = self.size + length
        self._reserve(need)
        if length:
            memcpy(self.buf + self.size, data, length)
        self.size = need

    cdef void _collect(self, lg_node_t *root) except *:
        """The bytes of `LexborNode.text()`: the node's own data when it is text, then every
        descendant text node in document order."""
        cdef lg_node_t *node
        cdef lg_chardata_t *chars
        self.size = 0
        if root.local_name == TAG_TEXT and root.type == TEXT_NODE:
            chars = <lg_chardata_t *> root
            if chars.data.data != NULL:
                self._append(chars.data.data, chars.data.length)
        node = root.first_child
        while node != NULL:
            if node.local_name == TAG_TEXT:
                chars = <lg_chardata_t *> node
                if chars.data.data != NULL:
                    self._append(chars.data.data, chars.data.length)
            node = _following(node, root)

    cdef str text(self, lg_node_t *node):
        self._collect(node)
        if self.size == 0:
            return ""
        return PyUnicode_DecodeUTF8(<char *> self.buf, self.size, "replace")

    cdef str squeezed_text(self, lg_node_t *node):
        """`" ".join(text.split())` of `text(node)`, squeezed while the text is gathered
        (str.split's white space: SPACE, and the Unicode spaces `_maybe_unicode_space` tells
        apart); text holding one of those asks Python."""
        cdef size_t i, out = 0, length
        cdef bint gap = False, ascii = True
        cdef unsigned char c
        cdef const unsigned char *data
        cdef lg_node_t *current = node.first_child
        if node.local_name == TAG_TEXT and node.type == TEXT_NODE:
            current = node  # a text node: its own data (it has no children)
        while current != NULL:
            if current.local_name == TAG_TEXT and (<lg_chardata_t *> current).data.data != NULL:
                data = (<lg_chardata_t *> current).data.data
                length = (<lg_chardata_t *> current).data.length
                if out + length > self.cap:  # out <= the bytes read: room for this node's
                    self.size = out
                    self._reserve(out + length)
                for i in range(length):
                    c = data[i]
                    if c >= 0xC0 and (  # a lead byte (continuation bytes are copied)
                        c < 0xC2 or c > 0xF4 or _maybe_unicode_space(data, length, i)
                    ):
                        self._collect(node)
                        return " ".join(
                            PyUnicode_DecodeUTF8(<char *> self.buf, self.size, "replace").split()
                        )
                    if SPACE[c]:
                        gap = out > 0
                        continue
                    if gap:
                        self.buf[out] = 32
                        out += 1
                        gap = False
                    if c >= 0x80:
                        ascii = False
                    self.buf[out] = c
                    out += 1
            if current == node:
                break
            current = _following(current, node)
        if ascii:
            return PyUnicode_DecodeASCII(<char *> self.buf, out, NULL)
        return PyUnicode_DecodeUTF8(<char *> self.buf, out, "replace")

    cdef void _reserve(self, size_t need) except *:
        """Room for `need` bytes in `buf`, its first `size` kept."""
        cdef unsigned char *grown
        if need > self.cap:
            self.cap = max(need, 2 * self.cap, 4096)
            grown = <unsigned char *> realloc(self.buf, self.cap)
            if grown == NULL:
                raise MemoryError()
            self.buf = grown

    cdef list measure(self, lg_node_t *root, list links=None):
        """Text and linked-text lengths (`text_len`, `link_density`'s numerator) of the large
        elements and the paragraphs under `root`, and the paragraphs' stripped length and
        commas (`stripped_len`), in one pass: the scoring asks them of nested blocks, each of
        which would otherwise be walked again for every ancestor asked about. Returns the
        elements `tree.css(content._SCORED)` finds (paragraphs), in document order. Given
        `links`, the same walk appends the link elements to it (`_link_element`).

        Running sums in document order: a subtree's sums are their values when it ends less
        those when it starts (kept per depth), so nothing is added up level by level."""
        paragraphs = []
        cdef Run run
        cdef NodeState *state
        cdef Py_ssize_t depth = 0, capacity = 256, starts_cap = 256, total
        cdef Run *entry = <Run *> malloc(capacity * sizeof(Run))
        # per text node of a paragraph holding more than white space, in order: where its
        # first other character is (in code points of the page's text) and whether that
        # character is (or may be) Unicode white space (`_unsure_space_at`)
        cdef Py_ssize_t *first_at = <Py_ssize_t *> malloc(starts_cap * sizeof(Py_ssize_t))
        cdef unsigned char *first_byte = <unsigned char *> malloc(starts_cap)
        cdef lg_node_t *node = root
        cdef lg_chardata_t *chars
        cdef Py_ssize_t in_paragraphs = 0  # paragraphs open: their commas are counted
        cdef Py_ssize_t lead, trail, last_end = 0  # last_end: the text up to the last other
        cdef unsigned char last_byte = 0  # character, whether it is (or may be) white space
        if entry == NULL or first_at == NULL or first_byte == NULL:
            free(entry)
            free(first_at)
            free(first_byte)
            raise MemoryError()
        memset(&run, 0, sizeof(Run))
        try:
            while True:
                entry[depth] = run
                if node.local_name == TAG_TEXT and (node != root or node.type == TEXT_NODE):
                    chars = <lg_chardata_t *> node
                    if not in_paragraphs:  # only the paragraphs' text is asked its commas
                        run.total += _code_points(chars)  # and ends
                    elif _text_ends(chars, &lead, &trail):
                        total = _text_counts(chars, &run.commas, True)
                        if run.nonspace == starts_cap:
                            starts_cap *= 2
                            first_at = <Py_ssize_t *> _grow(
                                first_at, starts_cap * sizeof(Py_ssize_t))
                            first_byte = <unsigned char *> _grow(first_byte, starts_cap)
                        first_at[run.nonspace] = run.total + lead
                        first_byte[run.nonspace] = _unsure_space_at(
                            chars.data.data, chars.data.length, lead
                        )
                        run.nonspace += 1
                        last_end = run.total + total - trail
                        last_byte = _unsure_space_before(
                            chars.data.data, chars.data.length - trail
                        )
                        run.total += total
                    else:
                        run.total += _code_points(chars)  # white space only: no commas
                elif node.type == ELEMENT:
                    if _scored(node.local_name):
                        paragraphs.append(_key(node))
                        in_paragraphs += 1
                    elif links is not None and _link_tag(node.local_name):
                        self._link_element(node, links)
                if node.first_child != NULL:
                    node = node.first_child
                    depth += 1
                    if depth == capacity:
                        capacity *= 2
                        entry = <Run *> _grow(entry, capacity * sizeof(Run))
                    continue
                while True:  # `node` and its subtree are done: record
                    if node.type == ELEMENT:
                        total = run.total - entry[depth].total
                        if node.local_name == TAG_A:
                            run.linked += total
                        if _scored(node.local_name):
                            in_paragraphs -= 1
                            self._record(node, &entry[depth], &run, first_at, first_byte,
                                         last_end, last_byte)
                        elif total >= MEASURED_FROM:  # small blocks: cheaper to walk again
                            state = self.state(node)
                            state.measured = True
                            state.total, state.linked = total, run.linked - entry[depth].linked
                    if node == root:
                        return paragraphs
                    depth -= 1
                    if node.next != NULL:
                        node = node.next
                        depth += 1
                        break
                    node = node.parent
        finally:
            free(entry)
            free(first_at)
            free(first_byte)

    cdef void _record(self, lg_node_t *node, Run *start, Run *end, Py_ssize_t *first_at,
                      unsigned char *first_byte, Py_ssize_t last_end,
                      unsigned char last_byte) except *:
        """Keep what `measure` learned of a paragraph (its subtree from `start` to `end`)."""
        cdef NodeState *state = self.state(node)
        state.measured = True
        state.total, state.linked = end.total - start.total, end.linked - start.linked
        state.commas = end.commas - start.commas
        if end.nonspace == start.nonspace:  # white space only
            state.stripped, state.stripped_known = 0, True
            return
        # Unicode white space (or maybe) at an end asks Python, if ever
        state.stripped_known = not first_byte[start.nonspace] and not last_byte
        state.stripped = last_end - first_at[start.nonspace]

    cdef Py_ssize_t stripped_stats(self, lg_node_t *node, Py_ssize_t *commas) except -1:
        """`stripped_len` of a paragraph, from the state `measure` left when it holds the
        answer, else by a walk."""
        cdef NodeState *state = self.find(node)
        if state != NULL and state.stripped_known:
            commas[0] = state.commas
            return state.stripped
        return self.stripped_len(node, commas)

    cdef Py_ssize_t text_len(self, lg_node_t *node) except -1:
        """`len(node.text())`: code points counted in place (lexbor's text is valid UTF-8,
        U+FFFD where the input was not, so every byte but a continuation byte starts one)."""
        cdef NodeState *state = self.find(node)
        if state != NULL and state.measured:
            return state.total
        cdef Py_ssize_t count = 0
        cdef lg_node_t *current = node
        if node.local_name == TAG_TEXT and node.type == TEXT_NODE:
            count += _code_points(<lg_chardata_t *> node)
        current = node.first_child
        while current != NULL:
            if current.local_name == TAG_TEXT:
                count += _code_points(<lg_chardata_t *> current)
            current = _following(current, node)
        return count

    cdef Py_ssize_t stripped_len(self, lg_node_t *node, Py_ssize_t *commas,
                                 Tally *tally=NULL) except -1:
        """`len(text.strip())` of `node.text()`, and `text.count(",")` into `commas`, read in
        place from the text nodes; Unicode white space at either end of the text (or a
        character not surely other) asks Python. With `tally`, the elements below `node` that
        Readability counts are counted on the same walk."""
        cdef Py_ssize_t total = 0, leading = 0, trailing = 0, found = 0, k
        cdef bint started = False
        cdef bint first = False, last = False  # the text's first and last characters (past
        # ASCII white space) are white space to str.strip, or maybe are
        cdef lg_node_t *current = node.first_child
        cdef lg_chardata_t *chars
        cdef const unsigned char *data
        cdef size_t length
        if node.local_name == TAG_TEXT and node.type == TEXT_NODE:
            current = node  # a text node: its own data (it has no children)
        while current != NULL:
            if tally != NULL and current.type == ELEMENT:
                _tally(current, tally)
            if current.local_name == TAG_TEXT and (<lg_chardata_t *> current).data.data != NULL:
                chars = <lg_chardata_t *> current
                data, length = chars.data.data, chars.data.length
                total += _text_counts(chars, &found, True)
                k = 0
                if not started:
                    k = lg_skip_blanks(data, 0, length)
                    while k < <Py_ssize_t> length and SPACE[data[k]]:
                        k += 1
                    leading += k
                    if k < <Py_ssize_t> length:
                        started = True
                        first = _unsure_space_at(data, length, k)
                if started:
                    k = lg_trim_blanks(data, length)
                    while k > 0 and SPACE[data[k - 1]]:
                        k -= 1
                    if k > 0:  # a non-space byte in this node: the trailing run restarts
                        trailing = length - k
                        last = _unsure_space_before(data, k)
                    else:
                        trailing += length
            if current == node:
                break
            current = _following(current, node)
        commas[0] = found
        if not started:
            return 0
        if first or last:
            self._collect(node)
            return len(PyUnicode_DecodeUTF8(<char *> self.buf, self.size, "replace").strip())
        return total - leading - trailing

    cdef double link_density(self, lg_node_t *root) except -1.0:
        """content.link_density: the text of the `a` elements in the block (itself included,
        as `node.css("a")` does) over the block's text."""
        cdef NodeState *state = self.find(root)
        if state != NULL and state.measured:
            if state.total == 0:
                return 0.0
            return min(<double> state.linked / <double> state.total, 1.0)
        cdef Py_ssize_t total = self.text_len(root)
        cdef Py_ssize_t linked = 0
        cdef lg_node_t *node = root
        if total == 0:
            return 0.0
        while node != NULL:
            if node.type == ELEMENT and node.local_name == TAG_A:
                linked += self.text_len(node)
            node = _following(node, root)
        return min(<double> linked / <double> total, 1.0)

    cdef str anchor_with_images(self, lg_node_t *root):
        """extract._image_anchor: text nodes and each <img>'s alt, in document order."""
        parts = []
        cdef lg_node_t *node = root
        cdef lg_chardata_t *chars
        while node != NULL:
            if node.type == TEXT_NODE:
                chars = <lg_chardata_t *> node
                if chars.data.data != NULL:
                    parts.append(
                        PyUnicode_DecodeUTF8(<char *> chars.data.data, chars.data.length, "replace")
                    )
            elif node.type == ELEMENT and node.local_name == TAG_IMG and self.tag(node) == "img":
                parts.append(self.get(node, b"alt") or "")
            node = _following(node, root)
        return " ".join("".join(parts).split())


cdef void *_grow(void *block, size_t size) except NULL:
    """`block` resized to `size` bytes; on failure MemoryError, `block` stays the caller's."""
    cdef void *grown = realloc(block, size)
    if grown == NULL:
        raise MemoryError()
    return grown


cdef inline bint _scored(uintptr_t name) noexcept:
    return name < SMALL_TAGS and SCORED_TAG[name]


cdef inline bint _link_tag(uintptr_t name) noexcept:
    """Whether `Dom._link_element` may want an element of this tag id (a cheap filter)."""
    return name >= SMALL_TAGS or LINK_TAG[name]


cdef inline lg_node_t *_following(lg_node_t *node, lg_node_t *root) noexcept:
    """The node after `node` in document order within `root`'s subtree, or NULL."""
    if node.first_child != NULL:
        return node.first_child
    while node != root and node.next == NULL:
        node = node.parent
    if node == root:
        return NULL
    return node.next


cdef inline Py_ssize_t _code_points(lg_chardata_t *chars) noexcept:
    """Code points of a text node: bytes that are not UTF-8 continuation bytes."""
    cdef Py_ssize_t commas = 0
    return _text_counts(chars, &commas, False)


cdef inline Py_ssize_t _text_counts(lg_chardata_t *chars, Py_ssize_t *commas,
                                    bint count_commas) noexcept:
    """Code points of a text node, and its commas added to `commas` when asked (SSE2:
    `lg_text_counts`)."""
    if chars.data.data == NULL:
        return 0
    return lg_text_counts(chars.data.data, chars.data.length, commas, count_commas)


cdef unsigned char SPACE[256]  # str.strip()'s ASCII white space


cdef inline bint _unicode_space(uint32_t code) noexcept:
    """`chr(code).isspace()` for a code point past ASCII."""
    return (
        code == 0x85 or code == 0xA0 or code == 0x1680 or 0x2000 <= code <= 0x200A
        or code == 0x2028 or code == 0x2029 or code == 0x202F or code == 0x205F
        or code == 0x3000
    )


cdef inline bint _maybe_unicode_space(const unsigned char *data, size_t length,
                                      size_t at) noexcept:
    """Whether the sequence at data[at] (a lead byte from 0xC2) may be white space to
    str.split: U+0085, U+00A0 (C2 85, C2 A0), U+1680 (E1 9A 80), U+2000-U+200A, U+2028,
    U+2029, U+202F (E2 80 ..), U+205F (E2 81 9F), U+3000 (E3 80 80); a sequence cut short
    may be."""
    cdef unsigned char c = data[at], second, third
    if c == 0xC2:
        if at + 1 >= length:
            return True
        return data[at + 1] == 0x85 or data[at + 1] == 0xA0
    if c < 0xE1 or c > 0xE3:
        return False
    if at + 2 >= length:
        return True
    second, third = data[at + 1], data[at + 2]
    if c == 0xE1:
        return second == 0x9A and third == 0x80
    if c == 0xE3:
        return second == 0x80 and third == 0x80
    if second == 0x80:
        return third <= 0x8A or third == 0xA8 or third == 0xA9 or third == 0xAF
    return second == 0x81 and third == 0x9F


cdef inline bint _unsure_space_at(const unsigned char *data, Py_ssize_t length,
                                  Py_ssize_t at) noexcept:
    """Whether the character starting at data[at] (not ASCII white space) may be white
    space to str.strip: ASCII is not (SPACE has those), a well-formed sequence is when a
    Unicode space; anything else is unsure (True)."""
    cdef unsigned char c = data[at]
    if c < 0x80:
        return False
    if c < 0xC2 or c > 0xF4:
        return True
    if c < 0xE0:
        if at + 1 >= length or (data[at + 1] & 0xC0) != 0x80:
            return True
        return _unicode_space(((c & 0x1F) << 6) | (data[at + 1] & 0x3F))
    if c < 0xF0:
        if at + 2 >= length or (data[at + 1] & 0xC0) != 0x80 or (data[at + 2] & 0xC0) != 0x80:
            return True
        return _unicode_space(
            ((c & 0x0F) << 12) | ((data[at + 1] & 0x3F) << 6) | (data[at + 2] & 0x3F)
        )
    return True  # 4 bytes: no white space there, but rare enough to leave to Python


cdef inline bint _unsure_space_before(const unsigned char *data, Py_ssize_t end) noexcept:
    """`_unsure_space_at` for the character ending at data[end - 1] (end > 0): its start
    found by stepping back over continuation bytes (3 at most), its sequence checked to
    end exactly there."""
    cdef Py_ssize_t start = end - 1
    cdef unsigned char c = data[start]
    if c < 0x80:
        return False
    while start > 0 and end - start < 4 and (data[start] & 0xC0) == 0x80:
        start -= 1
    c = data[start]
    if c < 0xC2 or c > 0xEF or end - start != (2 if c < 0xE0 else 3):
        return True
    return _unsure_space_at(data, end, start)
for _space in b" \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f":
    SPACE[_space] = 1


cdef inline bint memcmp_(const unsigned char *a, const char *b, size_t length) noexcept:
    cdef size_t i
    for i in range(length):
        if a[i] != <unsigned char> b[i]:
            return False
    return True


cdef bint _holds_image(lg_node_t *root) noexcept:
    """extract._image_links for one `a`: an <img> below it whose nearest `a` is this one."""
    cdef lg_node_t *node = root.first_child
    if node == NULL:
        return False
    while True:
        if node.type == ELEMENT and node.local_name == TAG_IMG:
            return True
        if node.first_child != NULL and not (node.type == ELEMENT and node.local_name == TAG_A):
            node = node.first_child
            continue
        while node != root and node.next == NULL:
            node = node.parent
        if node == root:
            return False
        node = node.next


cdef class Places:
    """crawler.extract.sections.Places on node states: dom_path, section and landmark of elements."""

    cdef Dom dom
    cdef public bint main_seen
    cdef lg_node_t **chain
    cdef Py_ssize_t chain_cap

    def __cinit__(self, Dom dom):
        self.dom = dom
        self.main_seen = False
        self.chain = NULL
        self.chain_cap = 0

    def __dealloc__(self):
        free(self.chain)

    cdef NodeState *of(self, lg_node_t *node) except NULL:
        """The state of `node` with its place known: climbs to the nearest known ancestor,
        then fills downwards (iteratively: deep DOMs must not recurse)."""
        cdef NodeState *found = self.dom.find(node)
        cdef NodeState *parent = NULL
        cdef lg_node_t *current = node
        cdef Py_ssize_t depth = 0
        if found != NULL and found.path != NULL:
            return found
        while current != NULL:
            found = self.dom.find(current)
            if found != NULL and found.path != NULL:
                parent = found
                break
            if depth == self.chain_cap:
                self.chain_cap = max(64, 2 * self.chain_cap)
                self.chain = <lg_node_t **> _grow(
                    self.chain, self.chain_cap * sizeof(lg_node_t *))
            self.chain[depth] = current
            depth += 1
            current = current.parent
        while depth > 0:
            depth -= 1
            parent = self._step(self.chain[depth], parent)
        return parent

    cdef NodeState *_step(self, lg_node_t *element, NodeState *parent) except NULL:
        """`sections.Places._step`: the element's place from its parent's (NULL: none)."""
        cdef NodeState *state = self.dom.state(element)
        cdef Names names
        cdef int mark
        tag = self.dom.tag(element) or ""
        if tag in ROOTS:
            _place(state, tag, -1, NULL, tag == "head")
            return state
        if parent == NULL or not <str> parent.path:
            _place(state, "", -1, NULL, False)
            return state
        path = f"{<str> parent.path}>{tag}"
        if len(path) > MAX_PATH_CHARS:
            # Pathologically deep DOM: keep the root and the innermost tags, so that building
            # paths stays linear in depth instead of quadratic.
            root, _, rest = path.partition(">")
            path = f"{root}>…>{rest[len(rest) - MAX_PATH_CHARS // 2 :].partition('>')[2]}"
        if parent.head:
            _place(state, path, -1, NULL, True)
            return state
        self.dom.names_of(element, &names)
        mark = _landmark(self.dom, &names, tag)
        if mark < 0:
            _place(state, path, parent.section, parent.mark, False)
            return state
        if mark == MAIN_SECTION:
            self.main_seen = True
        state.explicit = tag in TAGS_SECTION or names.size[ROLE] > 0
        _place(state, path, mark, element, False)
        return state


cdef void _place(NodeState *state, str path, int section, lg_node_t *mark, bint head):
    Py_INCREF(path)
    state.path = <PyObject *> path
    state.section = section
    state.mark = mark
    state.head = head


cdef int _landmark(Dom dom, Names *names, str tag) except -2:
    """sections.landmark of an element: a _fastnames section index, or -1 (None)."""
    if names.ascii:
        return names_rules.landmark_b(
            names_rules.tag_section(tag),
            names.value[ROLE], names.size[ROLE],
            names.value[CLASS], names.size[CLASS],
            names.value[IDENT], names.size[IDENT],
        )
    section = names_rules.landmark(
        tag, dom.name_value(names, ROLE), dom.name_value(names, CLASS), dom.name_value(names, IDENT)
    )
    return names_rules.section_index(section)


cdef bint _unlikely(Dom dom, Names *names) except -1:
    """content._unlikely: a junk role, or unlikely class and id names."""
    cdef int found = UNKNOWN_ANSWER
    if names.ascii:
        if names.size[ROLE] and names_rules.junk_role_b(names.value[ROLE], names.size[ROLE]):
            return True
        found = names_rules.unlikely_b(
            names.value[CLASS], names.size[CLASS], names.value[IDENT], names.size[IDENT]
        )
    if found != UNKNOWN_ANSWER:
        return found
    role = dom.name_value(names, ROLE)
    if role and role.strip().lower() in JUNK_ROLES:
        return True
    return names_rules.unlikely(dom.name_value(names, CLASS), dom.name_value(names, IDENT))


cdef int _class_weight(Dom dom, Names *names) except? -999:
    """content.class_weight: Readability's +-25 for the class, and for the id."""
    cdef int names_weight = UNKNOWN_ANSWER, ident_weight = UNKNOWN_ANSWER
    if names.ascii:
        names_weight = names_rules.weight_b(names.value[CLASS], names.size[CLASS])
        ident_weight = names_rules.weight_b(names.value[IDENT], names.size[IDENT])
    if names_weight == UNKNOWN_ANSWER:
        names_weight = names_rules.weight(dom.name_value(names, CLASS))
    if ident_weight == UNKNOWN_ANSWER:
        ident_weight = names_rules.weight(dom.name_value(names, IDENT))
    return names_weight + ident_weight


cdef bint _shares(Dom dom, Names *names) except -1:
    """"share" in the class and id names, any case."""
    cdef int found = UNKNOWN_ANSWER
    if names.ascii:
        found = names_rules.shares_b(
            names.value[CLASS], names.size[CLASS], names.value[IDENT], names.size[IDENT]
        )
    if found == UNKNOWN_ANSWER:
        return names_rules.shares(dom.name_value(names, CLASS), dom.name_value(names, IDENT))
    return found


cdef inline object _section(int index):
    return UNKNOWN if index < 0 else names_rules.section_name(index)


cdef class Article:
    """crawler.extract.maincontent.Article on node states: scores, verdicts and the article's extent are
    fields of the nodes' states, not dicts keyed by address."""

    cdef Dom dom
    cdef object tree
    cdef public list blocks
    cdef object promotes_
    cdef NodeState **scored  # the scored blocks, in the order they were first scored
    cdef Py_ssize_t scored_count, scored_cap
    cdef lg_node_t **chain
    cdef Py_ssize_t chain_cap

    def __cinit__(self, Dom dom, tree, bint main_seen, list paragraphs):
        self.dom = dom
        self.tree = tree
        self.promotes_ = False if main_seen else None
        self._candidates(paragraphs)
        self.blocks = self._article_blocks() if self.scored_count else []
        cdef lg_node_t *parent
        for key in self.blocks:
            dom.state(_ptr(key)).block = True
            dom.state(_ptr(key)).around = True
        if self.blocks:
            parent = _ptr(self.blocks[0]).parent
            while parent != NULL:
                dom.state(parent).around = True
                parent = parent.parent

    def __dealloc__(self):
        free(self.scored)
        free(self.chain)

    cdef void _push(self, lg_node_t *node, Py_ssize_t depth) except *:
        """chain[depth] = node, growing the chain."""
        if depth == self.chain_cap:
            self.chain_cap = max(64, 2 * self.chain_cap)
            self.chain = <lg_node_t **> _grow(self.chain, self.chain_cap * sizeof(lg_node_t *))
        self.chain[depth] = node

    # -- Readability's scoring (content._candidates and friends) --

    cdef bint _unlikely(self, lg_node_t *node) except -1:
        cdef Names names
        self.dom.names_of(node, &names)
        return _unlikely(self.dom, &names)

    cdef int class_weight(self, lg_node_t *node) except? -999:
        cdef Names names
        self.dom.names_of(node, &names)
        return _class_weight(self.dom, &names)

    cdef void _candidates(self, list paragraphs) except *:
        cdef lg_node_t *para
        cdef lg_node_t *parent
        cdef lg_node_t *ancestor
        cdef NodeState *parent_state
        cdef Py_ssize_t length, commas = 0, points, level
        dom = self.dom
        for key in paragraphs:
            para = _ptr(key)
            length = dom.stripped_stats(para, &commas)
            if length < MIN_PARAGRAPH:
                continue
            parent = para.parent
            if parent == NULL or (dom.tag(para) not in KEPT_TAGS and self._unlikely(para)):
                continue
            parent_state = dom.state(parent)
            if parent_state.chain == 0:  # its scored ancestors: looked up once per parent
                parent_state.chain = 1 + self._scored_ancestors(parent)
            points = 1 + commas + min(length // 100, 3)
            ancestor = parent
            for level in range(parent_state.chain - 1):
                dom.find(ancestor).raw += <double> points / <double> DIVISOR_OF[level]
                ancestor = ancestor.parent

    cdef Py_ssize_t _scored_ancestors(self, lg_node_t *parent) except -1:
        """How many of `parent` and its next ancestors take a paragraph's points (none under
        an unlikely block); each is scored (its initial score set) on the way."""
        cdef lg_node_t *ancestor = parent
        cdef NodeState *state
        cdef Py_ssize_t count = 0
        if self._under_unlikely(parent):
            return 0
        dom = self.dom
        while count < DIVISOR_COUNT and ancestor != NULL:
            tag = dom.tag(ancestor)
            if tag in STOP:
                break
            state = dom.state(ancestor)
            if not state.scored:
                state.scored = True
                state.raw = TAG_SCORE.get(tag or "", 0) + self.class_weight(ancestor)
                self._remember_scored(state)
            count += 1
            ancestor = ancestor.parent
        return count

    cdef void _remember_scored(self, NodeState *state) except *:
        cdef NodeState **grown
        if self.scored_count == self.scored_cap:
            self.scored_cap = max(64, 2 * self.scored_cap)
            grown = <NodeState **> realloc(self.scored, self.scored_cap * sizeof(NodeState *))
            if grown == NULL:
                raise MemoryError()
            self.scored = grown
        self.scored[self.scored_count] = state
        self.scored_count += 1

    cdef bint _under_unlikely(self, lg_node_t *node) except -1:
        cdef lg_node_t *current = node
        cdef NodeState *state
        cdef Py_ssize_t depth = 0
        cdef bint verdict = False
        dom = self.dom
        while current != NULL and dom.tag(current) not in STOP:
            state = dom.find(current)
            if state != NULL and state.unlikely:
                verdict = state.unlikely == UNLIKELY
                break
            self._push(current, depth)
            depth += 1
            current = current.parent
        while depth > 0:
            depth -= 1
            current = self.chain[depth]
            verdict = verdict or (dom.tag(current) not in KEPT_TAGS and self._unlikely(current))
            dom.state(current).unlikely = UNLIKELY if verdict else LIKELY
        return verdict

    cdef double _final(self, NodeState *state) except? -1.0:
        """The final score of a scored block (content score less link density)."""
        if not state.final_known:
            state.final = state.raw * (1 - self.dom.link_density(state.node))
            state.final_known = True
        return state.final

    cdef NodeState *_scored_state(self, object key):
        cdef NodeState *state = self.dom.find(_ptr(key))
        return state if state != NULL and state.scored else NULL

    cdef double final_get(self, key, double default) except? -1.0:
        cdef NodeState *state = self._scored_state(key)
        return default if state == NULL else self._final(state)

    cdef bint reaches(self, key, double limit) except -1:
        cdef NodeState *state = self._scored_state(key)
        if state == NULL or (limit > 0 and state.raw < limit):
            return False
        return self._final(state) >= limit

    cdef list best(self, Py_ssize_t count):
        """The `count` best blocks by final score, looking at them in order of raw score (ties:
        lower address first) and stopping once no raw score can beat the last kept one."""
        cdef Py_ssize_t i
        cdef NodeState *state
        qsort(self.scored, self.scored_count, sizeof(NodeState *), _by_raw_score)
        kept = []
        for i in range(self.scored_count):
            state = self.scored[i]
            if len(kept) >= count and max(state.raw, 0.0) < -kept[count - 1][0]:
                break
            kept.append((-self._final(state), _key(state.node)))
            kept.sort()
        return [key for _, key in kept[:count]]

    cdef list _article_blocks(self):
        dom = self.dom
        ranked = self.best(5)
        top = self._climb(ranked[0], ranked)
        cdef lg_node_t *top_node = _ptr(top)
        cdef lg_node_t *parent = top_node.parent
        if parent == NULL or dom.tag(parent) in STOP or dom.tag(top_node) == "body":
            return [top] if self._enough_text([top]) else []
        threshold = max(10.0, self.final_get(top, 0.0) * 0.2)
        blocks = []
        cdef lg_node_t *sibling = parent.first_child
        while sibling != NULL:
            if sibling.type != TEXT_NODE:
                key = _key(sibling)
                if key == top or self.reaches(key, threshold) or self._lone_paragraph(sibling):
                    blocks.append(key)
            sibling = sibling.next
        return blocks if self._enough_text(blocks) else []

    cdef bint _enough_text(self, list blocks) except -1:
        cdef Py_ssize_t total = 0
        for key in blocks:
            total += self.dom.text_len(_ptr(key))
        return total >= ARTICLE_MIN_CHARS

    cdef object _climb(self, top, list best):
        dom = self.dom
        top_score = self.final_get(top, 0.0)
        close = {key for key in best[1:] if self.final_get(key, 0.0) >= 0.75 * top_score}
        cdef lg_node_t *node
        if len(close) >= 3:
            node = _ptr(top).parent
            while node != NULL and dom.tag(node) not in STOP:
                held = sum(1 for key in close if _contains(node, _ptr(key)))
                if held >= 3:
                    top = _key(node)
                    break
                node = node.parent
        last = self.final_get(top, top_score)
        node = _ptr(top).parent
        while node != NULL and dom.tag(node) not in STOP and dom.tag(node) != "body":
            key = _key(node)
            if self._scored_state(key) != NULL:
                if not self.reaches(key, top_score / 3):
                    break
                score = self.final_get(key, 0.0)
                if score > last:
                    top = key
                    break
                last = score
            node = node.parent
        while dom.tag(_ptr(top)) != "body" and _ptr(top).parent != NULL and self._only_child(_ptr(top)):
            top = _key(_ptr(top).parent)
        return top

    cdef bint _only_child(self, lg_node_t *node) except -1:
        cdef lg_node_t *parent = node.parent
        cdef lg_node_t *child
        cdef int count = 0
        if parent == NULL:
            return False
        tag = self.dom.tag(parent)
        if tag in STOP or tag == "body":
            return False
        child = parent.first_child
        while child != NULL:
            if child.type != TEXT_NODE:
                count += 1
            child = child.next
        return count == 1

    cdef bint _lone_paragraph(self, lg_node_t *node) except -1:
        if self.dom.tag(node) != "p":
            return False
        cdef Py_ssize_t length = self.dom.text_len(node)
        cdef double density = self.dom.link_density(node)
        return (length > 80 and density < 0.25) or (0 < length < 80 and density == 0)

    # -- verdicts (content.Article.section and below) --

    cdef str section(self, lg_node_t *parent, str section, lg_node_t *mark, bint explicit):
        cdef NodeState *mark_state
        if not self.blocks:
            return section
        if section == "main":
            verdict = self.verdict(parent)
            if verdict == V_NAMED or (verdict != V_MAIN and not explicit):
                return UNKNOWN
            return section
        mark_state = NULL if mark == NULL else self.dom.find(mark)
        wrapped = section == UNKNOWN or (mark_state != NULL and mark_state.around)
        if wrapped and self.promotes() and self.verdict(parent) == V_MAIN:
            return "main"
        return section

    cdef bint promotes(self) except -1:
        if self.promotes_ is None:
            body = self.tree.body
            self.promotes_ = body is None or not _has_main_landmark(self.dom, _ptr(body.mem_id))
        return self.promotes_

    cdef int verdict(self, lg_node_t *element) except -1:
        """content.Article.verdict, memoized in the node states."""
        cdef lg_node_t *node = element
        cdef NodeState *state
        cdef Py_ssize_t depth = 0
        cdef int verdict = V_OUTSIDE, junk
        dom = self.dom
        while node != NULL:
            state = dom.find(node)
            if state != NULL and state.verdict:
                verdict = state.verdict
                break
            if state != NULL and state.around:
                verdict = state.verdict = V_MAIN if state.block else V_OUTSIDE
                break
            self._push(node, depth)
            depth += 1
            node = node.parent
        while depth > 0:
            depth -= 1
            node = self.chain[depth]
            if verdict != V_NAMED:
                junk = self.junk_kind(node, verdict != V_OUTSIDE)
                if junk:
                    verdict = junk
            dom.state(node).verdict = verdict
        return verdict

    cdef int junk_kind(self, lg_node_t *node, bint in_article) except -1:
        """content.junk_kind: V_NAMED, V_CLEANED or 0 (kept)."""
        dom = self.dom
        cdef Names names
        if dom.has_attrs(node):
            dom.names_of(node, &names)
            if _unlikely(dom, &names):
                return V_NAMED
            if _shares(dom, &names) and dom.text_len(node) < 500:
                return V_NAMED
        tag = dom.tag(node) or ""
        if not in_article:
            return 0
        if tag in DROPPED_TAGS:
            return V_CLEANED
        if tag in CLEANED_TAGS and self._cleaned_conditionally(node, tag):
            return V_NAMED if self.class_weight(node) < 0 else V_CLEANED
        return 0

    cdef bint _cleaned_conditionally(self, lg_node_t *root, str tag) except -1:
        cdef int weight = self.class_weight(root)
        if weight < 0:
            return True
        dom = self.dom
        cdef Py_ssize_t commas = 0
        cdef Tally tally
        memset(&tally, 0, sizeof(Tally))
        if root.type == ELEMENT:
            _tally(root, &tally)
        cdef Py_ssize_t length = dom.stripped_len(root, &commas, &tally)  # one walk for both
        if commas >= 10:
            return False
        cdef Py_ssize_t paragraphs = tally.paragraphs, images = tally.images
        cdef Py_ssize_t items = tally.items - 100, embeds = tally.embeds
        is_list = tag in ("ul", "ol")
        if (
            (images > 1 and <double> paragraphs / images < 0.5)
            or (not is_list and items > paragraphs)
            or tally.inputs > paragraphs // 3
            or (not is_list and length < 25 and (images == 0 or images > 2))
            or (embeds == 1 and length < 75)
            or embeds > 1
        ):
            return True
        # The link density walks the block's links again: asked last, only when it decides.
        cdef double density = dom.link_density(root)
        return (not is_list and weight < 25 and density > 0.2) or (weight >= 25 and density > 0.5)


cdef inline void _tally(lg_node_t *node, Tally *tally) noexcept:
    """Count an element Readability's conditional cleaning counts (content._COUNTED)."""
    cdef uintptr_t name = node.local_name
    if name == TAG_P:
        tally.paragraphs += 1
    elif name == TAG_IMG:
        tally.images += 1
    elif name == TAG_INPUT:
        tally.inputs += 1
    elif name == TAG_LI:
        tally.items += 1
    elif name == TAG_OBJECT or name == TAG_EMBED or name == TAG_IFRAME:
        tally.embeds += 1


cdef inline bint _text_ends(lg_chardata_t *chars, Py_ssize_t *lead,
                            Py_ssize_t *trail) noexcept:
    """Whether a text node holds more than (str.strip's ASCII) white space, and how much
    white space (bytes: ASCII) it starts and ends with."""
    cdef const unsigned char *data = chars.data.data
    cdef Py_ssize_t length = chars.data.length, k = 0, j
    if data == NULL:
        return False
    k = lg_skip_blanks(data, 0, length)
    while k < length and SPACE[data[k]]:
        k += 1
    if k == length:
        return False
    j = lg_trim_blanks(data, length)  # not before data[k]: no blank
    while SPACE[data[j - 1]]:
        j -= 1
    lead[0], trail[0] = k, length - j
    return True


cdef int _by_raw_score(const void *a, const void *b) noexcept nogil:
    """qsort order of scored blocks: raw score, highest first, then address."""
    cdef NodeState *x = (<NodeState **> a)[0]
    cdef NodeState *y = (<NodeState **> b)[0]
    if x.raw != y.raw:
        return -1 if x.raw > y.raw else 1
    if x.node != y.node:
        return -1 if <uintptr_t> x.node < <uintptr_t> y.node else 1
    return 0


cdef bint _contains(lg_node_t *ancestor, lg_node_t *node) noexcept:
    cdef lg_node_t *current = node.parent
    while current != NULL:
        if current == ancestor:
            return True
        current = current.parent
    return False


cdef class Hrefs:
    """`urls.Resolver.resolve` without a Python call per link when its memo, the C join of
    simple hrefs or the not-a-link test answer; anything else asks the resolver."""

    cdef object resolver
    cdef dict memo
    cdef str scheme, scheme_colon, origin, path, origin_path, origin_dir

    def __cinit__(self, resolver):
        self.resolver = resolver
        self.memo = resolver._memo
        self.scheme = resolver._scheme
        if self.scheme:
            self.scheme_colon = self.scheme + ":"
            self.origin, self.path = resolver._origin, resolver._path
            self.origin_path = self.origin + self.path
            self.origin_dir = self.origin + resolver._dir

    cdef object resolve(self, str href):
        cdef PyObject *known = PyDict_GetItem(self.memo, href)
        if known != NULL:
            return <object> known
        if self.scheme:
            found = join_c(
                href, self.scheme_colon, self.origin, self.path, self.origin_path,
                self.origin_dir,
            )
            if found is not None:
                self.memo[href] = found
                return found
        if _not_link(href):
            self.memo[href] = None
            return None
        return self.resolver.resolve(href)


cdef bint _not_link(str href) except -1:
    """What `urls.resolve` refuses before joining, for an ASCII href: empty once stripped, a
    fragment, or a scheme of urls._NOT_LINKS (any case). False when unsure (not ASCII)."""
    cdef Py_ssize_t size = 0, k
    cdef const unsigned char *prefix
    cdef const unsigned char *data = ascii_stripped(href, &size)
    if data == NULL:
        return False
    if size == 0 or data[0] == 35:  # "#"
        return True
    for scheme in NOT_LINK_SCHEMES:
        prefix = <bytes> scheme
        if size < len(<bytes> scheme):
            continue
        for k in range(len(<bytes> scheme)):
            if (data[k] + 32 if 65 <= data[k] <= 90 else data[k]) != prefix[k]:
                break
        else:
            return True
    return _other_scheme(data, size)


cdef bint _other_scheme(const unsigned char *data, Py_ssize_t size):
    """A scheme other than http(s) by urlsplit's rule (a letter, then letters, digits and
    "+-." up to the first ":"): urljoin keeps such an href as it is and canonicalize refuses
    it. Unsure (False) when the href holds a tab or newline, which urlsplit removes first."""
    cdef Py_ssize_t colon = -1, k
    for k in range(size):
        if data[k] == 9 or data[k] == 10 or data[k] == 13:
            return False
        if colon < 0 and data[k] == 58:  # ":"
            colon = k
    if colon <= 0 or not (97 <= (data[0] | 32) <= 122):  # an ASCII letter first
        return False
    for k in range(1, colon):
        if not SCHEME_CHARS[data[k]]:
            return False
    if colon == 4 or colon == 5:  # "http" or "https", any case, is a link's scheme
        if (data[0] | 32) == 104 and (data[1] | 32) == 116 and (data[2] | 32) == 116 \
                and (data[3] | 32) == 112 and (colon == 4 or (data[4] | 32) == 115):
            return False
    return True


cdef unsigned char SCHEME_CHARS[256]  # urllib.parse.scheme_chars
for _char in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.":
    SCHEME_CHARS[_char] = 1


cdef lg_node_t *_top(tree):
    """The document node above the tree's root element, or NULL for an empty tree."""
    root = tree.root
    if root is None:
        return NULL
    cdef lg_node_t *top = _ptr(root.mem_id)
    while top.parent != NULL:
        top = top.parent
    return top


def links(page):
    """extract._Page.links's loop and main-content pass: (links, robots contents). Same
    records, same order, as the pure Python loop."""
    cdef lg_node_t *top = _top(page.tree)
    if top == NULL:
        return [], []
    cdef Dom dom = Dom()
    cdef Places places = Places(dom)
    cdef NodeState *place
    facts = page.facts
    # One walk over the page finds the link elements and measures the text for the scoring.
    cdef list elements = []
    cdef list paragraphs = dom.measure(top, elements)
    dom.start_page(page, facts)  # the base, title and lang the walk found
    cdef Hrefs hrefs = Hrefs(page.resolver)
    src_url, src_host, src_domain = page.url, page.host, page.domain
    # Pages of docs hold thousands of "#..." hrefs: a debug call and a Counter update each
    # cost more than the rest of their handling.
    cdef bint debugging = logger.isEnabledFor(DEBUG)
    cdef Py_ssize_t not_links = 0
    cdef dict domains = {}
    cdef list in_body = []  # the a/area links in the body, and their parents:
    cdef lg_node_t **parents = NULL  # their sections are the main-content pass's to judge
    cdef Py_ssize_t parents_cap = 0
    cdef list robots = []
    cdef list out = []
    cdef lg_node_t *node
    cdef lg_node_t *parent
    cdef bint is_image
    for key in elements:
        node = _ptr(key)
        tag = node_tag = dom.tag(node)
        hreflang = anchor = ""
        rel = ()
        is_image = False
        if tag == "a":
            href = dom.get(node, b"href")
            rel = dom.rel_tokens(node)
            is_image = _holds_image(node)
            anchor = dom.anchor_with_images(node) if is_image else dom.squeezed_text(node)
        elif tag == "area":
            href = dom.get(node, b"href")
            rel = dom.rel_tokens(node)
            anchor = " ".join((dom.get(node, b"alt") or "").split())
            is_image = True
        elif tag == "iframe" or tag == "frame":
            href = dom.get(node, b"src")
            tag = "frame"
        elif tag == "link":
            rel = dom.rel_tokens(node)
            href = dom.get(node, b"href")
            if "canonical" in rel:
                tag = "canonical"
            else:
                value = dom.get(node, b"hreflang")
                if "alternate" in rel and value is not None:
                    tag = "alternate"
                    hreflang = value.strip()
                else:
                    continue
        elif tag == "meta":
            if (dom.get(node, b"name") or "").strip().lower() == "robots":
                robots.append((dom.get(node, b"content") or "").strip().lower())
            if (dom.get(node, b"http-equiv") or "").strip().lower() != "refresh":
                continue
            href = refresh_target(dom.get(node, b"content"))
            tag = "refresh"
        else:
            continue
        resolved = hrefs.resolve(href) if href else None
        if resolved is None:
            not_links += 1
            if debugging:
                logger.debug("not a link on %s: %r", src_url, href)
            continue
        dst, dst_host = resolved
        dst_domain = domains.get(dst_host)
        if dst_domain is None:
            dst_domain = domains[dst_host] = registrable_domain(dst_host)
        parent = node.parent
        if parent != NULL:
            place = places.of(parent)
            path, section = <str> place.path, _section(place.section)
        else:
            path, section = "", UNKNOWN
        if tag == "refresh":
            section = UNKNOWN
            facts.refresh_url = facts.refresh_url or dst
        elif tag == "canonical":
            facts.canonical = facts.canonical or dst
        link = _new_link(
            src_url,
            dst,
            anchor,
            rel,
            tag,
            section,
            f"{path}>{node_tag}" if path else "",
            len(out),
            True if is_image else False,
            hreflang,
            src_host,
            src_domain,
            dst_host,
            dst_domain,
            dst_domain != src_domain,
        )
        out.append(link)
        if (tag == "a" or tag == "area") and parent != NULL and _in_body(path):
            if len(in_body) == parents_cap:
                parents_cap = max(256, 2 * parents_cap)
                parents = <lg_node_t **> _grow(parents, parents_cap * sizeof(lg_node_t *))
            parents[len(in_body)] = parent
            in_body.append(link)
    if not_links:
        STATS["not_links"] += not_links
    try:
        if in_body:
            _main_content(dom, places, page.tree, in_body, parents, paragraphs)
    finally:
        free(parents)
    return out, robots


cdef inline bint _in_body(str path):
    """`path[:4] not in ("", "head")`, without the slice."""
    return len(path) > 0 and not path.startswith("head")


cdef void _main_content(
    Dom dom, Places places, tree, list in_body, lg_node_t **parents, list paragraphs
) except *:
    """Relabel the body's a/area links by the page's text (Article), once per parent."""
    cdef Article article = Article(dom, tree, places.main_seen, paragraphs)
    cdef NodeState *place
    cdef Py_ssize_t i
    if not article.blocks:
        return
    for i in range(len(in_body)):
        place = places.of(parents[i])
        if place.link_section == NULL:
            section = article.section(
                parents[i],
                _section(place.section),
                place.mark,
                place.mark != NULL and dom.find(place.mark).explicit,
            )
            Py_INCREF(section)
            place.link_section = <PyObject *> section
        _set_section(in_body[i], <object> place.link_section)


cdef bint _css_main_candidate(Dom dom, lg_node_t *node) except -1:
    """Whether `content._MAIN_CANDIDATES` (a CSS net: tags, `[role~=main i]`, class or id
    holding a main word, ASCII case-insensitively) lets this element through. Read on the
    UTF-8 bytes: no byte of a non-ASCII character can take part in an ASCII match."""
    cdef Names names
    cdef int which
    if node.local_name == TAG_MAIN or node.local_name == TAG_ARTICLE:
        return True
    if not dom.has_attrs(node):
        return False
    dom.names_of(node, &names)
    if _has_token(&names, b"main") or _has_token(&names, b"article"):
        return True
    for which in (CLASS, IDENT):
        for word in MAIN_WORDS:
            if _ascii_contains(names.value[which], names.size[which], word):
                return True
    return False


cdef inline unsigned char _ascii_folded(unsigned char c) noexcept:
    return c + 32 if 65 <= c <= 90 else c


cdef bint _ascii_contains(const unsigned char *data, size_t size, bytes word):
    """`word` (lower case) in `data`, ASCII case folded."""
    cdef size_t length = len(word), i, k
    cdef const unsigned char *wanted = word
    if length > size:
        return False
    for i in range(size - length + 1):
        for k in range(length):
            if _ascii_folded(data[i + k]) != wanted[k]:
                break
        else:
            return True
    return False


cdef bint _has_token(Names *names, bytes word):
    """`[role~=word i]`: a token of the role (split on ASCII white space) is `word`, ASCII
    case folded."""
    cdef const unsigned char *role = names.value[ROLE]
    cdef Py_ssize_t size = names.size[ROLE], i = 0, start
    while i < size:
        start = names_rules.next_token(role, size, &i, CSS_SPACE)
        if i - start == len(word) and _ascii_contains(role + start, i - start, word):
            return True
    return False


cdef unsigned char CSS_SPACE[256]  # the white space of CSS's ~= (and HTML's)
for _space in b" \t\n\x0c\r":
    CSS_SPACE[_space] = 1


cdef bint _has_main_landmark(Dom dom, lg_node_t *body) except -1:
    """content.has_main_landmark: an element of the body that is a `main` landmark."""
    cdef lg_node_t *node = body
    while node != NULL:
        if node.type == ELEMENT and _css_main_candidate(dom, node):
            tag = dom.tag(node) or ""
            if tag not in ROOTS and _landmark_of(dom, node, tag) == "main":
                return True
        node = _following(node, body)
    return False


cdef object _landmark_of(Dom dom, lg_node_t *node, str tag):
    """sections.landmark(tag, node.attributes)."""
    if not dom.has_attrs(node):
        return TAGS_SECTION.get(tag)
    role = dom.get(node, b"role")
    names = dom.get(node, b"class")
    ident = dom.get(node, b"id")
    if not (role or names or ident):
        return TAGS_SECTION.get(tag)
    return names_rules.landmark(tag, role, names, ident)


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


def text_measures(node):
    """(len(text.strip()), text.count(","), len(text)) of a LexborNode's text, as the scoring
    reads them from lexbor's bytes: for tests against `node.text()`."""
    dom = Dom()
    cdef Py_ssize_t commas = 0
    cdef Py_ssize_t length = dom.stripped_len(_ptr(node.mem_id), &commas)
    return length, commas, dom.text_len(_ptr(node.mem_id))
