# Shared fixtures for every test in the workspace (stack discovery, prefixes, tenants).
pytest_plugins = ["rcm_shared.testing.fixtures"]
