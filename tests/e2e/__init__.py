"""A live server on a free port, called with zeep and raw HTTP."""
