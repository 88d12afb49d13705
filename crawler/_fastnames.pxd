cdef int weight(object value) except? -999
cdef int unlikely(object names, object ident) except -1
cdef int shares(object names, object ident) except -1
cdef object landmark(str tag, object role, object names, object ident)
