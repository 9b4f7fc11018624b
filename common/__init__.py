"""The bottom layer: the product's error types and the API plumbing every app shares
(pagination, representation, exception handler, schema hooks). Imports no app."""
