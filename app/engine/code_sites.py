"""Every place a parsed diagram carries code SpiffWorkflow 3.2.0 will evaluate.

Found by reading SpiffWorkflow's parsers (bpmn/parser, spiff/parser) and the specs they build,
not from examples: each attribute below is set by a parser from diagram text and later passed to
the script engine (`evaluate`, `execute`, or `environment.evaluate` directly).

diagram construct -> spec attribute it lands on (mode)

- scriptTask/script -> ScriptTask.script (exec)
- extensionElements/spiffworkflow:preScript, :postScript on any task, subprocess, call
  activity, send or receive task -> SpiffBpmnTask.prescript, .postscript (exec)
- sequenceFlow/conditionExpression out of an exclusive or inclusive gateway
  -> MultiChoice.cond_task_specs (eval)
- multiInstanceLoopCharacteristics/loopCardinality -> MultiInstanceTask.cardinality (eval)
- multiInstanceLoopCharacteristics/completionCondition -> MultiInstanceTask.condition (eval)
- standardLoopCharacteristics/loopCondition -> StandardLoopTask.condition (eval)
- adHocSubProcess/completionCondition -> AdHocSubprocessSpec.completion_condition (eval)
- timerEventDefinition/timeDate, timeDuration, timeCycle -> TimerEventDefinition.expression
  (eval)
- conditionalEventDefinition/condition -> ConditionalEventDefinition.expression (eval)
- message event: spiffworkflow:messagePayload -> MessageEventDefinition.expression (eval)
- correlationPropertyRetrievalExpression/formalExpression and
  spiffworkflow:processVariableCorrelation/expression -> CorrelationProperty
  .retrieval_expression in correlation_properties / process_correlations (eval)
- signal, error, escalation: spiffworkflow:payloadExpression
  -> SpiffItemAwareEventDefinition.expression (eval)
- serviceTask: spiffworkflow:serviceTaskOperator/parameter@value
  -> ServiceTask.operation_params[name]["value"] (eval)
- businessRuleTask: the DMN decision's input expressions and entries -> DMNEngine (eval)

Not code: loopDataInputRef / loopDataOutputRef / inputDataItem / outputDataItem and data
references are variable names (read with `task.data[name]`); spiffworkflow:properties are
strings Minqing reads. DMN decisions are never loaded (only .bpmn files are deployed), so a
businessRuleTask cannot be built; if it could, its expressions would still go through the
sandbox at run time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.spiff.specs.event_definitions import SpiffItemAwareEventDefinition
from SpiffWorkflow.spiff.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask

EXEC, EVAL = "exec", "eval"


@dataclass(frozen=True)
class CodeSite:
    element_id: str  # the BPMN id of the task, gateway or event that carries the code
    what: str  # where in the element, as a designer would say it
    source: str
    mode: str  # EXEC (statements) or EVAL (one expression)
    target: str | None = None  # for a condition: the BPMN id its sequence flow leads to


def code_sites(process_spec: Any) -> Iterator[CodeSite]:
    if isinstance(process_spec, AdHocSubprocessSpec) and process_spec.completion_condition:
        yield CodeSite(
            process_spec.name, "completionCondition", process_spec.completion_condition, EVAL
        )
    for task_spec in process_spec.task_specs.values():
        yield from _task_sites(process_spec, task_spec)


def _task_sites(process_spec: Any, spec: Any) -> Iterator[CodeSite]:
    element = getattr(spec, "bpmn_id", None) or spec.name
    if isinstance(spec, ScriptTask):
        yield CodeSite(element, "script", spec.script or "", EXEC)
    if isinstance(spec, SpiffBpmnTask):
        if spec.prescript is not None:
            yield CodeSite(element, "preScript", spec.prescript, EXEC)
        if spec.postscript is not None:
            yield CodeSite(element, "postScript", spec.postscript, EXEC)
    if isinstance(spec, MultiChoice):
        for condition, target in spec.cond_task_specs:
            if condition is not None:
                target_spec = process_spec.task_specs.get(target)
                target_id = getattr(target_spec, "bpmn_id", None) or target
                yield CodeSite(element, "condition", condition.args[0] or "", EVAL, target_id)
    if isinstance(spec, MultiInstanceTask):
        if spec.cardinality is not None:
            yield CodeSite(element, "loopCardinality", spec.cardinality, EVAL)
        if spec.condition is not None:
            yield CodeSite(element, "completionCondition", spec.condition, EVAL)
    if isinstance(spec, StandardLoopTask) and spec.condition is not None:
        yield CodeSite(element, "loopCondition", spec.condition, EVAL)
    if isinstance(spec, ServiceTask):
        for name, param in (spec.operation_params or {}).items():
            yield CodeSite(element, f"service parameter '{name}'", param.get("value") or "", EVAL)
    event_definition = getattr(spec, "event_definition", None)
    if event_definition is not None:
        yield from _event_sites(element, event_definition)


def _event_sites(element: str, definition: Any) -> Iterator[CodeSite]:
    if isinstance(definition, MultipleEventDefinition):
        for inner in definition.event_definitions:
            yield from _event_sites(element, inner)
    if isinstance(definition, (TimerEventDefinition, ConditionalEventDefinition)):
        what = "condition" if isinstance(definition, ConditionalEventDefinition) else "timer"
        yield CodeSite(element, what, definition.expression or "", EVAL)
    if isinstance(definition, MessageEventDefinition):
        payload = getattr(definition, "expression", None)
        if payload is not None:
            yield CodeSite(element, "messagePayload", payload, EVAL)
        for prop in [
            *definition.correlation_properties,
            *getattr(definition, "process_correlations", []),
        ]:
            yield CodeSite(
                element, f"correlation '{prop.name}'", prop.retrieval_expression or "", EVAL
            )
    if isinstance(definition, SpiffItemAwareEventDefinition) and definition.expression:
        yield CodeSite(element, "payloadExpression", definition.expression, EVAL)
