"""Errors raised while reading and writing X12.

Both carry positions, never the offending value: element values can be PHI (names, member
ids, dates of birth) and these errors end up in API bodies and logs.
"""

from __future__ import annotations

from typing import Any


def _located(where: str, element: int | None, component: int | None, reason: str) -> str:
    if element is not None:
        where += f" element {element}"
    if component is not None:
        where += f" component {component}"
    return f"{where}: {reason}"


class X12SyntaxError(ValueError):
    """Input X12 that cannot be read: where (segment number, element, component) and why.

    `segment_number` is the 1-based position of the segment in the input (the ISA is 1;
    when one input holds several interchanges the count runs on, so it still finds the
    segment in the file); `element_position` is the X12 element position (CLP04 -> 4).
    """

    def __init__(
        self,
        segment_number: int,
        reason: str,
        *,
        segment_id: str | None = None,
        element_position: int | None = None,
        component_position: int | None = None,
    ) -> None:
        self.segment_number = segment_number
        self.segment_id = segment_id
        self.element_position = element_position
        self.component_position = component_position
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"segment {self.segment_number}"
        if self.segment_id:
            where += f" ({self.segment_id})"
        return _located(where, self.element_position, self.component_position, self.reason)

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self) -> tuple[Any, ...]:
        # keyword-only arguments would otherwise be lost when pickled (multiprocessing, caches)
        return (_rebuild_syntax_error, (self.to_dict(),))

    @classmethod
    def from_dict(cls, fields: dict[str, Any]) -> X12SyntaxError:
        """The error again from to_dict's fields (stored with a file kept for inspection)."""
        return cls(
            fields["segment_number"],
            fields["reason"],
            segment_id=fields["segment_id"],
            element_position=fields["element_position"],
            component_position=fields["component_position"],
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields for an API error body."""
        return {
            "segment_number": self.segment_number,
            "segment_id": self.segment_id,
            "element_position": self.element_position,
            "component_position": self.component_position,
            "reason": self.reason,
        }


def _rebuild_syntax_error(fields: dict[str, Any]) -> X12SyntaxError:
    return X12SyntaxError.from_dict(fields)


class X12ValueError(ValueError):
    """A value the writer refuses to emit (it would change the X12 structure if written).

    `segment_position` is the segment's 1-based position in its transaction (ST = 1), or
    None for envelope segments outside a transaction (ISA, GS, GE, IEA).
    """

    def __init__(
        self,
        segment_id: str,
        reason: str,
        *,
        segment_position: int | None = None,
        element_position: int | None = None,
        component_position: int | None = None,
    ) -> None:
        self.segment_id = segment_id
        self.segment_position = segment_position
        self.element_position = element_position
        self.component_position = component_position
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"segment {self.segment_id}"
        if self.segment_position is not None:
            where += f" (position {self.segment_position} in the transaction)"
        return _located(where, self.element_position, self.component_position, self.reason)

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_value_error, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "segment_position": self.segment_position,
            "element_position": self.element_position,
            "component_position": self.component_position,
            "reason": self.reason,
        }


def _rebuild_value_error(fields: dict[str, Any]) -> X12ValueError:
    return X12ValueError(
        fields["segment_id"],
        fields["reason"],
        segment_position=fields["segment_position"],
        element_position=fields["element_position"],
        component_position=fields["component_position"],
    )
