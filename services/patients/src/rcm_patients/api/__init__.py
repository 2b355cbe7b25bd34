from rcm_patients.api import accounts, statements

routers = [accounts.router, statements.router]

__all__ = ["routers"]
