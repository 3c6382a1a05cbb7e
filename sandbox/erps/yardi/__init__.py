"""The Yardi Voyager stand-in: `world` (interface logins, change orders, contracts, jobs), `wire`
(the ItfJobCost SOAP documents and faults) and `app` (the web service route, built by
`make_app`)."""
