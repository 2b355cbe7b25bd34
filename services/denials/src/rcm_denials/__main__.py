from rcm_shared.runtime import serve_main

from rcm_denials.config import DenialsSettings


def main() -> None:
    serve_main("denials", "rcm_denials.app:create_app", 8004, DenialsSettings())


if __name__ == "__main__":
    main()
