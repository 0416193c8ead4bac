"""The netiquette a new community starts with, in German and English: five rules,
a ladder (warning → 60-minute mute → 24-hour mute → ban proposal) and a few
suspect words. The company edits all of it on its community's pages."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.moderation import netiquette
from marketplace.moderation.models import (
    Community,
    NetiquetteRule,
    PenaltyAction,
    PenaltyStep,
    WordEntry,
    WordKind,
)

DEFAULT_RULES: tuple[netiquette.RuleText, ...] = (
    netiquette.RuleText(
        title_de="Respektvoller Umgang",
        title_en="Be respectful",
        text_de="Keine Beleidigungen, Drohungen oder Herabsetzungen anderer.",
        text_en="No insults, threats or putting others down.",
        warning_de=(
            "Hallo {author}, Ihr Beitrag verstößt gegen Regel {rule} von {community}: "
            "Bitte gehen Sie respektvoll mit anderen um."
        ),
        warning_en=(
            "Hello {author}, your post breaks rule {rule} of {community}: "
            "please treat others with respect."
        ),
    ),
    netiquette.RuleText(
        title_de="Kein Spam und keine Werbung",
        title_en="No spam or advertising",
        text_de="Keine Werbung, Kettenbriefe oder wiederholten Nachrichten.",
        text_en="No advertising, chain letters or repeated messages.",
        warning_de=(
            "Hallo {author}, Werbung und Spam sind in {community} nicht erlaubt (Regel {rule})."
        ),
        warning_en="Hello {author}, advertising and spam are not allowed in {community} "
        "(rule {rule}).",
    ),
    netiquette.RuleText(
        title_de="Keine persönlichen Daten",
        title_en="No personal data",
        text_de="Keine Adressen, Telefonnummern oder anderen persönlichen Daten – "
        "weder eigene noch fremde.",
        text_en="No addresses, phone numbers or other personal data – yours or anyone else's.",
        warning_de=(
            "Hallo {author}, bitte teilen Sie in {community} keine persönlichen Daten "
            "(Regel {rule})."
        ),
        warning_en="Hello {author}, please do not share personal data in {community} "
        "(rule {rule}).",
    ),
    netiquette.RuleText(
        title_de="Nichts Rechtswidriges",
        title_en="Nothing illegal",
        text_de="Keine strafbaren Inhalte, keine Anleitungen zu Straftaten, "
        "keine Urheberrechtsverletzungen.",
        text_en="No unlawful content, no instructions for crimes, no copyright infringement.",
        warning_de=(
            "Hallo {author}, Ihr Beitrag wurde entfernt, weil er gegen Regel {rule} "
            "von {community} verstößt: keine rechtswidrigen Inhalte."
        ),
        warning_en=(
            "Hello {author}, your post was removed because it breaks rule {rule} of "
            "{community}: nothing illegal."
        ),
    ),
    netiquette.RuleText(
        title_de="Beim Thema bleiben",
        title_en="Stay on topic",
        text_de="Bitte bleiben Sie beim Thema des Kanals oder Threads.",
        text_en="Please keep to the topic of the channel or thread.",
        warning_de="Hallo {author}, bitte bleiben Sie beim Thema (Regel {rule} von {community}).",
        warning_en="Hello {author}, please stay on topic (rule {rule} of {community}).",
    ),
)

DEFAULT_LADDER: tuple[netiquette.Step, ...] = (
    netiquette.Step(1, PenaltyAction.WARN),
    netiquette.Step(2, PenaltyAction.MUTE, 60),
    netiquette.Step(3, PenaltyAction.MUTE, 24 * 60),
    netiquette.Step(4, PenaltyAction.BAN_PROPOSAL),
)

DEFAULT_SUSPECT_WORDS = ("idiot", "spam", "telefonnummer", "whatsapp", "gratis", "free money")


def install_defaults(community: Community) -> None:
    """Give a new community the default rules, ladder and suspect words — each part
    only where the community has none yet, so calling it twice changes nothing."""
    has = {
        model: db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.community_id == community.id)
        )
        for model in (NetiquetteRule, PenaltyStep, WordEntry)
    }
    if not has[NetiquetteRule]:
        for rule in DEFAULT_RULES:
            netiquette.add_rule(community, rule)
    if not has[PenaltyStep]:
        netiquette.save_ladder(community, list(DEFAULT_LADDER))
    if not has[WordEntry]:
        netiquette.save_word_lists(community, {WordKind.SUSPECT: "\n".join(DEFAULT_SUSPECT_WORDS)})
    db.session.flush()
