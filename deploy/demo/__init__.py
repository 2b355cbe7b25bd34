"""A billing company's day through the running stack (`make demo`, `python -m deploy.demo`).

plan.py builds the day (reference data, patients, claims; pure, seeded), flow.py drives it
through the four services and the sandbox over HTTP, report.py prints the KPI report.
tests/e2e/test_billing_day.py runs the same flow on a smaller day and checks what must hold.
"""
