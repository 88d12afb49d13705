cdef object join_c(str href, str scheme, str origin, str path, str directory)
