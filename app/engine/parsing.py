"""Parse and check BPMN files; compile a deployed version once and keep it in memory.

A file is refused with its name, the element id, the line and the reason when it is larger
than the process-file limit, not valid BPMN, uses a construct outside the set Minqing runs and
tests (SUPPORTED_TAGS), carries code the sandbox would not run, or has a user task without the
properties the inbox needs.

Code is checked on the parsed spec objects, not the XML text: every place SpiffWorkflow's
parsers put code (code_sites.py) is compiled by the same restricted compiler that runs it.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.none_task import NoneTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from app import vocabulary
from app.engine import limits
from app.engine.code_sites import CodeSite, code_sites
from app.engine.compiler import ScriptRefused, compile_code

# lxml and SpiffWorkflow have no types here (no stubs installed): to mypy an lxml element
# (etree._Element) and SpiffWorkflow's parser (SpiffBpmnParser) and specs are Any.

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
NS = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}

# Every construct below is exercised by a test that runs a real instance (tests/engine).
SUPPORTED_TAGS = frozenset(
    [
        "definitions",
        "process",
        "startEvent",
        "endEvent",
        "userTask",
        "scriptTask",
        "exclusiveGateway",
        "sequenceFlow",
        "conditionExpression",
        "script",
        "incoming",
        "outgoing",
        "extensionElements",
        "multiInstanceLoopCharacteristics",
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
        "documentation",
        "textAnnotation",
        "text",
        "association",
        # As Camunda Modeler and bpmn.io save a diagram drawn in lanes: a pool (a collaboration
        # with one participant naming the process) and lanes, which only draw who works where
        # (a task's inbox is its `dept` property). A plain task runs through like a no-op.
        "collaboration",
        "participant",
        "laneSet",
        "lane",
        "flowNodeRef",
        "childLaneSet",
        "task",
    ]
)
# The one registry of status words and clocks is app/vocabulary.py (the models read it too).
TASK_STATUSES = frozenset(vocabulary.TASK_STATUSES)
CLOCKS = frozenset(vocabulary.CLOCKS)
REQUIRED_PROPERTIES = ("dept", "status", "clock")


class ProcessError(Exception):
    def __init__(self, file: str, element_id: str, reason: str, line: int | str = "") -> None:
        self.file, self.element_id, self.reason, self.line = file, element_id, reason, line
        where = (
            f"{file}" + (f":{line}" if line else "") + (f" [{element_id}]" if element_id else "")
        )
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class UserTaskMeta:
    name: str
    title: str
    dept: str
    from_dept: str | None
    status: str
    clock: str


@dataclass
class CompiledProcess:
    process_id: str
    spec: Any  # SpiffWorkflow's BpmnProcessSpec (the library has no types)
    subprocess_specs: dict[str, Any]  # name -> BpmnProcessSpec
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)
    # Where each element is (id -> file, line), the sequence flow between two elements
    # ((source, target) -> flow id) and the elements the diagram draws (BPMN DI shapes): what
    # validate needs to name places in its refusals.
    elements: dict[str, tuple[str, int]] = field(default_factory=dict)
    flows: dict[tuple[str, str], str] = field(default_factory=dict)
    shapes: frozenset[str] = frozenset()


# No DTDs, no entities, no network: a diagram must not pull files into its text.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False
)


def check_file_size(file: str, size: int) -> None:
    """Refuse a process file larger than the limit (before it is read, where possible)."""
    cap = limits.current().process_file_max_bytes
    if size > cap:
        raise ProcessError(
            file, "", f"the file is {size:,} bytes, larger than the limit of {cap:,} bytes"
        )


def _check_tree(file: str, root: etree._Element) -> None:
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        q = etree.QName(el)
        if q.namespace == BPMN_NS and q.localname not in SUPPORTED_TAGS:
            raise ProcessError(
                file,
                el.get("id", ""),
                f"bpmn:{q.localname} is not supported by Minqing's engine "
                f"(supported: {', '.join(sorted(SUPPORTED_TAGS))})",
                el.sourceline or "",
            )
    for task in root.iterfind(".//bpmn:userTask", NS):
        props = {
            p.get("name"): p.get("value")
            for p in task.iterfind(
                "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS
            )
        }
        tid = task.get("id", "")
        for name in REQUIRED_PROPERTIES:
            if not props.get(name):
                raise ProcessError(
                    file,
                    tid,
                    f"user task needs the spiffworkflow property '{name}'",
                    task.sourceline,
                )
        if props["status"] not in TASK_STATUSES:
            raise ProcessError(file, tid, f"unknown status '{props['status']}'", task.sourceline)
        if props["clock"] not in CLOCKS:
            raise ProcessError(file, tid, f"unknown clock '{props['clock']}'", task.sourceline)


FLOW_NODES = frozenset(
    {"startEvent", "endEvent", "userTask", "scriptTask", "task", "exclusiveGateway"}
)
_GATEWAYS = frozenset({"exclusiveGateway"})


def _check_graph(file: str, root: etree._Element) -> None:
    """The designer's common mistakes, said plainly before SpiffWorkflow says them cryptically
    ("found two items, perhaps a form has the same ID?", an XML Schema error on xs:ID, or
    nothing at all for a task no flow reaches)."""
    seen: dict[str, int] = {}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("id") is None:
            continue
        eid, line = el.get("id"), el.sourceline or 0
        if eid in seen:
            raise ProcessError(
                file, eid, f"the id '{eid}' is used twice (lines {seen[eid]} and {line})", line
            )
        seen[eid] = line
    for process in root.iterfind("bpmn:process", NS):
        nodes = {
            el.get("id"): el
            for el in process
            if isinstance(el.tag, str) and etree.QName(el).localname in FLOW_NODES
        }
        incoming: dict[str, list[str]] = {}
        outgoing: dict[str, list[str]] = {}
        for flow in process.iterfind("bpmn:sequenceFlow", NS):
            fid = flow.get("id", "")
            for end, refs in (("sourceRef", outgoing), ("targetRef", incoming)):
                ref = flow.get(end, "")
                if ref not in nodes:
                    what = "comes from" if end == "sourceRef" else "points at"
                    raise ProcessError(
                        file,
                        fid,
                        f"sequence flow '{fid}' {what} '{ref}', which is not an element of "
                        f"process '{process.get('id')}' ({end})",
                        flow.sourceline or "",
                    )
                refs.setdefault(ref, []).append(fid)
        for nid, el in nodes.items():
            kind = etree.QName(el).localname
            line = el.sourceline or ""
            if kind != "startEvent" and not incoming.get(nid):
                raise ProcessError(
                    file,
                    nid,
                    f"{_KIND_WORDS.get(kind, kind)} '{nid}' has no incoming sequence flow: "
                    "no case can reach it",
                    line,
                )
            if kind != "endEvent" and not outgoing.get(nid):
                raise ProcessError(
                    file,
                    nid,
                    f"{_KIND_WORDS.get(kind, kind)} '{nid}' has no outgoing sequence flow: "
                    "a case would stop there (end the path with an end event)",
                    line,
                )
            if kind not in _GATEWAYS and len(outgoing.get(nid, ())) > 1:
                raise ProcessError(
                    file,
                    nid,
                    f"{_KIND_WORDS.get(kind, kind)} '{nid}' has {len(outgoing[nid])} outgoing "
                    f"sequence flows ({', '.join(outgoing[nid])}); only a gateway may branch",
                    line,
                )


_KIND_WORDS = {
    "startEvent": "start event",
    "endEvent": "end event",
    "userTask": "user task",
    "scriptTask": "script task",
    "task": "task",
    "exclusiveGateway": "gateway",
}


def _process_ref(roots: dict[str, etree._Element], process_id: str, known: Container[str]) -> str:
    """The process to run: `process_id` itself, or the process a participant (a pool) or a
    one-pool collaboration of that id refers to, as a diagram drawn in lanes names it."""
    if process_id in known:
        return process_id
    for root in roots.values():
        for el in root.xpath("//bpmn:participant[@id=$id]", namespaces=NS, id=process_id):
            ref: str = el.get("processRef") or process_id
            return ref
        for collab in root.xpath("//bpmn:collaboration[@id=$id]", namespaces=NS, id=process_id):
            refs: list[str | None]
            refs = [p.get("processRef") for p in collab.iterfind("bpmn:participant", NS)]
            named = [r for r in refs if r]
            if len(named) == 1:
                return named[0]
    return process_id


def _places(
    roots: dict[str, etree._Element],
) -> tuple[dict[str, tuple[str, int]], dict[tuple[str, str], str], frozenset[str]]:
    elements: dict[str, tuple[str, int]] = {}
    flows: dict[tuple[str, str], str] = {}
    shapes: set[str] = set()
    for name, root in roots.items():
        for el in root.iter():
            if isinstance(el.tag, str) and el.get("id") is not None:
                elements.setdefault(el.get("id"), (name, el.sourceline or 0))
        for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
            flows[(flow.get("sourceRef", ""), flow.get("targetRef", ""))] = flow.get("id", "")
        for shape in root.iterfind(".//bpmndi:BPMNShape", {"bpmndi": BPMNDI_NS}):
            shapes.add(shape.get("bpmnElement", ""))
    return elements, flows, frozenset(shapes)


def _connect_loop_children(process_spec: Any) -> None:
    """Wire each multi-instance task to its instances' completion, as SpiffWorkflow's own spec
    deserializer does. SpiffWorkflow otherwise connects it only when it creates the instances,
    so a case whose instances were created by another process (or before a restart) would never
    leave the multi-instance task after loading against a freshly compiled spec."""
    for task_spec in list(process_spec.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = process_spec.task_specs[task_spec.task_spec]
            if not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def _check_code(parser: SpiffBpmnParser, roots: dict[str, etree._Element]) -> None:
    """Compile every piece of code of every process in the files, as the sandbox will."""
    for pid in list(parser.process_parsers):
        try:
            process_spec = parser.get_spec(pid)
        except ValidationException as exc:
            raise ProcessError(exc.file_name or "", exc.id, str(exc), exc.line_number) from exc
        root = roots.get(process_spec.file)
        for site in code_sites(process_spec):
            try:
                compile_code(site.source, site.mode)
            except ScriptRefused as exc:
                element, line = _locate(root, site, exc.line)
                where = f"{site.what}" + (f" line {exc.line}" if exc.line else "")
                raise ProcessError(
                    process_spec.file or "", element, f"{where}: {exc.reason}", line
                ) from exc


_CODE_ELEMENT = {
    "script": "bpmn:script",
    "preScript": "bpmn:extensionElements/spiffworkflow:preScript",
    "postScript": "bpmn:extensionElements/spiffworkflow:postScript",
    "loopCardinality": "bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality",
    "completionCondition": "*/bpmn:completionCondition",
    "loopCondition": "bpmn:standardLoopCharacteristics/bpmn:loopCondition",
}


def _locate(
    root: etree._Element | None, site: CodeSite, code_line: int | None
) -> tuple[str, int | str]:
    """The element id to name (a condition's sequence flow) and the line in the file."""
    if root is None:
        return site.element_id, ""
    found = root.xpath("//*[@id=$id]", id=site.element_id)
    element = found[0] if found else None
    element_id = site.element_id
    code = None
    if site.what == "condition" and site.target is not None:
        flows = root.xpath(
            "//bpmn:sequenceFlow[@sourceRef=$s and @targetRef=$t]",
            namespaces=NS,
            s=site.element_id,
            t=site.target,
        )
        if flows:
            element, element_id = flows[0], flows[0].get("id", site.element_id)
            code = element.find("bpmn:conditionExpression", NS)
    elif element is not None and site.what in _CODE_ELEMENT:
        code = element.find(_CODE_ELEMENT[site.what], NS)
    if code is not None:
        # The code's text starts on the line of its element's start tag.
        return element_id, code.sourceline + (code_line or 1) - 1
    return element_id, element.sourceline if element is not None else ""


def compile_process(
    files: dict[str, str], process_id: str, check_code: bool = True
) -> CompiledProcess:
    """Validate every file and build the executable spec of `process_id`.

    `check_code=False` skips the code check for a version already deployed: its code still
    runs only in the sandbox, which refuses at run time what it would refuse here, so a stored
    version that a later, stricter check refuses fails at the step that runs the code (a clear
    engine error) instead of failing every step of its cases."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    roots: dict[str, etree._Element] = {}
    for name, xml in sorted(files.items()):
        data = xml.encode("utf-8")
        check_file_size(name, len(data))
        try:
            root = etree.fromstring(data, _XML_PARSER)
        except etree.XMLSyntaxError as exc:
            raise ProcessError(name, "", f"not well-formed XML: {exc}", exc.lineno or "") from exc
        roots[name] = root
        _check_tree(name, root)
        if check_code:
            _check_graph(name, root)
        try:
            parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            raise ProcessError(exc.file_name or name, exc.id, str(exc), exc.line_number) from exc
    run_id = _process_ref(roots, process_id, parser.process_parsers)
    try:
        spec = parser.get_spec(run_id)
        subprocess_specs = parser.get_subprocess_specs(run_id)
    except ValidationException as exc:
        raise ProcessError(exc.file_name or "", exc.id, str(exc), exc.line_number) from exc
    except SpiffWorkflowException as exc:
        raise ProcessError("", "", str(exc)) from exc
    except KeyError:
        raise ProcessError("", process_id, f"no executable process '{process_id}' found") from None
    if check_code:
        _check_code(parser, roots)
    for process_spec in (spec, *subprocess_specs.values()):
        _connect_loop_children(process_spec)
        _run_plain_tasks(process_spec)

    user_tasks: dict[str, UserTaskMeta] = {}
    for task_spec in spec.task_specs.values():
        props = (getattr(task_spec, "extensions", None) or {}).get("properties")
        if not task_spec.manual or not props:
            continue
        user_tasks[task_spec.bpmn_id] = UserTaskMeta(
            name=task_spec.bpmn_id,
            title=task_spec.bpmn_name or task_spec.bpmn_id,
            dept=props["dept"],
            from_dept=props.get("from_dept"),
            status=props["status"],
            clock=props["clock"],
        )
    elements, flows, shapes = _places(roots)
    return CompiledProcess(process_id, spec, subprocess_specs, user_tasks, elements, flows, shapes)


def _run_plain_tasks(process_spec: Any) -> None:
    """A plain bpmn:task waits for a person in SpiffWorkflow (manual); in Minqing it has no
    form and no inbox, so it runs through like a no-op (a drawing's placeholder step)."""
    for task_spec in process_spec.task_specs.values():
        if isinstance(task_spec, NoneTask):
            task_spec.manual = False
