"""Receipt codes: readable over the phone, self-checking, not guessable."""

import itertools

from triage_api import receipt


def test_codes_are_unique_and_well_formed() -> None:
    codes = {receipt.new_code() for _ in range(2_000)}  # a repeat here has a chance of 1 in 40,000
    assert len(codes) == 2_000
    assert all(len(c) == 10 and c[4] == "-" and set(c.replace("-", "")) <= set(receipt.ALPHABET) for c in codes)
    assert all(receipt.is_valid(c) for c in codes)


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set(receipt.ALPHABET) & set("0O1IL5S8B2ZUV")


def test_every_single_typo_and_every_neighbour_swap_is_caught() -> None:
    for code in (receipt.new_code() for _ in range(50)):
        chars = code.replace("-", "")
        for i, ch in itertools.product(range(len(chars)), receipt.ALPHABET):
            if ch != chars[i]:
                assert not receipt.is_valid(chars[:i] + ch + chars[i + 1 :])
        for i in range(len(chars) - 2):  # swaps within the body (the check character is the last)
            if chars[i] != chars[i + 1]:
                assert not receipt.is_valid(chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :])


def test_codes_read_back_in_any_reasonable_form() -> None:
    code = receipt.new_code()
    for typed in (code, code.lower(), code.replace("-", ""), " ".join(code.replace("-", ""))):
        assert receipt.normalise(typed) == code
    assert receipt.normalise("ABC") is None and receipt.normalise("OOOO-OOOOO") is None


def test_a_code_drawn_twice_gets_a_new_one_not_a_lost_report(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import uuid

    from tests.triage_api.test_outbox import CIPHER, sessions_for
    from triage_api import reports
    from triage_api.schemas import ReportCreate

    sessions = sessions_for(f"sqlite:///{tmp_path}/r.sqlite3")
    drawn = iter(["AAAA-AAAAA", "AAAA-AAAAA", "CCCC-CCCCC"])
    monkeypatch.setattr(reports.receipt, "new_code", lambda: next(drawn))
    body = ReportCreate(channel="web", consent="anonymous", narrative="em bị nhốt")
    first = reports.submit(sessions, CIPHER, body, str(uuid.uuid4())).report
    second = reports.submit(sessions, CIPHER, body, str(uuid.uuid4())).report
    assert (first.receipt_code, second.receipt_code) == ("AAAA-AAAAA", "CCCC-CCCCC") and first.id != second.id
