"""WSGI entry point: ``gunicorn wsgi:app``."""

from dotenv import load_dotenv

load_dotenv()  # a .env file, if present, in development

from marketplace import create_app  # noqa: E402

app = create_app()
