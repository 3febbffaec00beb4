"""The application layer: the pipeline and demo, the command line, the store and the service's
settings. It discovers the engines' stages through :mod:`sufficiency.core.stages`; nothing below
imports it."""
