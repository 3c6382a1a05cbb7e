"""The HTTP bridge stand-in (a company's own integration, as docs/http-bridge.md specifies it):
`world` (records and the accepted token) and `app` (the contract route and the control routes a
person trying a bridge locally calls, built by `make_app`)."""
