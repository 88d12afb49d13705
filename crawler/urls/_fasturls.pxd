cdef object join_c(str href, str scheme_colon, str origin, str path, str origin_path,
                   str origin_dir)
cdef const unsigned char *ascii_stripped(str text, Py_ssize_t *size) except? NULL
