"""The Procore stand-in: `world` (companies, projects, commitments, CCO packages, users, tokens),
`grants` (what each user's Procore grants allow), `assumptions` (the undocumented behaviour it
models, in one place), `wire` (Procore's JSON shapes), `oauth` (the login host) and `app` (the
REST routes, served with `start_procore`)."""
