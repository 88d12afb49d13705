# Included by _fastlinks.pyx: one page's nodes. `Dom` holds the per-node states (found through
# lexbor's `node->user` slot), reads attributes, tags and rel tokens, and measures text
# (lengths, commas, link density) in lexbor's bytes; the white space rules of str.strip().

# The elements of a block rules.COUNTED counts, by kind.
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
        """rules.rel_tokens of the element's rel: ASCII tokens split and lowered in C,
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
        """Append `node` to `found` when `tree.css(rules.LINK_SELECTOR)` finds it: a[href],
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
        elements `tree.css(rules.SCORED)` finds (paragraphs), in document order. Given
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
                alt = self.get(node, b"alt")
                parts.append(f" {alt} " if alt else "")  # set apart, as the Python walk does
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


def text_measures(node):
    """(len(text.strip()), text.count(","), len(text)) of a LexborNode's text, as the scoring
    reads them from lexbor's bytes: for tests against `node.text()`."""
    dom = Dom()
    cdef Py_ssize_t commas = 0
    cdef Py_ssize_t length = dom.stripped_len(_ptr(node.mem_id), &commas)
    return length, commas, dom.text_len(_ptr(node.mem_id))

