"""Benchmark data: many realistic published gigs, inserted quickly.

``seed_bench(count)`` adds ``count`` published gigs (and a few hundred
companies with their owner accounts) through SQLAlchemy Core bulk inserts,
committing after every batch, so 100,000 gigs take well under two minutes on
PostgreSQL and never sit in one giant transaction; on PostgreSQL it ends with
VACUUM (ANALYZE), so the planner and the visibility map see the new rows. It
may be called again on the same database: every call adds new companies and
gigs. It works on SQLite too (the search there is kept by triggers).

The texts are composed from German and English word lists and templates
(topics such as returns, billing or complaints for email support; gaming,
dating or betting communities for moderation), so full-text search finds a
plausible share of them: ``retouren`` with ``kind=email_support`` and
``language=de`` matches a few per cent of all gigs.

Deliberately skipped, because listings never read them: the approved
``gig_revisions`` row a vetted gig would have, audit events and emails.
The ORM services are not used (far too slow at this size), so this module
keeps ``Gig.is_mature`` consistent with the tags itself.
"""

from __future__ import annotations

import random
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from marketplace.accounts.models import Company, CompanyRole, Membership, User, UserKind
from marketplace.auth.passwords import hash_password
from marketplace.extensions import db
from marketplace.gigs import listing_cache
from marketplace.gigs.models import (
    ContentTag,
    Gig,
    GigCommunity,
    GigKind,
    GigLanguage,
    GigStatus,
    PayModel,
    gig_tags,
)

BATCH_SIZE = 2_000
GIGS_PER_COMPANY = 30
MAX_COMPANIES = 300
LIFETIME = timedelta(days=60)
BENCH_PASSWORD = "bench-password-1"  # noqa: S105 (throwaway benchmark accounts)

# slug: (name_en, name_de, description_en, description_de, is_mature)
TAG_CATALOG: dict[str, tuple[str, str, str, str, bool]] = {
    "adult-chat": ("Adult chat", "Erotik-Chat", "Sexual conversations between adults.",
                   "Sexuelle Unterhaltungen zwischen Erwachsenen.", True),
    "erotic-content": ("Erotic content", "Erotische Inhalte", "Nudity and erotic images or text.",
                       "Nacktheit und erotische Bilder oder Texte.", True),
    "gambling": ("Gambling", "Glücksspiel", "Betting, casino games and their promotion.",
                 "Wetten, Casinospiele und Werbung dafür.", True),
    "graphic-violence": ("Graphic violence", "Drastische Gewalt",
                         "Descriptions or images of serious violence.",
                         "Beschreibungen oder Bilder schwerer Gewalt.", True),
    "complaints": ("Complaints", "Beschwerden", "Upset customers, sometimes rude.",
                   "Verärgerte Kundschaft, manchmal unhöflich.", False),
    "returns-refunds": ("Returns & refunds", "Retouren & Erstattungen",
                        "Returns, exchanges and money back.",
                        "Rücksendungen, Umtausch und Erstattungen.", False),
    "billing": ("Billing", "Rechnungen", "Invoices, payments and reminders.",
                "Rechnungen, Zahlungen und Mahnungen.", False),
    "technical-support": ("Technical support", "Technischer Support",
                          "Log-in trouble, apps and error messages.",
                          "Anmeldeprobleme, Apps und Fehlermeldungen.", False),
    "gaming-community": ("Gaming community", "Gaming-Community", "Players, clans and streams.",
                         "Spieler, Clans und Streams.", False),
    "hate-speech": ("Hate speech", "Hassrede", "Insults and hateful comments to remove.",
                    "Beleidigungen und Hasskommentare, die entfernt werden.", False),
    "political-discussion": ("Political discussion", "Politische Diskussion",
                             "Heated debates about politics and news.",
                             "Hitzige Debatten über Politik und Nachrichten.", False),
    "mental-health": ("Mental health", "Psychische Gesundheit",
                      "People talking about crises and illness.",
                      "Menschen sprechen über Krisen und Krankheit.", False),
    "dating": ("Dating", "Dating", "Flirting and dating conversations.",
               "Flirts und Gespräche rund ums Kennenlernen.", False),
}  # fmt: skip


@dataclass(frozen=True)
class Topic:
    key: str
    kinds: tuple[GigKind, ...]
    title_de: str
    title_en: str
    intro_de: tuple[str, ...]
    intro_en: tuple[str, ...]
    tasks_de: tuple[str, ...]
    tasks_en: tuple[str, ...]
    tags: tuple[str, ...] = ()
    maybe_tags: tuple[str, ...] = ()


EMAIL = (GigKind.EMAIL_SUPPORT,)
CHAT = (GigKind.CHAT_MODERATION,)
FORUM = (GigKind.FORUM_MODERATION,)
BOTH = (GigKind.CHAT_MODERATION, GigKind.FORUM_MODERATION)

TOPICS: tuple[Topic, ...] = (
    Topic("returns", EMAIL, "Retouren und Erstattungen", "Returns and refunds",
          ("Unsere Kundschaft schreibt uns täglich zu Retouren, Rücksendungen und Umtausch.",
           "Nach dem Weihnachtsgeschäft stapeln sich die Anfragen zu Retouren und Erstattungen."),
          ("Every day our customers email us about returns, exchanges and refunds.",
           "After the holiday season, questions about returns and refunds pile up."),
          ("Retourenlabels verschicken und den Ablauf der Rücksendung erklären",
           "Erstattungen anstoßen und den Stand der Gutschrift mitteilen",
           "Umtauschwünsche aufnehmen und Ersatzartikel anbieten"),
          ("send return labels and explain how returns work",
           "start refunds and tell customers when the money arrives",
           "handle exchange requests and offer replacement items"),
          ("returns-refunds",), ("complaints",)),
    Topic("shipping", EMAIL, "Versand und Lieferung", "Shipping and delivery",
          ("Viele Fragen drehen sich um Sendungsverfolgung, Lieferzeiten und verlorene Pakete.",),
          ("Most questions are about tracking, delivery times and lost parcels.",),
          ("Sendungsnummern nachschlagen und den Lieferstatus erklären",
           "Nachforschungsaufträge beim Paketdienst anlegen",
           "Lieferadressen ändern, solange das Paket noch nicht unterwegs ist"),
          ("look up tracking numbers and explain the delivery status",
           "open investigations with the parcel carrier",
           "change delivery addresses before a parcel ships"),
          (), ("complaints", "returns-refunds")),
    Topic("billing", EMAIL, "Rechnungen und Zahlungen", "Billing and payments",
          ("Die Kundschaft fragt nach Rechnungen, Mahnungen und geplatzten Lastschriften.",),
          ("Customers ask about invoices, payment reminders and failed direct debits.",),
          ("Rechnungskopien verschicken und Beträge erklären",
           "Zahlungseingänge prüfen und Mahnungen stoppen",
           "Ratenzahlungen nach unseren Regeln anbieten"),
          ("send invoice copies and explain charges",
           "check incoming payments and stop reminders",
           "offer instalment plans within our rules"),
          ("billing",), ("complaints",)),
    Topic("complaints", EMAIL, "Beschwerdemanagement", "Complaint handling",
          ("Du beantwortest Beschwerden und Reklamationen freundlich und lösungsorientiert.",
           "Nicht jede Nachricht ist höflich: Ruhe bewahren gehört dazu."),
          ("You answer complaints and claims in a friendly, solution-minded way.",
           "Not every message is polite: staying calm is part of the job."),
          ("Reklamationen aufnehmen und Kulanzlösungen vorschlagen",
           "verärgerte Kundschaft beruhigen und Fälle eskalieren",
           "Muster in Beschwerden erkennen und an das Team melden"),
          ("record claims and suggest goodwill solutions",
           "calm down upset customers and escalate cases",
           "spot patterns in complaints and report them to the team"),
          ("complaints",), ("returns-refunds",)),
    Topic("tech", EMAIL, "Technischer Support", "Technical support",
          ("Nutzer melden sich bei Anmeldeproblemen, Fehlermeldungen und App-Fragen.",),
          ("Users write in about log-in trouble, error messages and app questions.",),
          ("Passwort-Resets erklären und Konten entsperren",
           "Fehlermeldungen einordnen und Tickets an die Entwicklung geben",
           "Schritt-für-Schritt-Anleitungen für die App schreiben"),
          ("explain password resets and unlock accounts",
           "triage error messages and pass tickets to engineering",
           "write step-by-step instructions for the app"),
          ("technical-support",), ()),
    Topic("subscriptions", EMAIL, "Abos und Kündigungen", "Subscriptions and cancellations",
          ("Es geht um Vertragslaufzeiten, Tarifwechsel und Kündigungen.",),
          ("The emails are about contract terms, plan changes and cancellations.",),
          ("Kündigungen bestätigen und Fristen erklären",
           "Tarifwechsel durchführen und Preise vergleichen",
           "Rückgewinnungsangebote machen, ohne zu drängeln"),
          ("confirm cancellations and explain notice periods",
           "switch plans and compare prices",
           "make win-back offers without being pushy"),
          (), ("billing", "complaints")),
    Topic("bookings", EMAIL, "Buchungen und Stornierungen", "Bookings and cancellations",
          ("Reisende schreiben uns zu Buchungen, Umbuchungen und Stornos.",),
          ("Travellers email us about bookings, rebookings and cancellations.",),
          ("Buchungen ändern und Bestätigungen neu versenden",
           "Stornobedingungen erklären und Gutscheine ausstellen",
           "Rückfragen an Hotels und Veranstalter stellen"),
          ("change bookings and resend confirmations",
           "explain cancellation terms and issue vouchers",
           "check back with hotels and tour operators"),
          (), ("returns-refunds", "complaints")),
    Topic("gaming", BOTH, "Gaming-Community", "gaming community",
          ("Unsere Community rund um Multiplayer-Spiele ist rund um die Uhr aktiv.",),
          ("Our community around multiplayer games is active around the clock.",),
          ("Spam, Cheats und Betrugsversuche entfernen",
           "bei Streit zwischen Clans schlichten",
           "Neulinge begrüßen und die Serverregeln erklären"),
          ("remove spam, cheat ads and scams",
           "settle disputes between clans",
           "welcome newcomers and explain the server rules"),
          ("gaming-community",), ("hate-speech",)),
    Topic("dating", CHAT, "Dating-Chat", "dating chat",
          ("In unserer Dating-App lernen sich Erwachsene im Chat kennen.",),
          ("Adults get to know each other in the chat of our dating app.",),
          ("Fake-Profile und Romance-Scams erkennen",
           "gemeldete Nachrichten prüfen und Konten sperren",
           "Belästigung schnell stoppen"),
          ("spot fake profiles and romance scams",
           "review reported messages and block accounts",
           "stop harassment quickly"),
          ("dating",), ("adult-chat",)),
    Topic("adult", CHAT, "Erotik-Chat für Erwachsene", "adult chat",
          ("Der Chat richtet sich ausschließlich an volljährige Mitglieder.",),
          ("The chat is for adult members only.",),
          ("Alterskontrollen durchsetzen und Minderjährige sofort melden",
           "verbotene Inhalte entfernen", "Nutzerberichte bearbeiten"),
          ("enforce age checks and report minors at once",
           "remove prohibited content", "work through user reports"),
          ("adult-chat",), ("erotic-content",)),
    Topic("betting", BOTH, "Sportwetten-Community", "sports betting community",
          ("In unserer Community tauschen sich Fans über Sportwetten und Quoten aus.",),
          ("In our community, fans discuss sports betting and odds.",),
          ("Werbung für illegale Anbieter entfernen",
           "Hinweise auf Spielsucht an unser Hilfeteam geben",
           "Tippgemeinschaften im Blick behalten"),
          ("remove ads for illegal operators",
           "pass signs of problem gambling to our help team",
           "keep an eye on tipping syndicates"),
          ("gambling",), ()),
    Topic("news", FORUM, "Kommentarbereich eines Nachrichtenportals",
          "comment section of a news site",
          ("Unter unseren Artikeln wird lebhaft diskutiert, oft auch politisch.",),
          ("Our articles attract lively, often political discussion.",),
          ("Hasskommentare und Beleidigungen löschen",
           "Diskussionen sachlich halten", "Desinformation markieren"),
          ("delete hateful comments and insults",
           "keep discussions civil", "flag disinformation"),
          ("political-discussion",), ("hate-speech",)),
    Topic("parents", FORUM, "Elternforum", "parenting forum",
          ("In unserem Forum tauschen sich Eltern über Schule, Gesundheit und Alltag aus.",),
          ("In our forum, parents talk about school, health and everyday life.",),
          ("Werbung und Spam entfernen", "bei Streit freundlich eingreifen",
           "Beiträge in die passenden Unterforen verschieben"),
          ("remove ads and spam", "step in kindly when threads get heated",
           "move posts to the right sub-forums"),
          (), ("mental-health",)),
    Topic("truecrime", FORUM, "True-Crime-Forum", "true crime forum",
          ("Mitglieder diskutieren reale Kriminalfälle, teils mit drastischen Details.",),
          ("Members discuss real criminal cases, sometimes in graphic detail.",),
          ("Bilder von Opfern entfernen", "Spekulationen über Privatpersonen stoppen",
           "Quellenregeln durchsetzen"),
          ("remove images of victims", "stop speculation about private people",
           "enforce the sourcing rules"),
          ("graphic-violence",), ()),
    Topic("selfhelp", BOTH, "Selbsthilfe-Community", "peer support community",
          ("Menschen in schwierigen Lebenslagen unterstützen sich gegenseitig.",),
          ("People going through hard times support each other.",),
          ("Krisenbeiträge erkennen und an Fachleute weiterleiten",
           "Trolle fernhalten", "Triggerwarnungen ergänzen"),
          ("recognise crisis posts and pass them to professionals",
           "keep trolls out", "add content warnings"),
          ("mental-health",), ()),
    Topic("streaming", CHAT, "Twitch-Chat", "Twitch chat",
          ("Während der Livestreams unserer Creator schreiben tausende Zuschauer mit.",),
          ("Thousands of viewers chat during our creators' live streams.",),
          ("Spam und Links blocken", "Timeouts und Bans vergeben",
           "Fragen an den Streamer sammeln"),
          ("block spam and links", "hand out timeouts and bans",
           "collect questions for the streamer"),
          ("gaming-community",), ("hate-speech",)),
)  # fmt: skip

EMAIL_TOPICS = tuple(t for t in TOPICS if GigKind.EMAIL_SUPPORT in t.kinds)
MODERATION_TOPICS = {
    kind: tuple(t for t in TOPICS if kind in t.kinds)
    for kind in (GigKind.CHAT_MODERATION, GigKind.FORUM_MODERATION)
}

INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("Mode-Onlineshop", "fashion online shop"), ("Elektronikhändler", "electronics retailer"),
    ("Möbelhaus", "furniture store"), ("Reiseportal", "travel portal"),
    ("Energieversorger", "energy supplier"), ("Mobilfunkanbieter", "mobile network operator"),
    ("Fitnessstudio-Kette", "gym chain"), ("SaaS-Anbieter", "SaaS provider"),
    ("Lieferdienst für Lebensmittel", "grocery delivery service"),
    ("Versicherung", "insurance company"), ("Drogerie", "drugstore chain"),
    ("Buchhandlung", "bookshop"), ("Ticketplattform", "ticketing platform"),
    ("Tierbedarf-Shop", "pet supplies shop"), ("Fahrradversand", "bicycle mail-order shop"),
    ("Spieleverlag", "games publisher"), ("Verlagshaus", "publishing house"),
)  # fmt: skip
COMPANY_STEMS = (
    "Nordlicht", "Bergblick", "Flinkwerk", "Elbkontor", "Sonnenhof", "Alpenpost", "Rheinwelle",
    "Blauweiß", "Kiezkram", "Hafenkante", "Lindenbaum", "Sternwarte", "Kranich", "Fuchsbau",
    "Isarmedia", "Spreeport", "Waldmeister", "Eulenspiegel", "Küstenwind", "Glückspilz",
)  # fmt: skip
LEGAL_FORMS = ("GmbH", "UG", "AG", "e.K.", "GmbH & Co. KG", "Ltd.")
FIRST_NAMES = ("Anna", "Jonas", "Lea", "Mehmet", "Sophie", "Lukas", "Marta", "Felix", "Aylin",
               "Paul", "Julia", "Noah", "Katarzyna", "Emil", "Clara", "David")  # fmt: skip
LAST_NAMES = ("Müller", "Schmidt", "Yılmaz", "Wagner", "Becker", "Nowak", "Hoffmann",
              "Schulz", "Keller", "Novak", "Richter", "Klein")  # fmt: skip

PREFIX_DE = {
    GigKind.EMAIL_SUPPORT: ("E-Mail-Support", "Kundenservice per E-Mail",
                            "Kundenanfragen beantworten", "Nebenjob im Kundenservice",
                            "Remote-Kundensupport"),
    GigKind.CHAT_MODERATION: ("Chat-Moderation", "Moderator:in gesucht", "Nebenjob Moderation"),
    GigKind.FORUM_MODERATION: ("Forenmoderation", "Community-Moderation", "Moderator:in gesucht"),
}  # fmt: skip
PREFIX_EN = {
    GigKind.EMAIL_SUPPORT: ("Email support", "Customer email support", "Answer customer emails",
                            "Side gig in customer service", "Remote customer support"),
    GigKind.CHAT_MODERATION: ("Chat moderation", "Chat moderator wanted", "Side gig: moderation"),
    GigKind.FORUM_MODERATION: ("Forum moderation", "Community moderation",
                               "Forum moderator wanted"),
}  # fmt: skip
REQUIREMENTS_DE = (
    "sehr gutes Deutsch in Wort und Schrift", "Geduld und ein freundlicher Ton",
    "ein eigener Laptop und stabiles Internet", "Erfahrung im Kundenservice ist ein Plus",
    "Zuverlässigkeit auch am Wochenende", "Sorgfalt im Umgang mit Kundendaten (DSGVO)",
)  # fmt: skip
REQUIREMENTS_EN = (
    "excellent written English", "patience and a friendly tone",
    "your own laptop and a stable internet connection",
    "customer service experience is a plus", "reliability at weekends too",
    "care with customer data (GDPR)",
)  # fmt: skip
EXTRA_LANGUAGES = ("fr", "it", "es", "nl", "pl", "tr")
AUDIENCES_DE = ("Erwachsene ab 18", "Jugendliche und junge Erwachsene", "Eltern", "Fans",
                "Stammkundschaft")  # fmt: skip
AUDIENCES_EN = ("adults 18+", "teens and young adults", "parents", "fans", "regular customers")


def _ensure_tags() -> dict[str, tuple[int, bool]]:
    """Create the catalogue's tags that are missing; slug → (id, is_mature) as stored."""
    table = ContentTag.__table__
    existing = set(db.session.scalars(sa.select(ContentTag.slug)))
    now = datetime.now(UTC)
    missing = [
        {
            "slug": slug, "name_en": en, "name_de": de, "description_en": den,
            "description_de": dde, "is_mature": mature, "is_active": True,
            "created_at": now, "updated_at": now,
        }
        for slug, (en, de, den, dde, mature) in TAG_CATALOG.items()
        if slug not in existing
    ]  # fmt: skip
    if missing:
        db.session.execute(sa.insert(table), missing)
    rows = db.session.execute(
        sa.select(ContentTag.slug, ContentTag.id, ContentTag.is_mature).where(
            ContentTag.slug.in_(TAG_CATALOG)
        )
    )
    return {slug: (tag_id, is_mature) for slug, tag_id, is_mature in rows}


def _insert_returning_ids(table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def _companies(rng: random.Random, count: int, now: datetime) -> list[tuple[int, int, str]]:
    """Create ``count`` companies, each with a verified owner; [(company_id, owner_id, name)]."""
    run = secrets.token_hex(4)
    password_hash = hash_password(BENCH_PASSWORD)
    names, company_rows, user_rows = [], [], []
    for i in range(count):
        industry_de, _ = rng.choice(INDUSTRIES)
        name = f"{rng.choice(COMPANY_STEMS)} {industry_de} {rng.choice(LEGAL_FORMS)}"
        names.append(name)
        created = now - timedelta(days=rng.uniform(90, 900))
        slug = name.split()[0].lower().replace("ü", "ue").replace("ö", "oe").replace("ß", "ss")
        company_rows.append({
            "name": name, "website": f"https://{slug}-{run}-{i}.example",
            "description": f"{name}: {industry_de} aus dem deutschsprachigen Raum.",
            "verified_at": created + timedelta(days=2) if rng.random() < 0.8 else None,
            "suspended_at": None, "suspended_reason": None,
            "created_at": created, "updated_at": created,
        })  # fmt: skip
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        user_rows.append({
            "email": f"owner{i}.{run}@bench.nebendesk.test", "password_hash": password_hash,
            "display_name": person, "kind": UserKind.COMPANY.value, "date_of_birth": None,
            "locale": rng.choice(("de", "de", "en")), "email_verified_at": created,
            "mature_opt_in_at": None, "languages": ["de", "en"], "hours_per_week": None,
            "introduction": "", "suspended_at": None, "suspended_reason": None,
            "failed_logins": 0, "locked_until": None, "auth_version": 1, "last_login_at": None,
            "created_at": created, "updated_at": created,
        })  # fmt: skip
    company_ids = _insert_returning_ids(Company.__table__, company_rows)
    user_ids = _insert_returning_ids(User.__table__, user_rows)
    db.session.execute(
        sa.insert(Membership.__table__),
        [
            {"company_id": c, "user_id": u, "role": CompanyRole.OWNER.value,
             "created_at": now, "updated_at": now}
            for c, u in zip(company_ids, user_ids, strict=True)
        ],
    )  # fmt: skip
    db.session.commit()
    return list(zip(company_ids, user_ids, names, strict=True))


def _pay(rng: random.Random, kind: GigKind) -> tuple[PayModel, int]:
    if rng.random() < 0.3:
        return PayModel.PER_HOUR, rng.randrange(1250, 2800, 25)
    if kind is GigKind.EMAIL_SUPPORT:
        return PayModel.PER_EMAIL, rng.randrange(35, 160, 5)
    return PayModel.PER_ITEM, rng.randrange(5, 45)


def _euros(cents: int, german: bool) -> str:
    text = f"{cents / 100:.2f} €"
    return text.replace(".", ",") if german else text


def _text(rng: random.Random, topic: Topic, kind: GigKind, company: str, german: bool,
          pay: tuple[PayModel, int], hours: int) -> tuple[str, str]:  # fmt: skip
    """A title and a Markdown description in German or English."""
    industry_de, industry_en = rng.choice(INDUSTRIES)
    tasks = rng.sample(topic.tasks_de if german else topic.tasks_en, 2)
    where = f" ({industry_de if german else industry_en})" if kind is GigKind.EMAIL_SUPPORT else ""
    if german:
        unit = {
            PayModel.PER_EMAIL: "pro beantworteter E-Mail",
            PayModel.PER_ITEM: "pro moderiertem Beitrag",
            PayModel.PER_HOUR: "pro Stunde",
        }
        title = f"{rng.choice(PREFIX_DE[kind])}: {topic.title_de}{where}"
        body = [
            "## Worum es geht", "",
            f"{company} ({industry_de}) sucht Verstärkung. {rng.choice(topic.intro_de)}",
            "", "## Deine Aufgaben", "", *(f"- {task}" for task in tasks),
            "- Antworten nach unseren Vorlagen und Regeln formulieren", "",
            "## Was du mitbringst", "",
            *(f"- {req}" for req in rng.sample(REQUIREMENTS_DE, 2)), "",
            f"**Umfang:** etwa {hours} Stunden pro Woche, frei einteilbar. "
            f"**Vergütung:** {_euros(pay[1], True)} {unit[pay[0]]}.",
        ]  # fmt: skip
    else:
        unit = {
            PayModel.PER_EMAIL: "per answered email",
            PayModel.PER_ITEM: "per moderated item",
            PayModel.PER_HOUR: "per hour",
        }
        title = f"{rng.choice(PREFIX_EN[kind])}: {topic.title_en}{where}"
        body = [
            "## What it is about", "",
            f"{company} ({industry_en}) is looking for help. {rng.choice(topic.intro_en)}",
            "", "## Your tasks", "", *(f"- {task}" for task in tasks),
            "- write replies following our templates and rules", "",
            "## What you bring", "",
            *(f"- {req}" for req in rng.sample(REQUIREMENTS_EN, 2)), "",
            f"**Hours:** about {hours} hours a week, whenever suits you. "
            f"**Pay:** {_euros(pay[1], False)} {unit[pay[0]]}.",
        ]  # fmt: skip
    return title[:120], "\n".join(body)


def _communities(rng: random.Random, topic: Topic, german: bool) -> list[dict[str, Any]]:
    platforms = ("Discord", "Telegram", "Forum", "Twitch", "WhatsApp-Community", "Reddit")
    return [
        {
            "position": position,
            "name": f"{rng.choice(COMPANY_STEMS)} {rng.choice(platforms)}",
            "audience": rng.choice(AUDIENCES_DE if german else AUDIENCES_EN),
            "description": (topic.title_de if german else topic.title_en)
            + f", {rng.randrange(2, 80) * 500} "
            + ("Mitglieder" if german else "members"),
        }
        for position in range(rng.randint(1, 3))
    ]


def _gig_batch(
    rng: random.Random,
    size: int,
    companies: list[tuple[int, int, str]],
    tags: dict[str, tuple[int, bool]],
    now: datetime,
) -> tuple[list[dict[str, Any]], list[tuple[list[str], list[int], list[dict[str, Any]]]]]:
    """Gig rows, and for each its (languages, tag ids, communities)."""
    gigs, children = [], []
    for _ in range(size):
        company_id, owner_id, company_name = rng.choice(companies)
        roll = rng.random()
        kind = (
            GigKind.EMAIL_SUPPORT
            if roll < 0.55
            else GigKind.CHAT_MODERATION
            if roll < 0.8
            else GigKind.FORUM_MODERATION
        )
        topic = rng.choice(
            EMAIL_TOPICS if kind is GigKind.EMAIL_SUPPORT else MODERATION_TOPICS[kind]
        )
        german = rng.random() < 0.65
        languages = ["de" if german else "en"]
        if rng.random() < 0.3:
            languages.append("en" if german else "de")
        if rng.random() < 0.1:
            languages.append(rng.choice(EXTRA_LANGUAGES))
        slugs = set(topic.tags) | {s for s in topic.maybe_tags if rng.random() < 0.35}
        tag_ids = [tags[s][0] for s in sorted(slugs) if s in tags]
        pay = _pay(rng, kind)
        hours = rng.choice((3, 5, 5, 8, 10, 10, 12, 15, 20))
        title, description = _text(rng, topic, kind, company_name, german, pay, hours)
        published = now - timedelta(seconds=rng.uniform(60, LIFETIME.total_seconds() - 3600))
        submitted = published - timedelta(hours=rng.uniform(1, 72))
        created = submitted - timedelta(hours=rng.uniform(0, 120))
        gigs.append({
            "company_id": company_id, "created_by_id": owner_id,
            "status": GigStatus.PUBLISHED.value, "title": title, "kind": kind.value,
            "description": description, "pay_model": pay[0].value, "rate_cents": pay[1],
            "currency": "EUR", "hours_per_week": hours, "openings": rng.choice((1, 1, 2, 3, 5)),
            "is_mature": any(tags[s][1] for s in slugs if s in tags),
            "submitted_at": submitted, "published_at": published,
            "expires_at": published + LIFETIME, "closed_at": None, "rejection_reason": None,
            "created_at": created, "updated_at": published,
        })  # fmt: skip
        communities = [] if kind is GigKind.EMAIL_SUPPORT else _communities(rng, topic, german)
        children.append((languages, tag_ids, communities))
    return gigs, children


def _next_gig_ids(count: int) -> list[int]:
    """Reserve ids for ``count`` gigs, so the gigs can go in without RETURNING.

    An executemany without RETURNING is a prepared statement pipelined row by
    row; with RETURNING, the driver parses one huge multi-row statement per page.
    """
    if db.engine.dialect.name == "postgresql":
        return list(
            db.session.scalars(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence('gigs', 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"count": count},
            )
        )
    start = (db.session.scalar(sa.select(sa.func.max(Gig.id))) or 0) + 1
    return list(range(start, start + count))


def _insert_gigs(gigs: list[dict[str, Any]], children: list[Any]) -> None:
    gig_ids = _next_gig_ids(len(gigs))
    for gig_id, gig in zip(gig_ids, gigs, strict=True):
        gig["id"] = gig_id
    db.session.execute(sa.insert(Gig.__table__), gigs)
    language_rows, tag_rows, community_rows = [], [], []
    for gig_id, (languages, tag_ids, communities) in zip(gig_ids, children, strict=True):
        language_rows += [{"gig_id": gig_id, "code": code} for code in languages]
        tag_rows += [{"gig_id": gig_id, "tag_id": tag_id} for tag_id in tag_ids]
        community_rows += [{"gig_id": gig_id, **row} for row in communities]
    db.session.execute(sa.insert(GigLanguage.__table__), language_rows)
    if tag_rows:
        db.session.execute(sa.insert(gig_tags), tag_rows)
    if community_rows:
        db.session.execute(sa.insert(GigCommunity.__table__), community_rows)


def _vacuum_analyze() -> None:
    """Leave the tables as autovacuum would: statistics fresh, visibility map set.

    Without the visibility map, index-only scans visit the heap for every row,
    which measures a database minutes after a bulk load, not a running one.
    VACUUM cannot run inside a transaction, hence the autocommit connection.
    """
    tables = "gigs, gig_languages, gig_tags, gig_communities, companies, users, memberships"
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text(f"VACUUM (ANALYZE) {tables}, content_tags"))


def seed_bench(count: int, *, seed: int | None = None) -> int:
    """Add ``count`` published gigs (and their companies); commits per batch.

    Returns the number of gigs created. ``seed`` makes the texts reproducible.
    The next batch is composed in a helper thread while the database writes
    the current one (the driver releases the GIL while it waits).
    """
    if count < 1:
        return 0
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tags = _ensure_tags()
    db.session.commit()
    companies = _companies(rng, max(3, min(MAX_COMPANIES, count // GIGS_PER_COMPANY)), now)
    sizes = [min(BATCH_SIZE, count - start) for start in range(0, count, BATCH_SIZE)]
    with ThreadPoolExecutor(max_workers=1) as composer:
        # One batch ahead, no more: 100,000 gigs' texts need not sit in memory.
        upcoming = composer.submit(_gig_batch, rng, sizes[0], companies, tags, now)
        for next_size in [*sizes[1:], 0]:
            gigs, children = upcoming.result()
            if next_size:
                upcoming = composer.submit(_gig_batch, rng, next_size, companies, tags, now)
            _insert_gigs(gigs, children)
            db.session.commit()
    listing_cache.bump()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        _vacuum_analyze()
    return sum(sizes)
