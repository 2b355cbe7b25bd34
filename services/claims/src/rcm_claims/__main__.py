from rcm_claims.config import ClaimsSettings
from rcm_shared.runtime import serve_main


def main() -> None:
    serve_main("claims", "rcm_claims.app:create_app", 8002, ClaimsSettings())


if __name__ == "__main__":
    main()
