"""Customer case sources: CSV files and the Salesforce (Service Cloud) pull."""
