"""Urgency: the rule table and the P1–P4 definitions of indicators.yml on typical messages."""

import pytest

from triage_api.engine.triage import triage
from triage_api.engine.urgency import decide, rules


def test_table_ends_with_a_catch_all_and_names_known_signals() -> None:
    table = rules()
    assert table[-1].urgency == "P4"
    assert [r.urgency for r in table] == sorted(r.urgency for r in table), "rules are ordered P1 → P4"


def test_first_rule_wins() -> None:
    assert decide({"CONFINEMENT", "PERSON"}).id == "held_now"
    assert decide({"CONFINEMENT", "PERSON", "PAST"}).urgency == "P2"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("Cứu em với, em đang bị nhốt ở Campuchia", "P1"),
        ("cuu em voi, e bi nhot o cam", "P1"),
        ("Họ đòi 10.000 đô tiền chuộc mới thả con tôi", "P1"),
        ("Sáng mai có xe đón em gái tôi sang Campuchia làm việc nhẹ lương cao", "P1"),
        ("Cháu tôi 15 tuổi bị bán vào quán karaoke", "P1"),
        ("Em trai tôi sang Campuchia làm việc, giờ mất liên lạc 2 tuần", "P2"),
        ("Em đã trốn thoát về nhà, muốn tố cáo công ty giữ hộ chiếu và đánh người", "P2"),
        ("Công ty giữ hộ chiếu của chồng tôi nhưng anh ấy vẫn đi lại bình thường", "P2"),
        ("Trên facebook có bài đăng tuyển người đi Campuchia việc nhẹ lương cao", "P3"),
        ("Tổng đài 111 là gì?", "P4"),
        ("Báo tin có cần để lại tên không?", "P4"),
    ],
)
def test_urgency_of_typical_messages(text: str, urgency: str) -> None:
    result = triage(text)
    assert result.urgency == urgency, result.explanation


def test_every_p1_reports_immediate_danger_and_no_other_does() -> None:
    p1 = triage("Cứu em với, em đang bị nhốt")
    assert "IMMEDIATE_DANGER" in {i.code for i in p1.indicators}
    p2 = triage("Em trai tôi sang Campuchia làm việc, giờ mất liên lạc")
    assert "IMMEDIATE_DANGER" not in {i.code for i in p2.indicators}


def test_explanation_is_one_line_with_the_evidence() -> None:
    result = triage("Em bị nhốt ở Bắc Giang, cứu em")
    assert "\n" not in result.explanation
    assert result.explanation.startswith("P1")
    assert "«bị nhốt»" in result.explanation
    assert "Bắc Ninh" in result.explanation and "Bắc Giang" in result.explanation
