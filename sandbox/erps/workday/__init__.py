"""The Workday stand-in: `world` (tenants, ISUs, Supplier Contracts, amendments, projects),
`errors` (the refusals both sides raise), `wire` (the Resource_Management SOAP envelopes and
faults) and `app` (the SOAP route, built by `make_sandbox`)."""
