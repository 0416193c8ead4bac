"""Roles and outcomes shared by the authorization matrix's parts."""

from __future__ import annotations

from collections.abc import Callable

from tests.world import World

ROLES = ("anonymous", "seeker", "other_company", "company", "admin")
OK, LOGIN, NF, BAD, DENIED = "ok", "login", "404", "400", "401"

UrlFor = Callable[[World], str]
Expectations = dict[tuple[str, str], tuple[UrlFor, dict[str, str]]]


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, outcome)


PUBLIC = everyone(OK)
LOGGED_IN = {**everyone(OK), "anonymous": LOGIN}
ADMIN_ONLY = {**everyone(NF), "admin": OK}
SEEKER_ONLY = {"anonymous": LOGIN, "seeker": OK, "other_company": NF, "company": NF, "admin": NF}
ANY_COMPANY = {"anonymous": LOGIN, "seeker": NF, "other_company": OK, "company": OK, "admin": NF}
OWN_COMPANY = {"anonymous": LOGIN, "seeker": NF, "other_company": NF, "company": OK, "admin": NF}
OWN_COMPANY_OR_ADMIN_VIEW = {
    "anonymous": NF, "seeker": NF, "other_company": NF, "company": OK, "admin": OK,
}  # fmt: skip
REPORTERS = {"anonymous": LOGIN, "seeker": OK, "other_company": OK, "company": NF, "admin": OK}
