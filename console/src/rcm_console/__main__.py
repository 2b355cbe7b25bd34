import uvicorn

from rcm_console.config import ConsoleSettings


def main() -> None:
    settings = ConsoleSettings()
    uvicorn.run(
        "rcm_console.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
