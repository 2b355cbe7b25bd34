from rcm_eligibility.config import EligibilitySettings
from rcm_shared.runtime import serve_main


def main() -> None:
    serve_main("eligibility", "rcm_eligibility.app:create_app", 8001, EligibilitySettings())


if __name__ == "__main__":
    main()
