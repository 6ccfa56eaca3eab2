"""Parse and check BPMN files; compile a deployed version once and keep it in memory.

A file is refused with its name, the element id, the line and the reason when it is larger
than the process-file limit, not valid BPMN, uses a construct outside the set Minqing runs and
tests (SUPPORTED_TAGS), carries code the sandbox would not run, or has a user task without the
properties the inbox needs.

Code is checked on the parsed spec objects, not the XML text: every place SpiffWorkflow's
parsers put code (code_sites.py) is compiled by the same restricted compiler that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from app.engine import limits
from app.engine.code_sites import CodeSite, code_sites
from app.engine.compiler import ScriptRefused, compile_code

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
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
    ]
)
TASK_STATUSES = frozenset({"accepted", "transferred", "handling", "replied"})
CLOCKS = frozenset({"none", "sign", "handle", "revisit", "decision"})
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
    spec: object
    subprocess_specs: dict
    user_tasks: dict[str, UserTaskMeta] = field(default_factory=dict)


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


def _check_tree(file: str, root) -> None:
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


def _connect_loop_children(process_spec) -> None:
    """Wire each multi-instance task to its instances' completion, as SpiffWorkflow's own spec
    deserializer does. SpiffWorkflow otherwise connects it only when it creates the instances,
    so a case whose instances were created by another process (or before a restart) would never
    leave the multi-instance task after loading against a freshly compiled spec."""
    for task_spec in list(process_spec.task_specs.values()):
        if isinstance(task_spec, LoopTask):
            child = process_spec.task_specs[task_spec.task_spec]
            if not child.completed_event.is_connected(task_spec.merge_child):
                child.completed_event.connect(task_spec.merge_child)


def _check_code(parser, roots: dict) -> None:
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


def _locate(root, site: CodeSite, code_line: int | None) -> tuple[str, int | str]:
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
    roots = {}
    for name, xml in sorted(files.items()):
        data = xml.encode("utf-8")
        check_file_size(name, len(data))
        try:
            root = etree.fromstring(data, _XML_PARSER)
        except etree.XMLSyntaxError as exc:
            raise ProcessError(name, "", f"not well-formed XML: {exc}", exc.lineno or "") from exc
        roots[name] = root
        _check_tree(name, root)
        try:
            parser.add_bpmn_xml(root, filename=name)
        except ValidationException as exc:
            raise ProcessError(exc.file_name or name, exc.id, str(exc), exc.line_number) from exc
    try:
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
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
    return CompiledProcess(process_id, spec, subprocess_specs, user_tasks)
