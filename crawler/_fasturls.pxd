cdef object join_c(str href, str scheme_colon, str origin, str path, str origin_path,
                   str origin_dir)
