"""The MRI stand-in: `world` (API users, contract change orders, contracts, jobs) and `app` (the
`api.asp` routes, built by `make_app`)."""
