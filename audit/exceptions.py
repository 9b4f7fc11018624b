"""Errors of sealing: each refusal says what disagrees and that nothing was sealed."""


class AuditError(Exception):
    """Base of the audit log's own errors; `code` is stable, the message is for people."""

    code = "audit_error"


class SealRefused(AuditError):
    """The database's seals and the signed digests disagree: sealing would hide it."""

    code = "seal_refused"


class DigestWriteFailed(AuditError):
    """The digest storage did not take a digest: its seal was rolled back."""

    code = "digest_write_failed"
