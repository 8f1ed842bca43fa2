"""`tilbook serve`: the learning log in the browser (Starlette)."""
