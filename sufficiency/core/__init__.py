"""The core: canonical tables and their schemas, reading and validation, capacity, the Scenario,
the stage protocol and the result types. It imports no engine and no solver; engines plug in
through :mod:`sufficiency.core.stages`."""
