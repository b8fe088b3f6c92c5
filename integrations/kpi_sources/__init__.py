"""Where KPI facts come from: CSV files and an HTTP report export, validated the same way."""
