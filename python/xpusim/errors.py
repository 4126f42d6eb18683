"""Exceptions raised by xpusim.

Every error about the input is an ``xpusim.Error``; ``ConfigError`` (a config or trace file is wrong)
carries where: ``file``, ``line``, ``column`` and the dotted ``key`` (e.g. ``chip.hbm.bandwidth``), and
its message starts with ``file:line:column: key:`` as the command line prints it.
"""


class Error(Exception):
    """Base class of xpusim's errors. file, line, column and key are None when unknown."""

    file = None
    line = None
    column = None
    key = None


class ConfigError(Error, ValueError):
    """A config or trace file is wrong (file, line, column and key say where)."""


class InputError(Error, ValueError):
    """Another input is wrong: an option value, a unit, a missing file, a malformed op."""


class SimulationError(Error, RuntimeError):
    """The input cannot be simulated (e.g. a deadlock in a trace)."""


class InternalError(Error, RuntimeError):
    """A bug in xpusim."""
