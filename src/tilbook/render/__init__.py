"""Presentation of what the library computed: Markdown to safe HTML, the terminal
rendering of cards, charts, and the one rule for heatmap levels."""
