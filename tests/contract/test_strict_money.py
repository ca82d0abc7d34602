"""SPEC §3 across the four APIs: every amount a client sends (a request field ending in `_paise`) is strict.

Walks every request body of each service's api/schemas.py (the classes named `…Body`, nested ones
included), so that a money field added later without `servicekit.money.Paise` fails here.
"""

import importlib
import inspect
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

SERVICES = ["catalog", "enrolment", "valuation", "coupon"]


def money_fields() -> list[tuple[str, str, FieldInfo]]:
    found: list[tuple[str, str, FieldInfo]] = []
    for service in SERVICES:
        schemas = importlib.import_module(f"{service}.api.schemas")
        for name, model in inspect.getmembers(schemas, inspect.isclass):
            if issubclass(model, BaseModel) and name.endswith("Body") and model.__module__ == schemas.__name__:
                found += [(f"{service}.{name}.{field}", field, info) for field, info in model.model_fields.items() if field.endswith("_paise")]
    return found


FIELDS = money_fields()


def test_the_walk_finds_the_money_of_every_api_that_takes_any() -> None:
    assert {path.split(".")[0] for path, _, _ in FIELDS} == {"catalog", "valuation", "coupon"}  # enrolment takes no amounts


@pytest.mark.parametrize(("path", "field", "info"), FIELDS, ids=[path for path, _, _ in FIELDS])
@pytest.mark.parametrize("amount", ["4999900", 1234567.0, True], ids=["string", "decimal", "boolean"])
def test_a_request_amount_takes_json_integers_only(path: str, field: str, info: FieldInfo, amount: object) -> None:
    field_type: Any = Annotated[info.annotation, info]  # built at run time from the field, so no type form mypy can read
    adapter = TypeAdapter[Any](field_type)
    with pytest.raises(ValidationError) as refused:
        adapter.validate_python(amount)
    assert refused.value.errors()[0]["type"] == "int_type"
    assert adapter.validate_python(1) == 1
