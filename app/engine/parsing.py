"""Parse and check BPMN files; compile a deployed version once and keep it in memory.

A file is refused with its name, the element id and the reason when it is not valid BPMN,
uses a construct outside the set Minqing runs and tests (SUPPORTED_TAGS), has a script the
restricted engine would not run, or a user task without the properties the inbox needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from app.engine.scripting import ScriptRefused, check_script

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
    for script in root.iterfind(".//bpmn:scriptTask", NS):
        body = script.findtext("bpmn:script", default="", namespaces=NS)
        try:
            check_script(body)
        except ScriptRefused as exc:
            raise ProcessError(file, script.get("id", ""), str(exc), script.sourceline) from exc
    for flow in root.iterfind(".//bpmn:sequenceFlow", NS):
        cond = flow.findtext("bpmn:conditionExpression", default=None, namespaces=NS)
        if cond is not None:
            try:
                check_script(cond)
            except ScriptRefused as exc:
                raise ProcessError(file, flow.get("id", ""), str(exc), flow.sourceline) from exc
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


def compile_process(files: dict[str, str], process_id: str) -> CompiledProcess:
    """Validate every file and build the executable spec of `process_id`."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, xml in sorted(files.items()):
        try:
            root = etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise ProcessError(name, "", f"not well-formed XML: {exc}", exc.lineno or "") from exc
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
