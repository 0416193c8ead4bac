"""Demo conversations between Shop Demo GmbH and its applicants, through the same
services a person's clicks call: the hired demo seeker has an answer waiting (an
unread message in her menu), an applicant waits for the company's answer, and one
conversation was reported to the admins. Idempotent: a conversation that has
messages is left as it is."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.gigs.models import Gig
from marketplace.messaging import services
from marketplace.onboarding.models import Application
from marketplace.seed.demo_data import (
    JONAS_EMAIL,
    NEWBIE_EMAIL,
    RADWERK_EMAIL_GIG,
    RADWERK_ENGLISH_GIG,
    SEEKER_EMAIL,
    SHOP_OWNER_EMAIL,
)


@dataclass(frozen=True)
class Conversation:
    seeker: str
    gig: str
    messages: tuple[tuple[str, str], ...]  # (who: "company" or "seeker", text)
    report: tuple[str, str] | None = None  # (who reports, why)


CONVERSATIONS = (
    Conversation(
        SEEKER_EMAIL,
        RADWERK_EMAIL_GIG,
        (
            ("company", "Willkommen im Team, Lena! Ihre ersten Antworten lesen sich sehr gut."),
            ("seeker", "Danke! Eine Frage: Darf ich bei Garantiefällen direkt ein "
                       "Rücksendeetikett anbieten?"),
            ("company", "Ja, bei Rädern unter zwei Jahren immer. Bei älteren bitte an uns "
                        "weiterleiten (Eskalieren)."),
        ),
    ),
    Conversation(
        JONAS_EMAIL,
        RADWERK_EMAIL_GIG,
        (("seeker", "Guten Tag, ich habe das Quiz bestanden. Bis wann entscheiden Sie "
                    "ungefähr? Ich würde gern im nächsten Monat anfangen."),),
    ),
    Conversation(
        NEWBIE_EMAIL,
        RADWERK_ENGLISH_GIG,
        (
            ("company", "Hi Tom, thanks for applying! Please start with the rules and "
                        "the quiz."),
            ("seeker", "Can you pay me outside Nebendesk instead? Cash is faster for me."),
        ),
        report=("company", "The applicant asks to be paid outside the platform."),
    ),
)  # fmt: skip


def _application(seeker_email: str, gig_title: str) -> Application | None:
    return db.session.scalar(
        sa.select(Application)
        .join(Gig, Gig.id == Application.gig_id)
        .join(User, User.id == Application.seeker_id)
        .where(User.email == seeker_email, Gig.title == gig_title)
    )


def seed_messages() -> list[str]:
    """Write the demo conversations that are missing; flushes, never commits."""
    owner = db.session.scalar(sa.select(User).where(User.email == SHOP_OWNER_EMAIL))
    written = 0
    for spec in CONVERSATIONS:
        application = _application(spec.seeker, spec.gig)
        if owner is None or application is None or services.thread_of(application):
            continue
        people = {"company": owner, "seeker": application.seeker}
        for who, text in spec.messages:
            services.post(application, by=people[who], body=text)
        if spec.report is not None:
            who, why = spec.report
            services.report(application, by=people[who], reason=why)
        written += 1
    db.session.flush()
    return [f"Wrote {written} demo conversation(s)."] if written else []
