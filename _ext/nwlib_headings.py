"""Sub-headings inside a worked solution.

The solutions are gated (``solution-start`` … ``solution-end``), so that their code cells run. A
Markdown heading between the two opens a docutils section, which splits the solution across sections
and breaks sphinx-exercise's merge (executablebooks/sphinx-exercise#62). Before that merge, this
transform turns each such section into a rubric with the heading's level, followed by the
section's content. MyST's HTML writer renders such a rubric as a real ``<h2>``/``<h3>``, as it does
for a heading nested in any other directive, so a solution keeps its headings and their anchors.

Sphinx's table of contents is built from sections only, so these headings are then added to the
page's entry in ``env.tocs`` (the theme's "On this page" and the PDF's contents read it), in
document order, nested by level under the section that holds the solution.
"""
from docutils import nodes
from sphinx import addnodes
from sphinx.transforms import SphinxContentsFilter, SphinxTransform
from sphinx_exercise.nodes import solution_end_node, solution_start_node


def _depth(node: nodes.Node) -> int:
    """The heading level of a section: 1 for the page title's."""
    depth = 0
    while node is not None:
        depth += isinstance(node, nodes.section)
        node = node.parent
    return depth


class FlattenSolutionHeadings(SphinxTransform):
    default_priority = 0  # before sphinx-exercise checks (1) and merges (10) the gated solutions

    def apply(self, **kwargs):
        # the levels first: flattening a section moves its subsections up
        levels = {id(s): _depth(s) for s in self.document.findall(nodes.section)}
        for start in list(self.document.findall(solution_start_node)):
            parent = start.parent
            i = parent.index(start) + 1
            while i < len(parent.children) and not isinstance(parent[i], solution_end_node):
                child = parent[i]
                if isinstance(child, nodes.section):
                    title = child[0]
                    rubric = nodes.rubric(title.rawsource, "", *title.children,
                                          ids=child["ids"], names=child["names"])
                    rubric["level"] = levels[id(child)]
                    rubric["solution_heading"] = True
                    parent.replace(child, [rubric, *child.children[1:]])
                i += 1


def _entry(doctree: nodes.document, docname: str, rubric: nodes.rubric) -> nodes.list_item:
    """A table-of-contents entry for a heading, made as Sphinx makes one for a section."""
    visitor = SphinxContentsFilter(doctree)
    rubric.walkabout(visitor)
    reference = nodes.reference("", "", *visitor.get_entry_text(), internal=True, refuri=docname,
                                anchorname="#" + rubric["ids"][0])
    return nodes.list_item("", addnodes.compact_paragraph("", "", reference))


def _sublist(item: nodes.list_item) -> nodes.bullet_list:
    if not isinstance(item[-1], nodes.bullet_list):
        item += nodes.bullet_list()
    return item[-1]


def add_solution_headings_to_the_toc(app, doctree: nodes.document) -> None:
    """``doctree-read``, after Sphinx's collector has stored the page's sections in env.tocs."""
    docname = app.env.docname
    toc = app.env.tocs.get(docname)
    headings = [r for r in doctree.findall(nodes.rubric) if r.get("solution_heading") and r["ids"]]
    if toc is None or not headings:
        return
    order = {id(node): i for i, node in enumerate(doctree.findall(nodes.Element))}
    sections = [s for s in doctree.findall(nodes.section) if s["ids"]]
    by_anchor = {("#" + s["ids"][0] if i else ""): s for i, s in enumerate(sections)}
    # every entry of the page's toc, with the document position of what it points to
    items = {}
    for item in toc.findall(nodes.list_item):
        reference = next(item[0].findall(nodes.reference), None)
        node = by_anchor.get(reference["anchorname"]) if reference is not None else None
        if node is not None:
            items[id(node)] = (item, order[id(node)])
    last_at_level: dict[tuple[int, int], nodes.list_item] = {}
    for rubric in headings:
        section = rubric.parent  # the closest section in the toc (sphinx-exercise wraps a
        while section is not None and id(section) not in items:  # solution's body in its own)
            section = section.parent
        if section is None:
            continue
        depth = _depth(section)
        parent = items[id(section)][0]
        for level in range(rubric["level"] - 1, depth, -1):  # the closest enclosing heading
            if (id(section), level) in last_at_level:
                parent = last_at_level[(id(section), level)]
                break
        entry = _entry(doctree, docname, rubric)
        children = _sublist(parent)
        position = order[id(rubric)]
        # before the first entry that the document puts after this heading
        later = [i for i, child in enumerate(children.children)
                 if any(pos > position for item, pos in items.values() if item is child)]
        children.insert(later[0] if later else len(children), entry)
        items[id(rubric)] = (entry, position)
        last_at_level[(id(section), rubric["level"])] = entry
        for level in [k for k in last_at_level if k[0] == id(section) and k[1] > rubric["level"]]:
            del last_at_level[level]


def setup(app):
    app.add_transform(FlattenSolutionHeadings)
    # after Sphinx's TocTreeCollector (priority 500) has built the page's toc
    app.connect("doctree-read", add_solution_headings_to_the_toc, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
