"""Every process in processes/ carries its diagram (BPMN DI), so that it opens and draws in a
BPMN editor and in the case page's viewer. Nothing is rendered here: the DI is read as data.

For each process: one plane; one shape with a positive size for every flow node and text
annotation; one edge with at least two waypoints for every sequence flow and association;
no DI element pointing at a missing id; no two shapes overlapping; every edge starting on its
source's outline and ending on its target's (rectangle for tasks, diamond for gateways, circle
for events); sequence flows drawn orthogonally and not through a shape they do not connect;
a label with bounds on every named flow leaving a gateway.
"""

from __future__ import annotations

import math
from itertools import combinations
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "processes").glob("*.bpmn"))

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NS = {
    "bpmn": BPMN,
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
TOLERANCE = 2.0  # pixels

EVENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
GATEWAYS = {
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "complexGateway",
}
ACTIVITIES = {
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
}
SHAPES = EVENTS | GATEWAYS | ACTIVITIES | {"textAnnotation"}
EDGES = {"sequenceFlow", "association"}
WITHOUT_DI = {"documentation", "extensionElements", "dataObject", "ioSpecification", "property"}


def local(el) -> str:
    return etree.QName(el).localname


class Box:
    def __init__(self, element_id: str, kind: str, bounds) -> None:
        self.id, self.kind = element_id, kind
        self.x, self.y = float(bounds.get("x")), float(bounds.get("y"))
        self.w, self.h = float(bounds.get("width")), float(bounds.get("height"))

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )

    def outline_distance(self, px: float, py: float) -> float:
        """How far (px, py) is from the outline drawn for this shape."""
        cx, cy = self.x + self.w / 2, self.y + self.h / 2
        if self.kind in EVENTS:
            return abs(math.hypot(px - cx, py - cy) - min(self.w, self.h) / 2)
        if self.kind in GATEWAYS:
            corners = [(cx, self.y), (self.x + self.w, cy), (cx, self.y + self.h), (self.x, cy)]
        else:
            r, b = self.x + self.w, self.y + self.h
            corners = [(self.x, self.y), (r, self.y), (r, b), (self.x, b)]
        return min(segment_distance(px, py, *corners[i], *corners[(i + 1) % 4]) for i in range(4))

    def crossed_by(self, ax: float, ay: float, bx: float, by: float) -> bool:
        """Whether the segment a-b passes through the inside of this shape's bounds (shrunk by
        the tolerance, so a segment running along or ending on the border does not count)."""
        x0, y0 = self.x + TOLERANCE, self.y + TOLERANCE
        x1, y1 = self.x + self.w - TOLERANCE, self.y + self.h - TOLERANCE
        t0, t1 = 0.0, 1.0
        dx, dy = bx - ax, by - ay
        for p, q in ((-dx, ax - x0), (dx, x1 - ax), (-dy, ay - y0), (dy, y1 - ay)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
        return True


def segment_distance(px, py, ax, ay, bx, by) -> float:
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def load(path: Path):
    root = etree.parse(str(path)).getroot()
    return root, {el.get("id"): el for el in root.iter() if el.get("id")}


@pytest.fixture(params=FILES, ids=[f.name for f in FILES])
def bpmn(request):
    return load(request.param)


def test_processes_folder_has_diagrams():
    assert FILES, "no .bpmn files in processes/"


def diagram(root, process):
    """The plane of `process` and its shapes and edges by the element they draw."""
    pid = process.get("id")
    planes = [p for p in root.iterfind(".//bpmndi:BPMNPlane", NS) if p.get("bpmnElement") == pid]
    assert len(planes) == 1, f"process {pid}: {len(planes)} BPMNPlane elements reference it"
    shapes: dict[str, list] = {}
    edges: dict[str, list] = {}
    for el in planes[0].iterfind("bpmndi:BPMNShape", NS):
        shapes.setdefault(el.get("bpmnElement"), []).append(el)
    for el in planes[0].iterfind("bpmndi:BPMNEdge", NS):
        edges.setdefault(el.get("bpmnElement"), []).append(el)
    return shapes, edges


def elements(process):
    nodes, connections = [], []
    for el in process:
        if not isinstance(el.tag, str):
            continue
        kind = local(el)
        if kind in SHAPES:
            nodes.append(el)
        elif kind in EDGES:
            connections.append(el)
        else:
            assert kind in WITHOUT_DI, (
                f"{kind} {el.get('id')}: say in this test whether it is drawn (SHAPES, EDGES) "
                "or not (WITHOUT_DI)"
            )
    return nodes, connections


def one(found: dict[str, list], element_id: str, what: str):
    assert len(found.get(element_id, [])) == 1, (
        f"{element_id}: {len(found.get(element_id, []))} {what}"
    )
    return found[element_id][0]


def boxes(root, process) -> dict[str, Box]:
    shapes, _ = diagram(root, process)
    nodes, _ = elements(process)
    placed = {}
    for node in nodes:
        nid = node.get("id")
        bounds = one(shapes, nid, "shapes").find("dc:Bounds", NS)
        assert bounds is not None, f"{nid}: shape without dc:Bounds"
        placed[nid] = Box(nid, local(node), bounds)
    return placed


def waypoints(edge) -> list[tuple[float, float]]:
    return [(float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", NS)]


def processes(root):
    found = root.findall("bpmn:process", NS)
    assert found, "no process element"
    return found


def test_every_node_has_one_shape_with_a_size(bpmn):
    root, _ = bpmn
    for process in processes(root):
        shapes, _ = diagram(root, process)
        nodes, _ = elements(process)
        for node in nodes:
            nid = node.get("id")
            bounds = one(shapes, nid, "shapes").find("dc:Bounds", NS)
            assert bounds is not None, f"{nid}: shape without dc:Bounds"
            assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0, nid


def test_every_flow_has_one_edge_with_waypoints(bpmn):
    root, _ = bpmn
    for process in processes(root):
        _, edges = diagram(root, process)
        _, connections = elements(process)
        for flow in connections:
            fid = flow.get("id")
            assert len(waypoints(one(edges, fid, "edges"))) >= 2, f"{fid}: fewer than 2 waypoints"


def test_di_references_resolve(bpmn):
    root, by_id = bpmn
    di = [
        *root.iterfind(".//bpmndi:BPMNPlane", NS),
        *root.iterfind(".//bpmndi:BPMNShape", NS),
        *root.iterfind(".//bpmndi:BPMNEdge", NS),
    ]
    assert di, "no diagram"
    for el in di:
        ref = el.get("bpmnElement")
        assert ref in by_id, f"{local(el)} {el.get('id')} references missing '{ref}'"
        assert etree.QName(by_id[ref]).namespace == BPMN, f"{el.get('id')} -> {ref}"


def test_no_shapes_overlap(bpmn):
    root, _ = bpmn
    for process in processes(root):
        for a, b in combinations(boxes(root, process).values(), 2):
            assert not a.overlaps(b), f"{a.id} and {b.id} overlap"


def test_edges_start_and_end_on_their_shapes(bpmn):
    root, _ = bpmn
    for process in processes(root):
        placed = boxes(root, process)
        _, edges = diagram(root, process)
        _, connections = elements(process)
        for flow in connections:
            points = waypoints(one(edges, flow.get("id"), "edges"))
            for end, ref in ((points[0], "sourceRef"), (points[-1], "targetRef")):
                shape = placed[flow.get(ref)]
                off = shape.outline_distance(*end)
                assert off <= TOLERANCE, (
                    f"{flow.get('id')}: {end} is {off:.1f}px off the outline of {shape.id}"
                )


def test_sequence_flows_are_orthogonal_and_go_round_other_shapes(bpmn):
    root, _ = bpmn
    for process in processes(root):
        placed = boxes(root, process)
        _, edges = diagram(root, process)
        for flow in process.iterfind("bpmn:sequenceFlow", NS):
            fid = flow.get("id")
            points = waypoints(one(edges, fid, "edges"))
            ends = {flow.get("sourceRef"), flow.get("targetRef")}
            for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
                assert ax == bx or ay == by, f"{fid}: segment {ax, ay}-{bx, by} is diagonal"
                for shape in placed.values():
                    if shape.id not in ends:
                        assert not shape.crossed_by(ax, ay, bx, by), f"{fid} crosses {shape.id}"


def test_named_gateway_flows_have_labels(bpmn):
    root, by_id = bpmn
    for process in processes(root):
        _, edges = diagram(root, process)
        for flow in process.iterfind("bpmn:sequenceFlow", NS):
            source = by_id[flow.get("sourceRef")]
            if not flow.get("name") or local(source) not in GATEWAYS:
                continue
            bounds = one(edges, flow.get("id"), "edges").find("bpmndi:BPMNLabel/dc:Bounds", NS)
            assert bounds is not None, f"{flow.get('id')} is named but has no label"
            assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
