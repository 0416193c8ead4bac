"""Ratings both ways (worker ↔ company) with measured facts beside them."""
