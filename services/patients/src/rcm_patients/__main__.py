from rcm_patients.config import PatientsSettings
from rcm_shared.runtime import serve_main


def main() -> None:
    serve_main("patients", "rcm_patients.app:create_app", 8005, PatientsSettings())


if __name__ == "__main__":
    main()
