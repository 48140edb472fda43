"""The report's formats: CSV per table and a self-contained HTML document with charts."""

from services.reporting.render.csv_tables import COLUMNS, to_csv
from services.reporting.render.html import to_html
from services.reporting.render.i18n import DEFAULT_LANGUAGE, LANGUAGES

__all__ = ["COLUMNS", "DEFAULT_LANGUAGE", "LANGUAGES", "to_csv", "to_html"]
