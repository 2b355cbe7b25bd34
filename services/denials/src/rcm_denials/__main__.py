from rcm_denials.config import DenialsSettings
from rcm_shared.runtime import serve_main


def main() -> None:
    serve_main("denials", "rcm_denials.app:create_app", 8004, DenialsSettings())


if __name__ == "__main__":
    main()
