"""The only package that imports SpiffWorkflow.

Everything else talks to the engine through `compile_process`, `start`, `load`, `complete`,
`dump` and the plain `ReadyTask` records they return (`path_taken`: the elements a case's
workflow went through, for its diagram); `configure_limits` sets the sandbox's
limits (scripting.py runs every piece of a diagram's code in it).
"""

from app.engine.limits import configure as configure_limits
from app.engine.parsing import CompiledProcess, ProcessError, compile_process
from app.engine.path import PathTaken, path_taken
from app.engine.runner import (
    EngineError,
    ReadyTask,
    TaskNotReady,
    Workflow,
    complete,
    current_data,
    dump,
    is_completed,
    load,
    ready_tasks,
    start,
    task_data,
)
from app.engine.state import SERIALIZER_VERSION, state_copier

__all__ = [
    "SERIALIZER_VERSION",
    "CompiledProcess",
    "EngineError",
    "PathTaken",
    "ProcessError",
    "ReadyTask",
    "TaskNotReady",
    "Workflow",
    "compile_process",
    "complete",
    "current_data",
    "configure_limits",
    "dump",
    "is_completed",
    "load",
    "path_taken",
    "ready_tasks",
    "start",
    "state_copier",
    "task_data",
]
