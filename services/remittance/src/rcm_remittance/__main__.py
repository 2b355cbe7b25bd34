from rcm_remittance.config import RemittanceSettings
from rcm_shared.runtime import serve_main


def main() -> None:
    serve_main("remittance", "rcm_remittance.app:create_app", 8003, RemittanceSettings())


if __name__ == "__main__":
    main()
