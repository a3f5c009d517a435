"""One fix to Rasa 3.6's hot path, installed when the bot's code is imported by the Rasa server.

Rasa checks every answer of the action server with ``jsonschema.validate(answer, schema)``, which
first validates the *schema itself* against the 2020-12 meta-schema — on every call. Measured on a
full REST turn (``make bench-bot`` under py-spy), that was about 60 % of the bot's CPU: more than NLU
and every policy together. :func:`install` makes ``RemoteAction`` check answers against the same
schema with a validator built once; an invalid answer raises the same ``ValidationError`` as before.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["install"]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    from jsonschema import ValidationError
    from rasa.shared.constants import DOCS_BASE_URL

    try:
        _validator().validate(result)
    except ValidationError as e:  # the message Rasa gives
        e.message += (
            ". Failed to validate Action server response from API, make sure your response from the Action "
            f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def install() -> bool:
    """Patch Rasa if it is importable here (the bot's environment); ``False`` elsewhere."""
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # the API's environment has no Rasa: nothing to speed up
        return False
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True
