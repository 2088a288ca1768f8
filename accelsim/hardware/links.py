"""D2D links: topologies of chiplets and routes (the pure timing of one transfer is
``accelsim.timing.links``).

Links are full duplex: an undirected link a-b is two directed channels ``link.ca-cb`` and
``link.cb-ca``, each with the whole bandwidth. A transfer of ``bits`` payload is cut into flits
of ``flit_payload_bits`` carrying ``flit_overhead_bits`` each; it holds every channel of its route
for its serialization time (cut-through: the hops overlap) and completes one per-hop latency
per hop later. Times are whole cycles at the system clock (ceil).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from accelsim.config.chiplet_spec import ChipletSystemSpec
from accelsim.errors import ConfigError


def link_name(src: int, dst: int) -> str:
    """The component name of the directed channel from ``src`` to ``dst``."""
    return f"link.c{src}-c{dst}"


@dataclass(frozen=True)
class Topology:
    """Chiplets ``0..count-1`` on a ``rows x cols`` grid, undirected links, routing kind."""

    count: int
    rows: int
    cols: int
    edges: tuple[tuple[int, int], ...]
    mesh: bool

    def neighbours(self, node: int) -> list[int]:
        """Chiplets one link away, ascending."""
        return sorted({b for a, b in self.edges if a == node} |
                      {a for a, b in self.edges if b == node})

    def channels(self) -> tuple[str, ...]:
        """Every directed channel, sorted by (src, dst)."""
        pairs = sorted({(a, b) for a, b in self.edges} | {(b, a) for a, b in self.edges})
        return tuple(link_name(a, b) for a, b in pairs)

    def route(self, src: int, dst: int) -> tuple[int, ...]:
        """Chiplets visited from ``src`` to ``dst`` (both included): X then Y on a mesh,
        else the shortest path with the lowest-numbered chiplets first."""
        if src == dst:
            return (src,)
        if self.mesh:
            return _xy_route(src, dst, self.cols)
        return _bfs_route(self, src, dst)

    def hops(self, src: int, dst: int) -> tuple[str, ...]:
        """The directed channels of the route, in order."""
        path = self.route(src, dst)
        return tuple(link_name(a, b) for a, b in zip(path, path[1:], strict=False))

    def corners(self) -> tuple[int, ...]:
        """The corner chiplets of the grid (each once)."""
        r, c = self.rows - 1, self.cols - 1
        return tuple(sorted({0, c, r * self.cols, r * self.cols + c}))


def _xy_route(src: int, dst: int, cols: int) -> tuple[int, ...]:
    (r, c), (r_end, c_end) = divmod(src, cols), divmod(dst, cols)
    path = [src]
    while c != c_end:
        c += 1 if c_end > c else -1
        path.append(r * cols + c)
    while r != r_end:
        r += 1 if r_end > r else -1
        path.append(r * cols + c)
    return tuple(path)


def _bfs_route(topology: Topology, src: int, dst: int) -> tuple[int, ...]:
    previous: dict[int, int] = {src: src}
    queue = deque([src])
    while queue:
        node = queue.popleft()
        for there in topology.neighbours(node):
            if there not in previous:
                previous[there] = node
                queue.append(there)
    if dst not in previous:
        raise ConfigError(f"no route from chiplet {src} to chiplet {dst}: the topology is "
                          "disconnected", key_path="chiplets.links")
    path = [dst]
    while path[-1] != src:
        path.append(previous[path[-1]])
    return tuple(reversed(path))


def build_topology(spec: ChipletSystemSpec) -> Topology:
    """The links a topology generates for ``rows x cols`` chiplets (or the custom list)."""
    rows, cols, count = spec.rows, spec.cols, spec.count
    if spec.topology == "mesh":
        edges = [(i, i + 1) for i in range(count) if (i + 1) % cols and i + 1 < count]
        edges += [(i, i + cols) for i in range(count - cols)]
    elif spec.topology == "ring":
        edges = [(i, (i + 1) % count) for i in range(count)] if count > 2 else \
            [(0, 1)] if count == 2 else []
    elif spec.topology == "fully_connected":
        edges = [(a, b) for a in range(count) for b in range(a + 1, count)]
    else:
        edges = [tuple(sorted(pair)) for pair in spec.links]  # type: ignore[misc]
    unique = tuple(sorted({(min(a, b), max(a, b)) for a, b in edges}))
    return Topology(count, rows, cols, unique, spec.topology == "mesh")


def dram_chiplets(spec: ChipletSystemSpec, topology: Topology) -> tuple[int, ...]:
    """Chiplets with a DRAM channel: as configured, else corners (mesh) or all."""
    if spec.dram_at is not None:
        return tuple(dict.fromkeys(spec.dram_at))
    if spec.topology == "mesh":
        return topology.corners()
    return tuple(range(topology.count))


def nearest(topology: Topology, src: int, candidates: tuple[int, ...]) -> int:
    """The candidate fewest hops from ``src`` (lowest id on a tie)."""
    return min(candidates, key=lambda c: (len(topology.route(src, c)), c))


def ring_order(topology: Topology) -> tuple[int, ...]:
    """A cyclic order of the chiplets for ring collectives and trajectories: the snake walk of a
    mesh (every step one hop; the closing step is one hop when the row count is even), else
    the ids in order."""
    if topology.mesh:
        return tuple(r * topology.cols + (c if r % 2 == 0 else topology.cols - 1 - c)
                     for r in range(topology.rows) for c in range(topology.cols))
    return tuple(range(topology.count))
