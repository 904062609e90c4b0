"""Partial identification: sharp bounds on queries the data do not point-identify, and their uncertainty."""
