"""Levels and growth: levels per kind of work earned by measured results (rules.py,
levels.py), a company's level settings of a gig (gig_levels.py), offers to a hired
worker (offers.py) and the engagement's versioned terms (terms.py)."""
