"""Demo data for moderation work: the demo moderator, Chat Demo UG's two per-item
moderation gigs they are hired on (rules to accept), the communities connected for
them with their own words beside the default netiquette, and the items — German
and English, waiting or already decided.

Read by ``marketplace.seed.moderation`` (and the moderator's account and
applications by ``marketplace.seed.demo``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from textwrap import dedent
from typing import Any

from marketplace.moderation.item_models import DecisionAction, EscalationCategory
from marketplace.moderation.models import CommunityKind, CommunitySource
from marketplace.sandbox.community.config import DEFAULT_API_URL, DEFAULT_WEBHOOK_URL
from marketplace.seed.demo_data import (
    CHAT_COMPANY,
    HIRED,
    MODERATOR_EMAIL,
    ApplicationSpec,
    OnboardingSpec,
    SeekerSpec,
)

VELVET_GIG = "Erotik-Chat-Plattform: Bilder und Nachrichten prüfen"
REPORTS_GIG = "Dating-App: gemeldete Profile und Nachrichten prüfen"
FLIRT_GIG = "Türkischsprachige Moderation für die Flirt-Lounge"  # paid by the hour
VELVET = "Velvet Lounge"
REPORTS = "Herzklopfen – Meldungen"
FLIRT = "Flirt-Lounge: Türkçe sohbet"

# The communities' API tokens and webhook signing secrets, printed like the demo
# password, so a developer can post items with curl. Demo data only.
DEMO_TOKENS = {
    VELVET: "ndc_demo-velvet-lounge-token",
    REPORTS: "ndc_demo-herzklopfen-reports-token",
    FLIRT: "ndc_demo-flirt-lounge-token",
}
DEMO_WEBHOOK_SECRETS = {
    VELVET: "whsec_demo-velvet-lounge",
    REPORTS: "whsec_demo-herzklopfen-reports",
    FLIRT: "whsec_demo-flirt-lounge",
}
# The bundled sandbox community (``flask sandbox community``, port 12112).
SANDBOX_API_URL = DEFAULT_API_URL
SANDBOX_WEBHOOK_URL = DEFAULT_WEBHOOK_URL
SANDBOX_FILE_NAME = "sandbox-community.json"
# A member's upload: an image the development server serves (static/demo/).
DEMO_IMAGE_URL = f"{DEFAULT_API_URL}/static/demo/velvet-rose.svg"
# The owner approves the moderator's first decided items; the rest wait in review.
APPROVED_ITEMS = 4

MODERATOR = SeekerSpec(
    MODERATOR_EMAIL,
    "Mara Schulz",
    date(1989, 11, 2),
    "de",
    ("de", "en"),
    12,
    "Moderiere seit sechs Jahren Foren und Dating-Chats, zuletzt für eine Community mit "
    "40.000 Mitgliedern. Ich kenne den Digital Services Act und bleibe auch bei "
    "expliziten Inhalten sachlich.",
    True,
)


def _md(text: str) -> str:
    return dedent(text).strip()


VELVET_RULES = _md("""
    ## Regeln für die Moderation der Velvet Lounge

    - Einvernehmliche Erotik unter Erwachsenen ist erlaubt – du bewertest nicht,
      was dir gefällt, sondern was gegen die Netiquette verstößt.
    - Hinweise auf **Minderjährige**, Drohungen und Gewalt eskalierst du sofort.
    - Was du siehst, bleibt hier: keine Screenshots, keine Weitergabe.
    - Du darfst jederzeit überspringen und Pausen machen; das zählt nie gegen dich.
""")

REPORTS_RULES = _md("""
    ## How we handle Herzklopfen's reports

    - Decide by the community's numbered netiquette; name the rule you apply.
    - Users never see your name: they hear from "the moderation team".
    - Threats, self-harm and anything involving minors: escalate at once.
    - Skipping is always fine, and breaks are paid.
""")

FLIRT_RULES = _md("""
    ## Moderation der Flirt-Lounge (stundenweise)

    - Du arbeitest in Live-Sitzungen: starte sie, wenn du in den Chat gehst, und
      beende sie, wenn du gehst. Bezahlt wird die aktive Zeit.
    - Flirten ist erlaubt, Belästigung nicht: nach der Netiquette verwarnen oder entfernen.
    - Drohungen und alles mit Minderjährigen eskalierst du sofort.
""")

MODERATION_ONBOARDINGS: tuple[OnboardingSpec, ...] = (
    OnboardingSpec(
        CHAT_COMPANY,
        VELVET_GIG,
        VELVET_RULES,
        None,
        applications=(
            ApplicationSpec(
                MODERATOR_EMAIL,
                HIRED,
                "Ich habe zwei Jahre einen Erotik-Chat moderiert und kann abends und "
                "am Wochenende arbeiten.",
                8,
                ("de",),
            ),
        ),
    ),
    OnboardingSpec(
        CHAT_COMPANY,
        REPORTS_GIG,
        REPORTS_RULES,
        None,
        applications=(
            ApplicationSpec(
                MODERATOR_EMAIL,
                HIRED,
                "Reports in German and English are fine for me; I know fake-profile patterns.",
                6,
                ("de", "en"),
            ),
        ),
    ),
    OnboardingSpec(
        CHAT_COMPANY,
        FLIRT_GIG,
        FLIRT_RULES,
        None,
        applications=(
            ApplicationSpec(
                MODERATOR_EMAIL,
                HIRED,
                "Abends zwei, drei Stunden im Gruppenchat passen gut; Türkisch verstehe ich "
                "gut genug, um Beleidigungen zu erkennen.",
                4,
                ("de",),
            ),
        ),
    ),
)


# --- communities --------------------------------------------------------------------


@dataclass(frozen=True)
class CommunitySpec:
    gig: str
    name: str
    kind: CommunityKind
    source: CommunitySource
    webhook_url: str
    pre_moderation: bool
    moderators_may: tuple[str, ...]
    # Words added to the defaults: {"suspect"|"blocked"|"disturbing": (...)}
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


COMMUNITIES: tuple[CommunitySpec, ...] = (
    # The sandbox community stands for Herzklopfen's reports: it posts to the API and
    # receives the decisions by webhook (instance/sandbox-community.json).
    CommunitySpec(
        REPORTS_GIG,
        REPORTS,
        CommunityKind.CHAT,
        CommunitySource.SANDBOX,
        SANDBOX_WEBHOOK_URL,
        pre_moderation=False,
        moderators_may=("remove", "warn"),
        words={"suspect": ("klappe", "verschwinde")},
    ),
    CommunitySpec(
        VELVET_GIG,
        VELVET,
        CommunityKind.CHAT,
        CommunitySource.API,
        "",  # polls GET …/decisions
        pre_moderation=True,
        moderators_may=("remove", "warn", "mute"),
        words={
            "suspect": ("telegram", "snapchat", "paypal"),
            "blocked": ("minderjährig",),
            "disturbing": ("blut",),
        },
    ),
    # Paid by the hour: the moderator works in live sessions (moderation/sessions.py).
    CommunitySpec(
        FLIRT_GIG,
        FLIRT,
        CommunityKind.CHAT,
        CommunitySource.API,
        "",
        pre_moderation=False,
        moderators_may=("remove", "warn"),
    ),
)


@dataclass(frozen=True)
class SessionSpec:
    """A past live session of the moderator in the Flirt-Lounge: started ``days_ago``
    at ``start`` (UTC), active for ``active_minutes`` (a heartbeat every 3 minutes),
    then Stop at once (``away_minutes`` 0) or only after being away that long."""

    days_ago: int
    start: str
    active_minutes: int
    away_minutes: int = 0


LIVE_SESSIONS: tuple[SessionSpec, ...] = (
    SessionSpec(3, "18:30", 96),
    SessionSpec(1, "19:00", 42, away_minutes=25),  # idle: 20 minutes cut
)


# --- items --------------------------------------------------------------------------


@dataclass(frozen=True)
class Decide:
    """How the demo moderator decided the item (played through ``decisions.decide``)."""

    action: DecisionAction
    rule: int | None = None  # the netiquette rule's number
    message: str = ""
    category: EscalationCategory | None = None
    internal_note: str = ""


@dataclass(frozen=True)
class ItemSpec:
    community: str
    data: dict[str, Any]  # the item as the community API takes it (without created_at)
    minutes_ago: int  # when the community received it
    decide: Decide | None = None  # None: it waits in the queue
    # A question appealing the decision on the item with this id ("refers_to").
    appeals: str | None = None


def _item(
    community: str,
    id_: str,
    kind: str,
    author: tuple[str, str, str],
    text: str,
    minutes_ago: int,
    *,
    decide: Decide | None = None,
    appeals: str | None = None,
    channel: str = "lobby",
    **extra: Any,
) -> ItemSpec:
    author_id, name, language = author
    data = {
        "id": id_,
        "kind": kind,
        "author": {"id": author_id, "name": name, "language": language},
        "channel": channel,
        "text": text,
        **extra,
    }
    return ItemSpec(community, data, minutes_ago, decide, appeals)


# Herzklopfen's users (the sandbox community's users have the same names).
ANNA = ("u-anna", "Anna", "de")
BEN = ("u-ben", "Ben", "de")  # the repeat offender
CHRIS = ("u-chris", "Chris", "en")
DANA = ("u-dana", "Dana", "en")
EMRE = ("u-emre", "Emre", "de")
FELIX = ("u-felix", "Felix", "de")
GRACE = ("u-grace", "Grace", "en")
HANNES = ("u-hannes", "Hannes", "de")
# Velvet Lounge's members.
NACHTFALTER = ("v-nachtfalter", "Nachtfalter", "de")
SAMTPFOTE = ("v-samtpfote", "Samtpfote", "de")
LUCKY = ("v-lucky77", "Lucky77", "de")
ROSE = ("v-rose", "Wilde Rose", "de")
KAI = ("v-kai", "Kai_B", "de")

_CONTEXT_BEN = [
    {"author": "Anna", "text": "Hat jemand Tipps für ein gutes erstes Profilfoto?",
     "posted_at": "2026-12-06T19:58:00Z"},
    {"author": "Chris", "text": "Natural light, and smile! Works every time.",
     "posted_at": "2026-12-06T19:59:10Z"},
]  # fmt: skip

WARN = DecisionAction.WARN
REMOVE = DecisionAction.REMOVE

# Decided first, one at a time, in this order (each claimed through "Next item").
HISTORY: tuple[ItemSpec, ...] = (
    _item(REPORTS, "hk-1001", "report", BEN,
          "Du bist so ein Idiot, lern erstmal schreiben.", 600,
          reported_by="u-anna", report_reason="Beleidigung", context=_CONTEXT_BEN,
          decide=Decide(WARN, rule=1)),
    _item(REPORTS, "hk-1002", "message", BEN,
          "Halt die Klappe, Anna. Niemand will dich hier.", 540,
          decide=Decide(REMOVE, rule=1,
                        internal_note="Second insult tonight, against the same user.")),
    _item(REPORTS, "hk-1003", "message", FELIX,
          "Gratis Premium für alle! Schreib mir auf WhatsApp: 0151 98765432", 500,
          decide=Decide(REMOVE, rule=2)),
    _item(REPORTS, "hk-1004", "message", DANA,
          "Thanks for the profile tips, everyone. See you at the meetup on Saturday!", 480,
          decide=Decide(DecisionAction.APPROVE)),
    _item(REPORTS, "hk-1005", "question", GRACE,
          "How do I report a fake profile? Someone is using photos of a celebrity.", 460,
          channel="help",
          decide=Decide(DecisionAction.ANSWER,
                        message="Thank you for asking! Open the profile, tap the three dots "
                        "and choose “Report profile” → “Fake profile”. We check every report.")),
    _item(REPORTS, "hk-1006", "message", EMRE,
          "Meine Telefonnummer ist 030 1234567, ruft an, wenn ihr Fragen zur App habt.", 420,
          decide=Decide(REMOVE, rule=3)),
    _item(REPORTS, "hk-1007", "report", CHRIS,
          "I know where you live, and I will come by tonight. You will regret this.", 400,
          reported_by="u-dana", report_reason="Threat",
          decide=Decide(DecisionAction.ESCALATE, category=EscalationCategory.THREAT,
                        internal_note="A concrete threat with a time: please check whether "
                        "the police must be told.")),
    # Spam again from the same account: a ban proposal, waiting for the company.
    _item(REPORTS, "hk-1008", "message", FELIX,
          "Nochmal für alle: GRATIS Premium-Codes, nur über WhatsApp 0151 98765432!", 390,
          decide=Decide(DecisionAction.BAN, rule=2,
                        internal_note="Second spam wave tonight; the account only posts ads.")),
    _item(VELVET, "vl-2001", "message", LUCKY,
          "Wer will private Fotos gegen Geld? Zahlung über PayPal, schreib mir auf Telegram.",
          380, decide=Decide(REMOVE, rule=2)),
    _item(VELVET, "vl-2002", "message", SAMTPFOTE,
          "Guten Abend, ihr Schönen. Wer hat Lust auf ein bisschen Kopfkino vor dem "
          "Schlafengehen? 😏", 360, decide=Decide(DecisionAction.APPROVE)),
    _item(VELVET, "vl-2003", "message", KAI,
          "Du prüde Schlampe, dann geh doch zurück in deinen Kirchenchor.", 340,
          reported_by="v-rose", report_reason="Beleidigung",
          decide=Decide(WARN, rule=1)),
)  # fmt: skip

# Wait in the queue for the demo moderator (after the history is decided).
WAITING: tuple[ItemSpec, ...] = (
    # The repeat offender again, reported: his third strike would mean a 24-hour mute.
    _item(REPORTS, "hk-1101", "report", BEN,
          "Schon wieder du? Du bist echt das Letzte, verschwinde aus der App.", 45,
          reported_by="u-anna", report_reason="Beleidigung, zum dritten Mal heute",
          context=[{"author": "Anna", "text": "Ben, bitte lass mich in Ruhe.",
                    "posted_at": "2026-12-06T21:10:00Z"}]),
    # An appeal: a question referring to the decision on hk-1006.
    _item(REPORTS, "hk-1102", "question", EMRE,
          "Warum wurde meine Nachricht gelöscht? Die Nummer war nicht meine, sondern die "
          "öffentliche Hotline der Herzklopfen-Hilfe. Bitte prüfen Sie das noch einmal.", 40,
          channel="help", appeals="hk-1006"),
    _item(REPORTS, "hk-1103", "message", ANNA,
          "Hat jemand Tipps für ein erstes Date in Wien? Gern etwas Ruhiges.", 180),
    _item(REPORTS, "hk-1104", "message", DANA,
          "Just matched with someone who also loves hiking. Wish me luck!", 170),
    _item(REPORTS, "hk-1105", "message", CHRIS,
          "Honestly, you are an idiot if you still believe in love at first sight.", 150),
    _item(REPORTS, "hk-1106", "message", FELIX,
          "Kostenlose Premium-Codes, nur heute! Gratis auf meinem Kanal, Link im Profil.", 140),
    _item(REPORTS, "hk-1107", "report", HANNES,
          "Here is her address: Lindenstraße 12, 10969 Berlin. Go and say hello.", 120,
          reported_by="u-grace", report_reason="Sharing someone's address"),
    _item(REPORTS, "hk-1108", "message", HANNES,
          "Wer braucht einen gefälschten Ausweis fürs Profil-Verifizieren? Ich hab Kontakte.",
          110),
    _item(REPORTS, "hk-1109", "post", ANNA,
          "Hat jemand gestern das Spiel gesehen? Der Schiri war ein Witz!", 100,
          channel="forum", thread="Tipps fürs Profilfoto"),
    _item(REPORTS, "hk-1110", "question", GRACE,
          "Why was my profile picture removed? It was just me at the beach.", 60,
          channel="help"),
    _item(REPORTS, "hk-1111", "question", ANNA,
          "Wie lange dauert es, bis eine Meldung bearbeitet wird?", 30, channel="help"),
    # Velvet Lounge: adult chat, for moderators who consented to it only.
    _item(VELVET, "vl-2101", "message", NACHTFALTER,
          "Erzähl mir langsam, was du heute Nacht mit mir vorhast … ich bin ganz Ohr. 😏", 90),
    _item(VELVET, "vl-2102", "message", ROSE,
          "Neues Profilbild ist online – freue mich über ehrliche Meinungen.", 80,
          images=[DEMO_IMAGE_URL]),
    _item(VELVET, "vl-2103", "message", LUCKY,
          "Ich bin eigentlich minderjährig, aber hier merkt das eh keiner 😉", 70),
    _item(VELVET, "vl-2104", "report", KAI,
          "Schick mir jetzt deine Bilder, sonst erzähl ich allen, wer du wirklich bist.", 65,
          reported_by="v-samtpfote", report_reason="Erpressung"),
    _item(VELVET, "vl-2105", "message", SAMTPFOTE,
          "Folgt mir auf Snapchat, da zeige ich mehr: samtpfote_xx", 55),
    _item(VELVET, "vl-2106", "message", KAI,
          "Ich steh auf Fotos mit Blut und Schnitten, wer schickt mir welche?", 50),
    _item(VELVET, "vl-2107", "question", KAI,
          "Warum habe ich eine Verwarnung bekommen? Das war doch nur Spaß.", 20,
          channel="hilfe", appeals="vl-2003"),
)  # fmt: skip
