"""Sub-headings inside a worked solution.

The solutions are gated (``solution-start`` … ``solution-end``), so that their code cells run. A
Markdown heading between the two opens a docutils section, which splits the solution across sections
and breaks sphinx-exercise's merge (executablebooks/sphinx-exercise#62). Before that merge, this
transform turns each such section into a rubric with the heading's level, followed by the
section's content. MyST's HTML writer renders such a rubric as a real ``<h2>``/``<h3>``, as it does
for a heading nested in any other directive, so a solution keeps its headings and their anchors.
"""
from docutils import nodes
from sphinx.transforms import SphinxTransform
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
                    parent.replace(child, [rubric, *child.children[1:]])
                i += 1


def setup(app):
    app.add_transform(FlattenSolutionHeadings)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
