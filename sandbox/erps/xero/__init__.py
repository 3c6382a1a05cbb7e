"""The Xero stand-in: `world` (connections, tokens, purchase orders, tracking options, rate
limits), `wire` (Xero's dates, identity forms, API envelope, problem JSON and XML) and `app` (the
identity and Accounting API routes, built by `make_app`)."""
