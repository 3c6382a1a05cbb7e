"""The CMiC stand-in: `world` (API accounts, scmast rows), `wire` (the ADF BC REST query forms,
row and collection envelopes and error bodies) and `app` (the routes, built by `make_app`)."""
