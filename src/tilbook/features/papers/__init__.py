"""Papers: who mentions them and when, their metadata, and BibTeX."""
