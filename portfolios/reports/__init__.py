"""Reports: the portfolio PDF (and pack), organisation reports and CSVs,
bulk exports and personal data exports."""
