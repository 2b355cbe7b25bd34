"""The clearinghouse/payer sandbox: a stand-in for the external parties the services talk
X12 to. Run it with `python -m deploy.sandbox serve` from the repository root; see
README.md beside this file for what it does and the patterns that trigger each outcome."""
