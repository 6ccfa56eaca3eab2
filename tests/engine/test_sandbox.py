"""A diagram's code cannot reach outside task data, and cannot hang or exhaust a worker.

SITES lists every place SpiffWorkflow 3.2.0 takes code from a diagram (app/engine/code_sites.py
explains how they were found) and how a diagram carries code there. Each is fed hostile code:
what can be refused statically is refused at validate, with file, element id, line and reason;
what cannot is stopped at run time with a clean engine error. Over HTTP, a runaway gateway
condition answers our JSON error, leaves the case unchanged, and the next request is served.
"""

from __future__ import annotations

import time
from html import escape

import pytest
from lxml import etree
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from app import engine
from app.engine import limits
from app.engine.code_sites import code_sites
from app.engine.parsing import CompiledProcess
from app.engine.scripting import ScriptError, script_engine
from tests.conftest import snapshot
from tests.processes.test_deploy import cli, keep_versions, process_dir, refused  # noqa: F401

FILE = "sandbox.bpmn"
USER_TASK_PROPS = """<spiffworkflow:properties>
          <spiffworkflow:property name="dept" value="city_dept"/>
          <spiffworkflow:property name="status" value="accepted"/>
          <spiffworkflow:property name="clock" value="none"/>
        </spiffworkflow:properties>"""


def _flows(first: str = "x", last: str = "x") -> str:
    return f"""<bpmn:sequenceFlow id="f_in" sourceRef="start" targetRef="{first}"/>
    <bpmn:sequenceFlow id="f_out" sourceRef="{last}" targetRef="end"/>"""


# construct -> (mode, element whose id an error names, XML of the process body and of the
# definitions around it). "{code}" is where the diagram carries the code.
SITES: dict[str, tuple[str, str, str, str]] = {
    "scriptTask/script": (
        "exec",
        "x",
        '<bpmn:scriptTask id="x"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>' + _flows(),
        "",
    ),
    "spiffworkflow:preScript": (
        "exec",
        "x",
        f"""<bpmn:userTask id="x"><bpmn:extensionElements>{USER_TASK_PROPS}
        <spiffworkflow:preScript>{{code}}</spiffworkflow:preScript>
        </bpmn:extensionElements></bpmn:userTask>"""
        + _flows(),
        "",
    ),
    "spiffworkflow:postScript": (
        "exec",
        "x",
        f"""<bpmn:userTask id="x"><bpmn:extensionElements>{USER_TASK_PROPS}
        <spiffworkflow:postScript>{{code}}</spiffworkflow:postScript>
        </bpmn:extensionElements></bpmn:userTask>"""
        + _flows(),
        "",
    ),
    "sequenceFlow/conditionExpression": (
        "eval",
        "f_code",
        """<bpmn:exclusiveGateway id="x" default="f_default"/>
    <bpmn:sequenceFlow id="f_in" sourceRef="start" targetRef="x"/>
    <bpmn:sequenceFlow id="f_code" sourceRef="x" targetRef="end">
      <bpmn:conditionExpression>{code}</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_default" sourceRef="x" targetRef="end2"/>
    <bpmn:endEvent id="end2"/>""",
        "",
    ),
    "multiInstanceLoopCharacteristics/loopCardinality": (
        "eval",
        "x",
        """<bpmn:scriptTask id="x"><bpmn:multiInstanceLoopCharacteristics>
      <bpmn:loopCardinality>{code}</bpmn:loopCardinality>
      </bpmn:multiInstanceLoopCharacteristics><bpmn:script>y = 1</bpmn:script></bpmn:scriptTask>"""
        + _flows(),
        "",
    ),
    "multiInstanceLoopCharacteristics/completionCondition": (
        "eval",
        "x",
        """<bpmn:scriptTask id="x"><bpmn:multiInstanceLoopCharacteristics isSequential="true">
      <bpmn:loopCardinality>2</bpmn:loopCardinality>
      <bpmn:completionCondition>{code}</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics><bpmn:script>y = 1</bpmn:script></bpmn:scriptTask>"""
        + _flows(),
        "",
    ),
    "standardLoopCharacteristics/loopCondition": (
        "eval",
        "x",
        """<bpmn:scriptTask id="x"><bpmn:standardLoopCharacteristics loopMaximum="3">
      <bpmn:loopCondition>{code}</bpmn:loopCondition></bpmn:standardLoopCharacteristics>
      <bpmn:script>y = 1</bpmn:script></bpmn:scriptTask>"""
        + _flows(),
        "",
    ),
    "timerEventDefinition/timeDuration": (
        "eval",
        "x",
        """<bpmn:intermediateCatchEvent id="x"><bpmn:timerEventDefinition>
      <bpmn:timeDuration>{code}</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"""
        + _flows(),
        "",
    ),
    "conditionalEventDefinition/condition": (
        "eval",
        "x",
        """<bpmn:intermediateCatchEvent id="x"><bpmn:conditionalEventDefinition>
      <bpmn:condition>{code}</bpmn:condition>
      </bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>"""
        + _flows(),
        "",
    ),
    "messageEventDefinition/spiffworkflow:messagePayload": (
        "eval",
        "x",
        """<bpmn:intermediateThrowEvent id="x"><bpmn:messageEventDefinition messageRef="m">
      <bpmn:extensionElements>
      <spiffworkflow:messagePayload>{code}</spiffworkflow:messagePayload>
      </bpmn:extensionElements></bpmn:messageEventDefinition></bpmn:intermediateThrowEvent>"""
        + _flows(),
        '<bpmn:message id="m" name="m"/>',
    ),
    "signal: spiffworkflow:payloadExpression": (
        "eval",
        "x",
        """<bpmn:intermediateThrowEvent id="x">
      <bpmn:signalEventDefinition signalRef="s"/></bpmn:intermediateThrowEvent>"""
        + _flows(),
        """<bpmn:signal id="s" name="s"><bpmn:extensionElements>
      <spiffworkflow:payloadExpression>{code}</spiffworkflow:payloadExpression>
      </bpmn:extensionElements></bpmn:signal>""",
    ),
    "serviceTask: spiffworkflow:parameter/@value": (
        "eval",
        "x",
        """<bpmn:serviceTask id="x"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="op"><spiffworkflow:parameters>
      <spiffworkflow:parameter id="p" type="str" value="{attr_code}"/>
      </spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements></bpmn:serviceTask>"""
        + _flows(),
        "",
    ),
    "adHocSubProcess/completionCondition": (
        "eval",
        "x",
        """<bpmn:adHocSubProcess id="x"><bpmn:task id="inner"/>
      <bpmn:completionCondition>{code}</bpmn:completionCondition></bpmn:adHocSubProcess>"""
        + _flows(),
        "",
    ),
    "correlationPropertyRetrievalExpression/formalExpression": (
        "eval",
        "x",
        """<bpmn:intermediateThrowEvent id="x">
      <bpmn:messageEventDefinition messageRef="m"/></bpmn:intermediateThrowEvent>"""
        + _flows(),
        """<bpmn:message id="m" name="m"/>
  <bpmn:correlationProperty id="cp" name="cp">
    <bpmn:correlationPropertyRetrievalExpression messageRef="m">
      <bpmn:formalExpression>{code}</bpmn:formalExpression>
    </bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>""",
    ),
}
# Where the engine runs the code in a test below (the others are reached only through
# constructs Minqing does not run; their code is still checked at validate).
RUNNABLE = list(SITES)[:11]


def diagram(construct: str, code: str) -> str:
    _, _, body, around = SITES[construct]
    fill = {"code": escape(code, quote=False), "attr_code": escape(code, quote=True)}
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="d" targetNamespace="http://minqing.example/bpmn/tests">
  {around.format(**fill)}
  <bpmn:process id="sandbox" isExecutable="true">
    <bpmn:startEvent id="start"/>
    {body.format(**fill)}
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def raw_spec(xml: str):
    """The parsed process, past Minqing's construct allow-list (which refuses most SITES)."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(etree.fromstring(xml.encode()), filename=FILE)
    return parser.get_spec("sandbox"), parser.get_subprocess_specs("sandbox"), parser


# Code that would reach outside task data or blow up in one C call; each is refused at validate.
HOSTILE_EXPRESSIONS = [
    ("__import__('os').system('id')", "the name '__import__' is not allowed"),
    ("().__class__.__bases__[0].__subclasses__()", "access to '__class__' is not allowed"),
    ("'{0.__class__}'.format(1)", "the attribute 'format' is not available"),
    ("'{x}'.format_map(case)", "the attribute 'format_map' is not available"),
    ("(x for x in ()).gi_frame.f_globals", "'gi_frame' is not available"),
    ("type(1).mro()", "'type' is not available"),
    ("getattr(1, 'real')", "'getattr' is not available"),
    ("vars()", "'vars' is not available"),
    ("globals()['x']", "'globals' is not available"),
    ("[].__class__", "access to '__class__' is not allowed"),
    ("dict.mro()", "the attribute 'mro' is not available"),
    ("open('/etc/passwd').read()", "'open' is not available"),
    ("eval('1')", "'eval' is not available"),
    ("compile('1', 'f', 'eval')", "'compile' is not available"),
    ("'x'.ljust(10**10)", "the attribute 'ljust' is not available"),
    ("'x' * 10**10", "would hold 10,000,000,000 bytes"),
    ("10**10**8", "an integer would hold"),
    ("1 << 10**9", "an integer would hold"),
    ("[0] * 10**9", "a list would hold 1,000,000,000 items"),
    ("'%s' % 1", "%-formatting of strings is not allowed"),
    ("f'{1:>99999999}'", "format specs may ask for at most"),
    ("f'{1:>{n}}'", "format specs must be constants"),
]
HOSTILE_STATEMENTS = [
    ("import os", "imports are not allowed"),
    ("from os import system", "imports are not allowed"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "try statements are not allowed"),
    ("with x:\n    pass", "with statements are not allowed"),
    ("class A:\n    pass", "ClassDef is not allowed"),
    ("f = lambda: 1", "Lambda is not allowed"),
    ("def f():\n    global x\n    x = 1", "Global is not allowed"),
    ("x = 1\ny = (x for x in ()).gi_code", "line 2"),
]


def hostile(mode: str):
    return HOSTILE_EXPRESSIONS + (HOSTILE_STATEMENTS if mode == "exec" else [])


@pytest.mark.parametrize("construct", list(SITES))
def test_every_place_a_diagram_carries_code_is_checked_at_validate(construct):
    mode, element, _, _ = SITES[construct]
    marker = "sandbox_marker == 1"
    # The walk of the parsed spec finds the code where SpiffWorkflow put it.
    spec, subprocesses, parser = raw_spec(diagram(construct, marker))
    found = [
        site
        for pid in parser.process_parsers
        for site in code_sites(parser.get_spec(pid))
        if site.source.strip() == marker
    ]
    assert [site.mode for site in found] == [mode], construct

    for code, reason in hostile(mode):
        # Refused by the compiler the deploy check and the sandbox share...
        with pytest.raises(engine.ProcessError) as err:
            engine.compile_process({FILE: diagram(construct, code)}, "sandbox")
        assert err.value.file == FILE
        if construct in RUNNABLE[:4]:
            # ...with the element, the line in the file and the reason (constructs Minqing
            # runs; the others are refused first as constructs it does not run).
            assert err.value.element_id == element, (construct, code, str(err.value))
            assert isinstance(err.value.line, int) and err.value.line > 0
            assert reason in err.value.reason, (construct, code, str(err.value))
        with pytest.raises(ScriptError) as err:
            getattr(script_engine.environment, "evaluate" if mode == "eval" else "execute")(
                code, {"n": 5, "x": 1, "case": {}}
            )
        assert reason in str(err.value) or construct not in RUNNABLE[:4]


def test_a_refusal_names_the_line_of_the_file():
    xml = diagram("scriptTask/script", "a = 1\nb = 2\nimport os")
    with pytest.raises(engine.ProcessError) as err:
        engine.compile_process({FILE: xml}, "sandbox")
    script_line = next(i for i, t in enumerate(xml.splitlines(), 1) if "<bpmn:script>" in t)
    assert (err.value.element_id, err.value.line) == ("x", script_line + 2)
    assert err.value.reason == "script line 3: imports are not allowed in scripts"
    assert str(err.value).startswith(f"{FILE}:{script_line + 2} [x]: ")


# -- run time ---------------------------------------------------------------------------------


@pytest.fixture
def quick_limit():
    """A 0.2 s time limit for the engine (the app's own setting is applied at each step)."""
    saved = limits.current()
    limits.configure(time_seconds=0.2)
    yield 0.2
    limits.configure(saved.time_seconds, saved.memory_bytes / limits.MB)


def run_raw(construct: str, code: str, data: dict) -> None:
    """Run the diagram as the engine does, past the construct allow-list."""
    spec, subprocesses, _ = raw_spec(diagram(construct, code))
    process = CompiledProcess("sandbox", spec, subprocesses)
    workflow = engine.start(process, data)
    for task in workflow.get_tasks(state=TaskState.READY):
        if task.task_spec.manual:  # the user task whose postScript runs when it completes
            engine.complete(workflow, str(task.id), {})


# Code that passes the static check and is stopped when it runs (n = 10 in task data).
RUNTIME_HOSTILE = [
    ("sum.count", "script_error", "may not use the attribute 'count' of a function"),
    ("str.upper('x')", "script_error", "may not use the attribute 'upper'"),
    ("'x' * n ** n", "script_limit_exceeded", "a str would hold 10,000,000,000 bytes"),
    ("list(range(n ** n))", "script_limit_exceeded", "10,000,000,000 items"),
    ("n ** n ** n", "script_limit_exceeded", "an integer would hold"),
    ("', '.join(['a' * 1000] * 10000)", "script_limit_exceeded", "a str would hold"),
    ("str([[[0] * 1000] * 1000] * 1000)", "script_limit_exceeded", "longer than the limit"),
    ("round(5, -10 ** 9)", "script_error", "round() takes at most 400 digits"),
    ("sum([[1]] * 10, [])", "script_error", "sum() adds numbers only"),
    ("sum(1 for i in range(10**6) for j in range(10**6))", "script_limit_exceeded", "time"),
]


@pytest.mark.parametrize("construct", RUNNABLE)
def test_every_place_stops_hostile_code_at_run_time(construct, quick_limit):
    mode, element, _, _ = SITES[construct]
    cases = RUNTIME_HOSTILE + (
        [
            ("while True:\n    pass", "script_limit_exceeded", "time limit (0.2 s)"),
            ("x = {1, 2}", "script_error", "'x' holds a value of type set"),
            ("x = [1]\nx.append(x)", "script_error", "a value that contains itself"),
        ]
        if mode == "exec"
        else []
    )
    for code, expected_code, reason in cases:
        if mode == "exec" and "\n" not in code and "=" not in code.split("(")[0]:
            code = f"value = {code}"
        started = time.monotonic()
        with pytest.raises(engine.EngineError) as err:
            run_raw(construct, code, {"n": 10})
        assert time.monotonic() - started < 1.5, (construct, code)
        assert err.value.code == expected_code, (construct, code, str(err.value))
        assert reason in err.value.reason, (construct, code, str(err.value))
        assert err.value.element_id == "x", (construct, code, str(err.value))


@pytest.mark.parametrize(
    "script",
    [
        "while True:\n    pass",
        # A loop whose body compiles to nothing jumps to its own line: no line event fires.
        "while True: pass",
        "while 1: ...",
        "while not False: 0",
        "def f(n):\n    return n if n < 2 else f(n - 1) + f(n - 2)\nx = f(100)",
        "def g():\n    while True:\n        yield 1\nx = sum(g())",
        "x = sum(1 for i in range(10**6) for j in range(10**6))",
        "x = max(i * j for i in range(10**6) for j in range(10**6))",
    ],
)
def test_runaway_code_stops_at_the_time_limit(script, quick_limit):
    started = time.monotonic()
    with pytest.raises(ScriptError) as err:
        script_engine.environment.execute(script, {})
    elapsed = time.monotonic() - started
    assert err.value.code == "script_limit_exceeded"
    assert "longer than the time limit (0.2 s)" in err.value.reason
    assert 0.2 <= elapsed < 0.5
    assert err.value.line is not None


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ("n = 10\nx = 'x' * n ** n", "a str would hold 10,000,000,000 bytes"),
        ("s = 'x'\nwhile True:\n    s = s + s", "a str would hold 2,097,152 bytes"),
        ("l = [0]\nwhile True:\n    l = l + l", "a list would hold 2,097,152 items"),
        ("l = [0]\nwhile True:\n    l.extend(l)", "the result would hold 2,097,152 items"),
        ("n = 10\nx = n ** n ** 8", "an integer would hold"),
        ("n = 10\nx = list(range(n ** n))", "10,000,000,000 items"),
        ("s = 'ab' * 400000\nt = s.replace('a', 'aaaa')", "a str would hold 2,000,000 bytes"),
        ("l = []\nwhile True:\n    l.append('x' * 1000000)", "past the memory limit (64 MB)"),
        ("l = []\nwhile True:\n    l.append(list(range(100000)))", "past the memory limit"),
    ],
)
def test_allocation_past_the_limits_is_stopped(script, reason):
    with pytest.raises(ScriptError) as err:
        script_engine.environment.execute(script, {})
    assert err.value.code == "script_limit_exceeded"
    assert reason in err.value.reason


def test_harmless_scripts_run_and_leave_storable_task_data():
    data = {"outcome": "approved", "co_depts": {"31": "a"}, "n": 2}
    script_engine.environment.execute(
        "total = sum(sorted([3, 1, 2])) + len(str(max(1, 2)))\n"
        "names = ', '.join(sorted(co_depts.keys())).upper()\n"
        "n += 1\n"
        "counts = {k: len(v) for k, v in co_depts.items()}\n"
        "counts['extra'] = 0\n"
        "label = f'{outcome:>10}|{n:03d}'\n"
        "def double(v):\n    return v * 2\n"
        "doubled = [double(i) for i in range(3)]\n",
        data,
    )
    assert data["total"] == 7 and data["names"] == "31" and data["n"] == 3
    assert data["counts"] == {"31": 1, "extra": 0}
    assert data["label"] == "  approved|003" and data["doubled"] == [0, 2, 4]
    assert "double" not in data and "__builtins__" not in data
    assert script_engine.environment.evaluate("outcome == 'approved' and n > 2", data) is True


def test_the_tracer_is_only_on_while_code_runs():
    import sys

    def outer(frame, event, arg):
        return None

    sys.settrace(outer)
    try:
        with pytest.raises(ScriptError):
            script_engine.environment.execute("x = open", {})
        script_engine.environment.evaluate("1 + 1", {})
        assert sys.gettrace() is outer
    finally:
        sys.settrace(None)


def test_entities_do_not_pull_files_into_a_diagram():
    xml = diagram("scriptTask/script", "x = '&e;'").replace("&amp;e;", "&e;")
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n',
    )
    with pytest.raises(engine.ProcessError) as err:
        engine.compile_process({FILE: xml}, "sandbox")
    assert "root" not in str(err.value) and "entity" in str(err.value)


def test_process_file_over_the_size_limit_is_refused():
    saved = limits.current()
    limits.configure(process_file_max_bytes=200)
    try:
        with pytest.raises(engine.ProcessError) as err:
            engine.compile_process({FILE: diagram("scriptTask/script", "x = 1")}, "sandbox")
    finally:
        limits.configure(process_file_max_bytes=saved.process_file_max_bytes)
    assert err.value.file == FILE
    assert "larger than the limit of 200 bytes" in err.value.reason


def test_process_file_size_limit_at_validate_and_deploy(app, cli, tmp_path):  # noqa: F811
    app.config["PROCESS_FILE_MAX_BYTES"] = 100_000
    big = tmp_path / "big.bpmn"
    big.write_text(
        diagram("scriptTask/script", "x = 1").replace(
            "<bpmn:process", "<!--" + "x" * 100_000 + "-->\n  <bpmn:process"
        ),
        encoding="utf-8",
    )
    refused(cli, process_dir(tmp_path, extra=[big]), "big.bpmn", "larger than the limit")


# -- over HTTP --------------------------------------------------------------------------------


def runaway_sign_gateway(xml: str) -> str:
    changed = xml.replace(
        "<bpmn:conditionExpression>outcome == 'recalled'</bpmn:conditionExpression>",
        "<bpmn:conditionExpression>outcome == 'recalled' or "
        "sum(1 for i in range(10**6) for j in range(10**6)) &lt; 0</bpmn:conditionExpression>",
    )
    assert changed != xml
    return changed


def test_runaway_condition_answers_our_error_and_changes_nothing(
    app,
    api,
    dept,
    cli,  # noqa: F811
    tmp_path,
):
    result = cli("deploy", "--dir", process_dir(tmp_path, edit=runaway_sign_gateway))
    assert result.exit_code == 0, result.output
    case_id = api.create()["id"]
    api.act(case_id, "transfer", "dispatcher", target_department_id=dept("urban"))
    app.config["SCRIPT_TIME_LIMIT_SECONDS"] = 0.2
    before = snapshot()

    started = time.monotonic()
    body = api.act(case_id, "sign", "urban_handler", expect=422)
    assert time.monotonic() - started < 2
    assert body["code"] == "script_limit_exceeded"
    assert set(body["message"]) == {"zh", "en"}
    assert body["details"]["element_id"] == "gw_signed"
    assert "time limit (0.2 s)" in body["details"]["reason"]
    assert snapshot() == before

    # The worker serves the next requests: a read, and a new case through the same diagram.
    assert api.get(case_id)["status"]["status"] == "transferred"
    assert api.create()["id"] != case_id
