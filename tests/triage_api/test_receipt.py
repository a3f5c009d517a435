"""Receipt codes: readable over the phone, self-checking, not guessable."""

import itertools

from triage_api import receipt


def test_codes_are_unique_and_well_formed() -> None:
    codes = {receipt.new_code() for _ in range(20_000)}
    assert len(codes) == 20_000
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
