from rcm_console.pages import claims, dashboard, denials, eligibility, remittances, signin

routers = [
    signin.router,
    denials.router,
    claims.router,
    remittances.router,
    dashboard.router,
    eligibility.router,
]

__all__ = ["routers"]
