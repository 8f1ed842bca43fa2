"""The notes folder: finding and decoding note files, and byte-precise writes to them."""
