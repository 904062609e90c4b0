"""Estimation engines for point-identified queries: exact contraction, Monte Carlo, identification estimands."""
