"""Encoding detection and width normalisation (extract.decode)."""

from __future__ import annotations

import codecs
import os

import chardet
import pytest

from extract.decode import DecodeError, decode_bytes, normalise_width

TEXT = (
    "区应急管理局2020年政府信息公开工作年度报告\n"
    "一、本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |\n"
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 1 | 0 |\n"
    "本报告所列数据的统计期限自2020年1月1日起至2020年12月31日止。\n"
) * 4


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gb18030", "gb18030"),
        ("gbk", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-16-be", "utf-16-be"),
    ],
)
def test_every_encoding_round_trips(encoding: str, reported: str) -> None:
    decoded = decode_bytes(TEXT.encode(encoding))
    assert decoded.text == TEXT
    assert decoded.encoding == reported


def test_big5_is_read_and_turned_into_simplified_characters() -> None:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(TEXT)
    assert "申請數量" in traditional
    decoded = decode_bytes(traditional.encode("big5hkscs"))
    assert decoded.encoding == "big5"
    assert decoded.text == TEXT


def _record_chardet(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Record chardet's calls."""
    asked: list[bytes] = []

    def record(data: bytes) -> dict[str, object]:
        asked.append(data)
        return {"encoding": "GB2312", "confidence": 0.99}

    monkeypatch.setattr(chardet, "detect", record)
    return asked


@pytest.mark.parametrize("codec", ["big5hkscs", "gb18030"])
def test_report_words_settle_big5_against_gb_without_chardet(
        codec: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import opencc

    text = opencc.OpenCC("s2t").convert(TEXT) if codec.startswith("big5") else TEXT
    data = text.encode(codec)
    try:  # (bytes that are not Big5 never reach the Big5-or-GB question)
        data.decode("big5hkscs")
    except UnicodeDecodeError:
        pytest.skip("not valid Big5: settled before the report words")
    asked = _record_chardet(monkeypatch)
    decoded = decode_bytes(data)
    assert asked == []
    assert decoded.encoding == ("big5" if codec.startswith("big5") else "gb18030")
    assert decoded.text == TEXT


def test_traditional_text_saved_as_gb18030_is_read_as_gb() -> None:
    import opencc

    traditional = opencc.OpenCC("s2t").convert(TEXT)
    decoded = decode_bytes(traditional.encode("gb18030"))
    assert decoded.encoding == "gb18030"
    assert decoded.text == TEXT


def test_bytes_without_report_words_either_way_still_ask_chardet(
        monkeypatch: pytest.MonkeyPatch) -> None:
    data = "歡迎訪問本網站".encode("big5hkscs")  # valid Big5 and GB18030, no report word
    assert data.decode("gb18030")
    asked = _record_chardet(monkeypatch)
    decode_bytes(data)
    assert asked == [data]  # (the prefix from the first high byte: all of it)


def test_utf16_bom_without_text_body_is_not_mistaken() -> None:
    data = codecs.BOM_UTF16_LE + "规章 | 1 |".encode("utf-16-le")
    assert decode_bytes(data).text == "规章 | 1 |"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02\x03" * 500, "binary"),
        (bytes(range(256)) * 16, "binary"),
        (b"%PNG\r\n\x1a\n" + os.urandom(4000), "binary"),
    ],
)
def test_undecodable_input_has_a_one_line_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason) as info:
        decode_bytes(data)
    assert "\n" not in str(info.value)


def test_width_normalisation_is_one_char_for_one() -> None:
    printed = "（七）总计｜１２｜３，４５６｜１４．４万元　／"
    normal = normalise_width(printed)
    assert normal == "(七)总计|12|3,456|14.4万元 /"
    assert len(normal) == len(printed)
