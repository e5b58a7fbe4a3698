"""Comparing studies of ad variants: which cut works better, where in the ad, and how sure we are."""
