# Included by _fastlinks.pyx: lexbor's DOM as this module sees it. The copy of
# `lxb_dom_node_t`'s layout, and the C helpers (in the verbatim block) that find lexbor's
# functions in selectolax's extension, scan a body, skip white space and build OutLink records.

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

