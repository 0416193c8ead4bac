"""Account standing: the measures taken against a person (suspensions and bans by
admins, a company suspended, an engagement ended by a company), always with a reason
the person sees; one appeal per measure; an admin's decision on it."""
