"""The ID-card reader driver against the mock reader over a pty, and its parser under fuzzing."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from drivers import samv
from drivers.idcard import (Card, IdCardChecksumError, IdCardError, IdCardFrameError, IdCardReader,
                            IdCardStatusError, IdCardTimeout, card_from_answer, parse_answer)
from drivers.mock.idcard import MockIdCardReader, load_cards, read_answer

# The reference's worked example (../shared/devices/idcard-3001-example.bin), kept with the tests.
EXAMPLE = Path(__file__).resolve().parent / "fixtures" / "idcard-3001-example.bin"


@pytest.fixture
def mock():
    m = MockIdCardReader()
    yield m
    m.close()


@pytest.fixture
def reader(mock):
    r = IdCardReader(mock.path, find_timeout=0.3, read_timeout=1.0)
    yield r
    r.close()


def test_frames_match_the_reference():
    assert samv.request(samv.FIND).hex(" ") == "aa aa aa 96 69 00 03 20 01 22"
    assert samv.request(samv.READ).hex(" ") == "aa aa aa 96 69 00 03 30 01 32"
    assert samv.request((0x61, 0xFF), b"\x50").hex(" ") == "aa aa aa 96 69 00 04 61 ff 50 ca"
    assert samv.answer(samv.FOUND, bytes(4)).hex(" ") == "aa aa aa 96 69 00 08 00 00 9f 00 00 00 00 97"
    assert samv.answer(0x80).hex(" ") == "aa aa aa 96 69 00 04 00 00 80 84"


def test_the_reference_example_frame_parses(mock):
    raw = EXAMPLE.read_bytes()
    card = parse_answer(raw)
    assert (card.name, card.sex, card.nation, card.birth_date) == ("张三", "男", "汉", date(1958, 3, 14))
    assert card.address == "北京市东城区示例路1号" and card.id_number == "110101195803140016"
    assert card.issuer == "北京市公安局东城分局" and card.valid_from == date(2010, 3, 14)
    assert card.valid_to == "长期" and card.long_term and card.card_type == "resident"
    # The mock builds the very same bytes for the same person.
    assert samv.answer(samv.OK, read_answer(load_cards()[0]))[:270] == raw[:270]


def test_no_card_is_none(reader, mock):
    assert reader.read_card() is None
    mock.place(0)
    mock.remove()
    assert reader.read_card() is None


@pytest.mark.parametrize("index,expect", [
    (0, {"name": "张三", "nation": "汉", "valid_to": "长期", "card_type": "resident"}),
    (1, {"name": "古丽米拉", "sex": "女", "nation": "维吾尔", "valid_to": date(2027, 6, 21)}),
    (3, {"name": "王秀英", "birth_date": date(1948, 9, 7), "valid_to": "长期"}),
    (4, {"name": "陈大文", "card_type": "hk_mo_tw_permit", "nation": None,
         "id_number": "810000199005120151"}),
    (5, {"name": "史密斯", "card_type": "foreign_permanent_2017", "id_number": "USA110085010106",
         "birth_date": date(1985, 1, 1)}),
    (6, {"name": "玛丽", "card_type": "foreign_permanent_2023", "sex": "女"}),
])
def test_reads_several_cards(reader, mock, index, expect):
    mock.place(index)
    card = reader.read_card()
    assert isinstance(card, Card)
    for key, value in expect.items():
        assert card[key] == value, key
    assert mock.requests[-3:] == [samv.FIND, samv.SELECT, samv.READ]


def test_extra_fields_of_other_card_kinds(reader, mock):
    mock.place(4)
    assert reader.read_card().extra == {"pass_number": "H12345678", "issue_count": "01"}
    mock.place(5)
    extra = reader.read_card().extra
    assert extra["english_name"] == "SMITH, JOHN" and extra["nationality"] == "USA"


def test_card_repr_never_shows_the_number():
    card = parse_answer(EXAMPLE.read_bytes())
    assert "110101" not in repr(card) and "北京" not in repr(card) and "三" not in repr(card)


@pytest.mark.parametrize("fault,on,error", [
    ("garble", "read", IdCardFrameError),
    ("badsum", "find", IdCardChecksumError),
    ("badsum", "read", IdCardChecksumError),
    ("truncate", "read", IdCardFrameError),
    ("status:41", "read", IdCardStatusError),
    ("status:60", "find", IdCardStatusError),
    ("silent", "find", IdCardTimeout),
    ("silent", "read", IdCardTimeout),
])
def test_faults_raise_the_right_error_within_the_timeout(reader, mock, fault, on, error):
    mock.place(0)
    mock.inject(fault, on=on)
    start = time.monotonic()
    with pytest.raises(error) as e:
        reader.read_card()
    elapsed = time.monotonic() - start
    assert elapsed < (reader.read_timeout if on == "read" else reader.find_timeout) + 0.5
    assert isinstance(e.value, IdCardError) and e.value.code.startswith("reader_")
    # The reader recovers: the next read works.
    assert reader.read_card().name == "张三"


def test_a_bad_check_digit_is_refused(mock, reader):
    card = dict(load_cards()[0], id_number="110101195803140017")
    mock.place(card)
    with pytest.raises(IdCardError) as e:
        reader.read_card()
    assert e.value.code == "reader_bad_data"


def test_a_missing_port_is_an_idcard_error():
    with pytest.raises(IdCardError) as e:
        IdCardReader("/dev/does-not-exist").read_card()
    assert e.value.code == "reader_offline"


def test_a_full_cycle_takes_about_the_line_time(mock, reader):
    """At 115200 baud the 1,329 answer bytes need 115 ms on the line; the driver adds little."""
    mock.place(0)
    reader.read_card()
    start = time.perf_counter()
    reader.read_card()
    elapsed = time.perf_counter() - start
    assert 0.10 < elapsed < 1.0


# --- fuzzing the parser ---------------------------------------------------------------
VALID = [samv.answer(samv.OK, read_answer(c)) for c in load_cards()] + [EXAMPLE.read_bytes()]


@st.composite
def mutated(draw):
    frame = bytearray(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "len", "text", "fix"]))
        if kind == "flip" and frame:
            i = draw(st.integers(0, len(frame) - 1))
            frame[i] = draw(st.integers(0, 255))
        elif kind == "cut":
            frame = frame[:draw(st.integers(0, len(frame)))]
        elif kind == "insert":
            i = draw(st.integers(0, len(frame)))
            frame[i:i] = draw(st.binary(max_size=8))
        elif kind == "len" and len(frame) > 7:
            frame[5:7] = draw(st.integers(0, 0xFFFF)).to_bytes(2, "big")
        elif kind == "text" and len(frame) > 270:
            i = draw(st.integers(14, 269))
            frame[i] = draw(st.integers(0, 255))
        elif kind == "fix" and len(frame) > 7:     # a "valid" checksum over broken content
            frame[-1] = samv.xor(bytes(frame[5:-1]))
    return bytes(frame)


@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(st.one_of(st.binary(max_size=1400), mutated()))
def test_parser_raises_only_idcard_errors(raw):
    try:
        card = parse_answer(raw)
    except IdCardError:
        return
    assert isinstance(card, Card)
