"""bot.speedups: Rasa checks action-server answers as before, without re-checking the schema each time."""

import time

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import bot  # noqa: F401 - importing the bot's code installs the speedup, as in the Rasa server
from bot import speedups

GOOD = {"events": [{"event": "slot", "name": "province", "value": "Bắc Ninh"}], "responses": [{"text": "Cảm ơn bạn."}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_name": 1}]}, {"responses": "not a list"}]


def _action() -> RemoteAction:
    return RemoteAction.__new__(RemoteAction)  # the check needs no endpoint


def test_importing_the_bot_installs_the_cached_validator() -> None:
    assert RemoteAction._validate_action_result is speedups._validate_action_result


def test_a_valid_answer_passes() -> None:
    assert _action()._validate_action_result(GOOD) is True


@pytest.mark.parametrize("answer", BAD)
def test_an_invalid_answer_is_refused_as_rasa_refuses_it(answer: dict) -> None:
    with pytest.raises(ValidationError) as original:
        validate(answer, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        _action()._validate_action_result(answer)
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_check_is_many_times_cheaper_than_jsonschema_validate() -> None:
    """The point of the patch, measured in the same process (a ratio, not a time limit)."""
    schema = RemoteAction.action_response_format_spec()
    _action()._validate_action_result(GOOD)  # builds the validator once
    start = time.perf_counter()
    for _ in range(5):
        validate(GOOD, schema)
    original = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(5):
        _action()._validate_action_result(GOOD)
    assert time.perf_counter() - start < original / 5
