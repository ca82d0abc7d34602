"""The base every event contract extends: a type name, a schema version and an aggregate id."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Event(BaseModel):
    """An immutable fact a service publishes; subclasses name their topic, type and version."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    TOPIC: ClassVar[str]
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def aggregate_id(self) -> str:
        """The id that keys the event on its topic, so one aggregate's events stay in order."""
        raise NotImplementedError
