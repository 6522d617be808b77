# SPDX-License-Identifier: GPL-2.0-or-later
"""Double of ``pyanaconda.modules.common.structures.validation``."""
from dasbus.structure import DBusData
from dasbus.typing import List, Str

__all__ = ["ValidationReport"]


class ValidationReport(DBusData):
    """Errors and warnings of a storage validation; valid without errors."""

    def __init__(self):
        self._error_messages = []
        self._warning_messages = []

    def is_valid(self):
        return not self._error_messages

    def get_messages(self):
        return self.error_messages + self.warning_messages

    @property
    def error_messages(self) -> List[Str]:
        return self._error_messages

    @error_messages.setter
    def error_messages(self, messages: List[Str]):
        self._error_messages = list(messages)

    @property
    def warning_messages(self) -> List[Str]:
        return self._warning_messages

    @warning_messages.setter
    def warning_messages(self, messages: List[Str]):
        self._warning_messages = list(messages)
