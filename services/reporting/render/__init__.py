"""The report's formats: CSV per table and a self-contained HTML document with charts."""

from services.reporting.render.csv_tables import COLUMNS, to_csv
from services.reporting.render.html import to_html

__all__ = ["COLUMNS", "to_csv", "to_html"]
