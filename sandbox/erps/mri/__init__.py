"""The MRI stand-in: `world` (API logins, contract change orders, contracts, jobs), `wire` (the
OData v3 envelope, `$metadata` URL and error body) and `app` (the `api.asp` route, built by
`make_app`)."""
