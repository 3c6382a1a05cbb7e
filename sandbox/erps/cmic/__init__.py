"""The CMiC stand-in: `world` (API accounts, scmast rows) and `app` (the ADF BC REST routes,
built by `make_app`)."""
