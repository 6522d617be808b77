# SPDX-License-Identifier: GPL-2.0-or-later
from dasbus.structure import DBusData
from dasbus.typing import List, Str, UInt32

__all__ = ["KickstartMessage", "KickstartReport"]


class KickstartMessage(DBusData):
    def __init__(self):
        self._module_name = ""
        self._file_name = ""
        self._line_number = 0
        self._message = ""

    @property
    def module_name(self) -> Str:
        return self._module_name

    @module_name.setter
    def module_name(self, value: Str):
        self._module_name = value

    @property
    def file_name(self) -> Str:
        return self._file_name

    @file_name.setter
    def file_name(self, value: Str):
        self._file_name = value

    @property
    def line_number(self) -> UInt32:
        return UInt32(self._line_number)

    @line_number.setter
    def line_number(self, value: UInt32):
        self._line_number = value

    @property
    def message(self) -> Str:
        return self._message

    @message.setter
    def message(self, value: Str):
        self._message = value

    @classmethod
    def for_error(cls, e):
        data = cls()
        data.message = e.message
        data.line_number = e.lineno or 0
        return data

    @classmethod
    def for_warning(cls, warn_msg):
        data = cls()
        data.message = warn_msg
        return data


class KickstartReport(DBusData):
    def __init__(self):
        self._error_messages = []
        self._warning_messages = []

    def is_valid(self):
        return not self._error_messages

    @property
    def error_messages(self) -> List[KickstartMessage]:
        return self._error_messages

    @error_messages.setter
    def error_messages(self, messages: List[KickstartMessage]):
        self._error_messages = list(messages)

    @property
    def warning_messages(self) -> List[KickstartMessage]:
        return self._warning_messages

    @warning_messages.setter
    def warning_messages(self, messages: List[KickstartMessage]):
        self._warning_messages = list(messages)
