"""Bytes in, structured report out: no network, no database.

``parsers.extract`` turns a document of any format into a neutral :class:`Document`;
``parsers.report.parse`` turns that into a :class:`parsers.model.Report`.
"""

PARSER_VERSION = "0.1.0"
