"""The refusals the Workday stand-in raises, shared by its world (a reference that names nothing,
a wrong ISU password) and its wire (a malformed request), which turns them into SOAP faults."""

from __future__ import annotations

_REFERENCE_XPATH = (
    "/ns0:Get_Supplier_Contracts_Request[1]/ns0:Request_References[1]"
    "/ns0:Supplier_Contract_Reference[{n}]/ns0:ID[1]"
)


class AuthFailed(Exception):
    """The UsernameToken is missing, malformed or wrong."""


class RequestInvalid(Exception):
    def __init__(self, message: str, xpath: str = "/") -> None:
        super().__init__(message)
        self.message = message
        self.xpath = xpath


class NotFound(RequestInvalid):
    """A reference names no object of its ID type (Workday's "Invalid ID value")."""


def not_found_for(id_type: str, value: str, position: int = 1) -> NotFound:
    return NotFound(
        f"Invalid ID value.  '{value}' is not a valid ID value for type = '{id_type}'",
        _REFERENCE_XPATH.format(n=position),
    )
