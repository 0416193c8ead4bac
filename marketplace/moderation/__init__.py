"""Moderation work: communities feed items in, hired moderators keep their
netiquette, decisions go back to the community and every decided item is paid."""
