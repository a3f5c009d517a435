"""Indicators: every code of the taxonomy is found, with and without diacritics, and not where negated."""

import pytest

from triage_api.engine.data import load_yaml
from triage_api.engine.text import fold
from triage_api.engine.triage import indicator_codes, triage

# One plain statement per code, written as people write to the hotline.
EXAMPLES = {
    "DECEPTIVE_RECRUITMENT": "Người ta hứa việc nhẹ lương cao, bao ăn ở",
    "CROSS_BORDER": "Họ đưa em vượt biên qua đường mòn",
    "CONFINEMENT": "Chị ấy bị nhốt trong phòng",
    "COMMUNICATION_CONTROL": "Bọn nó tịch thu điện thoại của em",
    "DOCUMENT_RETENTION": "Công ty giữ hộ chiếu của anh ấy",
    "DEBT_BONDAGE": "Anh ấy phải ký giấy nợ, bị trừ vào tiền công",
    "FORCED_LABOUR": "Em bị ép làm lừa đảo online, không đạt chỉ tiêu",
    "SOLD_TRANSFERRED": "Em bị bán sang công ty khác",
    "VIOLENCE_THREATS": "Em bị đánh đập và bỏ đói",
    "SEXUAL_EXPLOITATION": "Cô ấy bị ép bán dâm ở quán karaoke",
    "FORCED_MARRIAGE": "Chị tôi bị bán làm vợ",
    "CHILD_INVOLVED": "Cháu bé bị đưa đi bán",
    "BABY_SALE": "Có đường dây mua bán trẻ sơ sinh",
    "ORGAN_TRADE": "Họ rủ anh ấy bán thận",
    "ONLINE_EXTORTION": "Con tôi bị bắt cóc online, kẻ giả danh công an bắt chuyển tiền",
}


def codes(text: str) -> set[str]:
    return {i.code for i in triage(text).indicators}


def test_every_taxonomy_code_has_patterns_and_an_example() -> None:
    taxonomy = set(indicator_codes())
    assert taxonomy == set(load_yaml("patterns.yml")["indicators"])
    assert taxonomy - {"IMMEDIATE_DANGER"} == set(EXAMPLES)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
@pytest.mark.parametrize("form", ["as written", "no diacritics", "upper case"])
def test_indicator_found_in_every_form(code: str, form: str) -> None:
    text = EXAMPLES[code]
    text = {"as written": text, "no diacritics": fold(text), "upper case": text.upper()}[form]
    assert code in codes(text)


@pytest.mark.parametrize("text", ["Em bị nhốt ở đây", "em bi nhot o day", "EM BỊ NHỐT Ở ĐÂY", "e bị nhốttt 😭"])
def test_evidence_span_points_into_the_original_text(text: str) -> None:
    hit = next(i for i in triage(text).indicators if i.code == "CONFINEMENT")
    assert text[hit.start : hit.end] == hit.evidence
    assert fold(hit.evidence).startswith("bi nhot")


@pytest.mark.parametrize(
    "text",
    [
        "không bị giữ hộ chiếu",
        "em không hề bị nhốt",
        "chưa từng bị đánh",
        "e ko bi giu ho chieu",
    ],
)
def test_negation_cancels_the_indicator(text: str) -> None:
    assert not codes(text) & {"DOCUMENT_RETENTION", "CONFINEMENT", "VIOLENCE_THREATS"}


def test_negation_does_not_reach_across_a_clause() -> None:
    assert codes("em không bị đánh, nhưng bị giữ hộ chiếu") >= {"DOCUMENT_RETENTION"}
    assert "VIOLENCE_THREATS" not in codes("em không bị đánh, nhưng bị giữ hộ chiếu")


def test_a_negation_that_is_part_of_the_indicator_stays() -> None:
    assert "CONFINEMENT" in codes("họ không cho em về")
    assert "COMMUNICATION_CONTROL" in codes("không liên lạc được với con tôi")


def test_negated_verb_before_an_indicator_is_not_a_negation() -> None:
    # "không biết" negates knowing, not the confinement
    assert "CONFINEMENT" in codes("mẹ em không biết em bị nhốt ở đâu")


@pytest.mark.parametrize(
    "text",
    [
        "nếu bị nhốt thì làm sao?",
        "neu bi giu ho chieu thi phai lam gi",
        "lỡ bị bán sang Trung Quốc thì báo ai?",
        "thế nào là bị ép lấy chồng?",
    ],
)
def test_hypothetical_questions_report_nothing(text: str) -> None:
    result = triage(text)
    assert result.indicators == []
    assert result.urgency == "P4"


def test_a_hypothetical_only_covers_the_rest_of_its_sentence() -> None:
    assert "CONFINEMENT" in codes("Em bị nhốt. Nếu không trả tiền họ sẽ bán em")


@pytest.mark.parametrize(
    "text",
    [
        "mua bán nhà đất ở Bắc Giang",
        "lương cao ở công ty phần mềm tại Hà Nội",
        "đi du lịch Campuchia 3 ngày",
        "cam on ban nhieu",
        "bạn thân của em học ở Huế",
        "tôi bị đau thận",
        "bán con gà",
        "nhốt con chó lại",
        "đi hát karaoke với bạn bè",
    ],
)
def test_hard_negatives(text: str) -> None:
    result = triage(text)
    assert result.urgency == "P4", result.explanation
    assert result.indicators == []
