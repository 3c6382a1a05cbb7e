"""The Xero stand-in: `world` (connections, tokens, purchase orders, tracking options, rate
limits) and `app` (the identity and Accounting API routes, built by `make_app`)."""
