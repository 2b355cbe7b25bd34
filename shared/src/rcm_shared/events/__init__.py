"""Event envelope and catalog. Importing the package registers every payload type."""

from rcm_shared.events import claims, denials, eligibility, patients, reference, remittance

__all__ = ["claims", "denials", "eligibility", "patients", "reference", "remittance"]
