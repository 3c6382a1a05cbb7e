"""The Acumatica stand-in (MYOB Advanced runs the same software and shares it): `world` (users,
OAuth clients, sessions, change orders and their parents), `wire` (the contract-based REST API's
OData query options and JSON shapes) and `app` (the routes, built by `make_sandbox`)."""
