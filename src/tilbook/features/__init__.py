"""What tilbook does with the index: capture, the TODO agenda, questions, papers,
targets, stats, flashcards, export and entry editing. Each module is a library of
plain functions over a `Store`; the command line and the web app call them."""
