"""Plan and apply versioned publications of validated datasets to CKAN."""
