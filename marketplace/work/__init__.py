"""What the email pool and moderation share: the claim and lease core
(leases.py) and the pricing and funding guard of queued work (pricing.py)."""
