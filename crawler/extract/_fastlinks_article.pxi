# Included by _fastlinks.pyx: where a link sits and what the page's article is. `Places`
# (crawler.extract.sections.Places: dom_path, landmark section) and `Article`
# (crawler.extract.maincontent.Article: Readability's scoring and cleaning), on node states.

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
    """Count an element Readability's conditional cleaning counts (rules.COUNTED)."""
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

