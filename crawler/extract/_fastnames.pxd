cdef enum:
    UNKNOWN_ANSWER = -99  # a `_b` rule's answer when Python must judge (too long to lower)

cdef int weight(object value) except? -999
cdef int unlikely(object names, object ident) except -1
cdef int shares(object names, object ident) except -1
cdef object landmark(str tag, object role, object names, object ident)
cdef int weight_b(const unsigned char *value, Py_ssize_t size)
cdef int unlikely_b(const unsigned char *names, Py_ssize_t names_size,
                    const unsigned char *ident, Py_ssize_t ident_size)
cdef int shares_b(const unsigned char *names, Py_ssize_t names_size,
                  const unsigned char *ident, Py_ssize_t ident_size)
cdef int junk_role_b(const unsigned char *role, Py_ssize_t size)
cdef int landmark_b(int tag_section, const unsigned char *role, Py_ssize_t role_size,
                    const unsigned char *names, Py_ssize_t names_size,
                    const unsigned char *ident, Py_ssize_t ident_size)
cdef object section_name(int index)
cdef int tag_section(str tag) except -2
cdef int section_index(object section) except -2


cdef inline Py_ssize_t next_token(const unsigned char *data, Py_ssize_t size, Py_ssize_t *at,
                                  const unsigned char *spaces) noexcept:
    """The start of the next run of bytes not in `spaces` from at[0], its end left in at[0]
    (a start of `size`: no token left)."""
    cdef Py_ssize_t i = at[0], start
    while i < size and spaces[data[i]]:
        i += 1
    start = i
    while i < size and not spaces[data[i]]:
        i += 1
    at[0] = i
    return start
