"""The HTTP bridge stand-in (a company's own integration, as docs/http-bridge.md specifies it):
`world` (records and the accepted token), `wire` (the contract's request keys and their check,
the error body) and `app` (the contract route and the control routes a person trying a bridge
locally calls, built by `make_app`)."""
