"""Exports of the compliance state: CSV and JSON of findings, a PDF check report, OSCAL."""
