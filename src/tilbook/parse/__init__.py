"""Parsing: a note's Markdown to blocks with source lines, its dates, its layout.

`blocks` turns text into blocks, `dates` reads and writes the dates people use,
`layouts` decides where entries start. Nothing here imports above `tilbook.parse`.
"""
