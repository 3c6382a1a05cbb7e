"""The HTTP bridge stand-in's data: the records it answers for and the bearer token it accepts,
plain Python; `sandbox.erps.http_bridge.app` serves them as `docs/http-bridge.md` specifies."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATES = ("present", "deleted", "reversed", "voided", "canceled")
DEFAULT_TOKEN = "bridge-sandbox-token"


@dataclass
class BridgeRecord:
    origin_id: str
    state: str = "present"
    reference: str | None = None
    status_text: str | None = None

    def answer(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "reference": self.reference or self.origin_id,
            "status_text": self.status_text,
        }


@dataclass
class BridgeState:
    token: str = DEFAULT_TOKEN
    records: dict[str, BridgeRecord] = field(default_factory=dict)

    def put(
        self,
        origin_id: str,
        state: str = "present",
        *,
        reference: str | None = None,
        status_text: str | None = None,
    ) -> BridgeRecord:
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        record = BridgeRecord(origin_id, state, reference, status_text)
        self.records[origin_id] = record
        return record

    def forget(self, origin_id: str) -> bool:
        return self.records.pop(origin_id, None) is not None

    def answer_for(self, origin_id: str) -> dict[str, Any]:
        record = self.records.get(origin_id)
        if record is None:
            return {"state": "deleted", "reference": origin_id, "status_text": None}
        return record.answer()

    def as_dict(self) -> dict[str, Any]:
        return {"token": self.token, "records": [asdict(r) for r in self.records.values()]}
