# SPDX-License-Identifier: GPL-2.0-or-later
"""units.parse_size must mean exactly what blivet's Size means, but insist on a unit."""
import pytest
from blivet.size import Size

from org_ovirt_node.units import (
    GiB,
    MiB,
    SizeError,
    TiB,
    decimal_note,
    format_size,
    parse_size,
)

IEC = ["1 B", "512 B", "1 KiB", "4 KiB", "1 MiB", "1100 MiB", "1100MiB", "6 GiB", "1.5 GiB",
       "0.5 MiB", "2 TiB", "1 PiB", "1 EiB", "7 mib", "6 gib", "  6 GiB  "]
SI = ["1 kB", "1 KB", "1 MB", "7 mb", "6 GB", "6GB", "2 TB", "1 PB", "1 EB", "1.5 GB"]
BARE = ["1 K", "1k", "1 M", "6 G", "6 g", "3 t", "1 P", "1 E", "10 b"]


@pytest.mark.parametrize("text", IEC + SI + BARE)
def test_parse_size_matches_blivet(text):
    assert parse_size(text) == int(Size(text))


def test_iec_and_si_keep_their_meaning():
    assert parse_size("1 GiB") == 1024 ** 3 == GiB
    assert parse_size("1 GB") == 1000 ** 3
    assert parse_size("1 G") == GiB          # the bare letter is binary, as in blivet
    assert parse_size("1 TiB") == TiB
    assert parse_size("1 MiB") == MiB
    assert parse_size("1 TB") != parse_size("1 TiB")


@pytest.mark.parametrize("text", ["6", "6.5", " 42 ", "-6", "0"])
def test_bare_numbers_are_refused(text):
    with pytest.raises(SizeError, match="needs a unit"):
        parse_size(text)


@pytest.mark.parametrize("text", ["6 GiBs", "6 XB", "6 Gi", "6 gigabytes", "6 iB", "6 bytes"])
def test_unknown_units_are_refused(text):
    with pytest.raises(SizeError, match="unknown unit"):
        parse_size(text)


@pytest.mark.parametrize("text", ["-1 GiB", "- 1 GiB", "-0.5 MiB"])
def test_negative_sizes_are_refused(text):
    with pytest.raises(SizeError):
        parse_size(text)


@pytest.mark.parametrize("value", ["", "GiB", "1..5 GiB", "1 GiB 2", "1,5 GiB", "1e3 MiB",
                                   "0x10 MiB", None, 6, 6.0, True, ["6 GiB"]])
def test_malformed_values_are_refused(value):
    with pytest.raises(SizeError):
        parse_size(value)


def test_size_error_is_a_value_error():
    assert issubclass(SizeError, ValueError)


@pytest.mark.parametrize("value, text", [
    (0, "0 B"), (1, "1 B"), (1023, "1023 B"), (1024, "1 KiB"), (1536, "1.5 KiB"),
    (MiB, "1 MiB"), (1100 * MiB, "1.07 GiB"), (6 * GiB, "6 GiB"), (GiB + GiB // 4, "1.25 GiB"),
    (2 * TiB, "2 TiB"), (1024 * TiB, "1 PiB"), (-2 * GiB, "-2 GiB"), (None, "?"),
    (10 ** 9, "953.67 MiB"),
])
def test_format_size(value, text):
    assert format_size(value) == text


def test_format_size_precision():
    assert format_size(GiB + GiB // 3, precision=1) == "1.3 GiB"
    assert format_size(GiB + GiB // 3, precision=0) == "1 GiB"


@pytest.mark.parametrize("value", [1, 1024, 6 * GiB, 1536 * MiB, 2 * TiB])
def test_format_size_round_trips_exact_values(value):
    assert parse_size(format_size(value)) == value


# --- hostile sizes (issue 9) ----------------------------------------------------------------
@pytest.mark.parametrize("value, text", [
    (1024 ** 6, "1 EiB"), (8 * 1024 ** 6, "8 EiB"), (2 ** 64, "16 EiB"),
    (999000 * 1024 ** 6, "999000 EiB"), (-(2 ** 64), "-16 EiB"),
])
def test_format_size_of_huge_sizes(value, text):
    assert format_size(value) == text


@pytest.mark.parametrize("exponent", [70, 100, 200, 1100, 20000, 100000])
def test_format_size_never_overflows(exponent):
    """Any int renders (float division overflows at 2**1024; str() of an int refuses more than
    4300 digits): in EiB, in scientific notation beyond a million EiB."""
    text = format_size(2 ** exponent)
    assert text.endswith(" EiB") and len(text) < 40
    assert format_size(-(2 ** exponent)).startswith("-")


@pytest.mark.parametrize("value", [float("inf"), float("nan"), "x", object()])
def test_format_size_of_a_non_number(value):
    assert format_size(value) == "?"


def test_format_size_scientific_value():
    assert format_size(10 ** 30 * 1024 ** 6) == "1e+30 EiB"
    assert format_size(2 ** 200) == "1.39e+42 EiB"


def test_parse_size_refuses_absurdly_long_text():
    with pytest.raises(SizeError, match="too long"):
        parse_size("1" * 100000 + " GiB")


@pytest.mark.parametrize("text,size", [("10gb", "9.31 GiB"), ("10GB", "9.31 GiB"),
                                       ("1.5 TB", "1.36 TiB"), ("500 MB", "476.84 MiB")])
def test_decimal_units_get_a_note_with_their_binary_value(text, size):
    note = decimal_note(text)
    assert size in note and "decimal" in note
    number, unit = text.replace(" ", "")[:-2], text[-2].upper()
    assert "'%s %siB'" % (number, unit) in note


@pytest.mark.parametrize("text", ["10 GiB", "10G", "10 g", "10 B", "10", "ten GB", None])
def test_binary_units_and_non_sizes_get_no_note(text):
    assert decimal_note(text) is None


def test_the_unit_list_names_the_short_forms():
    with pytest.raises(SizeError) as exc:
        parse_size("10 XB")
    assert "K, M, G, T, P" in str(exc.value) and "GiB" in str(exc.value)
    assert parse_size("10 g") == parse_size("10 GiB")     # a short form, binary
