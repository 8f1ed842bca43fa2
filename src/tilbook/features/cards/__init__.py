"""Flashcards: the deck made from the notes, its review with FSRS, and Anki export."""
