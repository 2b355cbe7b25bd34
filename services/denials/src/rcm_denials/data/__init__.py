"""Versioned code lists and mapping tables (CSV), read by rcm_denials.domain.codes."""
