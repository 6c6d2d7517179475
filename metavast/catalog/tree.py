"""The category tree, read once per catalog version and kept in the cache.

Twenty or two hundred categories fit in one small object; pages need their names, links,
ancestors (breadcrumbs, search keys) and descendants (a category lists its subcategories'
products), so loading the whole tree is cheaper than asking the database per page. It is kept
per catalog version in the shared cache and in each worker's memory (`cache.versioned`).

This module builds on the models and the models never import it: the one thing they need
from the tree, which categories are hidden, they work out themselves
(`Category.objects.hidden_ids()`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metavast.catalog.cache import versioned
from metavast.catalog.models import Category


@dataclass
class Node:
    id: int
    name: str
    slug: str
    path: str
    depth: int
    is_visible: bool
    is_featured: bool
    parent_id: int | None = None
    children: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"/c/{self.slug}/"


@dataclass
class CategoryTree:
    nodes: dict[int, Node]
    roots: list[int]
    by_slug: dict[str, int]

    def get(self, category_id: int) -> Node | None:
        return self.nodes.get(category_id)

    def find(self, slug: str) -> Node | None:
        category_id = self.by_slug.get(slug)
        node = self.nodes.get(category_id) if category_id else None
        return node if node and self.is_visible(node.id) else None

    def is_visible(self, category_id: int) -> bool:
        return all(n.is_visible for n in self.lineage(category_id))

    def lineage(self, category_id: int) -> list[Node]:
        """The node and its ancestors, root first."""
        chain = []
        node = self.nodes.get(category_id)
        while node is not None:
            chain.append(node)
            node = self.nodes.get(node.parent_id) if node.parent_id else None
        return chain[::-1]

    def descendant_ids(self, category_id: int) -> list[int]:
        """The node itself and every visible category under it."""
        found, stack = [], [category_id]
        while stack:
            node = self.nodes[stack.pop()]
            if node.is_visible:
                found.append(node.id)
                stack.extend(node.children)
        return found

    def children_of(self, category_id: int | None) -> list[Node]:
        ids = self.roots if category_id is None else self.nodes[category_id].children
        return [self.nodes[i] for i in ids if self.nodes[i].is_visible]

    def featured(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.is_featured and self.is_visible(n.id)]


def load_tree() -> CategoryTree:
    rows = Category.objects.order_by("path").values_list(
        "id", "name", "slug", "path", "depth", "is_visible", "is_featured"
    )
    nodes: dict[int, Node] = {}
    by_path: dict[str, int] = {}
    roots: list[int] = []
    steplen = Category.steplen
    for id_, name, slug, path, depth, visible, featured in rows:
        node = Node(id_, name, slug, path, depth, visible, featured)
        parent_id = by_path.get(path[:-steplen]) if depth > 1 else None
        node.parent_id = parent_id
        nodes[id_] = node
        by_path[path] = id_
        if parent_id is None:
            roots.append(id_)
        else:
            nodes[parent_id].children.append(id_)
    return CategoryTree(nodes=nodes, roots=roots, by_slug={n.slug: n.id for n in nodes.values()})


def category_tree() -> CategoryTree:
    return versioned("tree", load_tree)
