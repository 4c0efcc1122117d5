"""Error types of the Python Rogatory implementation.

Two families:

* :class:`DecodeError` -- a top-level structure refused by the decoder, with exactly one
  error class of spec §2.5 (``truncated``, ``over_limit``, ``non_canonical``, ...).
* :class:`RogatoryError` -- a failure of a stage of spec §14 (read, verify, unlock, open),
  with its outcome class as the package vectors name them (Appendix A: ``malformed``,
  ``tampered``, ``decryption``, ``custody``, ``not_entitled``, ...), and where the spec
  asks for it the custody event position and rule identifier (§10.4), the redaction class
  (§12.9) or the entitlement rule (§12.6).
"""

from __future__ import annotations

from typing import Any, Optional


class DecodeError(Exception):
    """A decoder refusal with one error class of spec §2.5."""

    def __init__(self, cls: str, where: str = "") -> None:
        super().__init__(f"{cls}{': ' + where if where else ''}")
        self.cls = cls
        self.where = where


class RogatoryError(Exception):
    """A stage failure of spec §14 with its outcome class (Appendix A, package vectors).

    ``event`` and ``rule`` name a custody event and rule (§10.4) or an entitlement rule
    (§12.6); ``redaction`` names a class of §12.9 where the failure is one of the rules of
    §12.5 / §12.7; ``field`` and ``segment`` name the place of tampering (§14.3).
    """

    def __init__(
        self,
        outcome: str,
        detail: str = "",
        *,
        event: Optional[int] = None,
        rule: Optional[str] = None,
        redaction: Optional[str] = None,
        field: Optional[int] = None,
        segment: Optional[int] = None,
        stage: Optional[str] = None,
    ) -> None:
        super().__init__(f"{outcome}: {detail}" if detail else outcome)
        self.outcome = outcome
        self.detail = detail
        self.event = event
        self.rule = rule
        self.redaction = redaction
        self.field = field
        self.segment = segment
        self.stage = stage

    def as_json(self) -> dict[str, Any]:
        """The machine-readable form used by the CLI (spec/interop/README.md)."""
        out: dict[str, Any] = {"outcome": self.outcome}
        for key in ("stage", "event", "rule", "redaction", "field", "segment"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        if self.detail:
            out["detail"] = self.detail
        return out
