"""The demo world: who exists, which tags, companies and gigs, in which state; which
gigs have an onboarding (rules and quiz) and who applied to them, how far they got.

Read by ``marketplace.seed.demo``, which creates it through the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from textwrap import dedent
from typing import Any

from marketplace.gigs.content import Community
from marketplace.gigs.models import GigKind, PayModel
from marketplace.onboarding.models import ApplicationStatus
from marketplace.onboarding.quiz_file import QUIZ_FORMAT, QUIZ_VERSION

DEMO_PASSWORD = "demo-password-1"  # noqa: S105 (public demo logins, printed on purpose)
ADMIN_EMAIL = "admin@demo.test"
SHOP_OWNER_EMAIL = "owner@shop.demo.test"
CHAT_OWNER_EMAIL = "owner@chat.demo.test"
SEEKER_EMAIL = "seeker@demo.test"
NEWBIE_EMAIL = "newbie@demo.test"
AYLIN_EMAIL = "aylin@demo.test"
JONAS_EMAIL = "jonas@demo.test"
MARTA_EMAIL = "marta@demo.test"
SAM_EMAIL = "sam@demo.test"
MODERATOR_EMAIL = "moderator@demo.test"  # made with seed/moderation_data.py's MODERATOR
SHOP_COMPANY = "Shop Demo GmbH"
CHAT_COMPANY = "Chat Demo UG"

LOGINS: tuple[tuple[str, str], ...] = (
    (ADMIN_EMAIL, "admin: vetting queue, reports, tags, companies"),
    (SHOP_OWNER_EMAIL, f"company owner, {SHOP_COMPANY} (verified, email support gigs)"),
    (CHAT_OWNER_EMAIL, f"company owner, {CHAT_COMPANY} (chat moderation, adult chat)"),
    (SEEKER_EMAIL, "job seeker, adult, opted in to mature content, hired at Radwerk"),
    (NEWBIE_EMAIL, "job seeker, adult, not opted in to mature content"),
    (AYLIN_EMAIL, "job seeker: quiz failed once, retake opens 30 minutes after seeding"),
    (JONAS_EMAIL, "job seeker: passed onboarding, waiting for the companies' decision"),
    (MARTA_EMAIL, "job seeker: used every quiz attempt; rejected elsewhere with a reason"),
    (SAM_EMAIL, "job seeker, hired for English email support"),
    (
        MODERATOR_EMAIL,
        f"moderator, consented to {CHAT_COMPANY}'s adult communities: "
        "items waiting, history, earnings",
    ),
)


def _md(text: str) -> str:
    return dedent(text).strip()


# --- content tags ------------------------------------------------------------------


@dataclass(frozen=True)
class TagSpec:
    slug: str
    name_en: str
    name_de: str
    description_en: str
    description_de: str
    is_mature: bool = False
    is_active: bool = True


# fmt: off
# Data tables: one listing per block reads better than one value per line.
TAGS: tuple[TagSpec, ...] = (
    TagSpec(
        "adult-chat", "Adult chat", "Erwachsenen-Chat",
        "Flirting and sexual talk between adults; explicit language is common.",
        "Flirts und sexuelle Gespräche unter Erwachsenen; explizite Sprache ist üblich.",
        is_mature=True,
    ),
    TagSpec(
        "erotic-content", "Erotic content", "Erotische Inhalte",
        "Nudity and erotic pictures, videos or stories must be reviewed.",
        "Nacktheit und erotische Bilder, Videos oder Texte müssen geprüft werden.",
        is_mature=True,
    ),
    TagSpec(
        "graphic-violence", "Graphic violence", "Drastische Gewalt",
        "Violent images or videos (e.g. from games or news) may have to be looked at.",
        "Gewaltdarstellungen (etwa aus Spielen oder Nachrichten) können zu sehen sein.",
        is_mature=True,
    ),
    TagSpec(
        "gambling", "Gambling", "Glücksspiel",
        "Poker, betting or casino topics, including promotion of real-money play.",
        "Poker, Sportwetten oder Casino, auch Werbung für Echtgeld-Spiele.",
        is_mature=True,
    ),
    TagSpec(
        "hate-speech-exposure", "Hate speech exposure", "Kontakt mit Hassrede",
        "Insults, slurs and harassment have to be read and removed.",
        "Beleidigungen, Hetze und Belästigung müssen gelesen und entfernt werden.",
    ),
    TagSpec(
        "complaints", "Complaints", "Beschwerden",
        "Upset customers; calm, polite answers to angry messages.",
        "Verärgerte Kundschaft; ruhige, höfliche Antworten auf wütende Nachrichten.",
    ),
    TagSpec(
        "returns-refunds", "Returns & refunds", "Retouren & Erstattungen",
        "Questions about returning goods, exchanges and refunds.",
        "Fragen zu Rücksendungen, Umtausch und Erstattungen.",
    ),
    TagSpec(
        "gaming-community", "Gaming community", "Gaming-Community",
        "Players of online games; gaming slang and heated matches.",
        "Spielerinnen und Spieler von Online-Games; Gaming-Slang und hitzige Matches.",
    ),
    TagSpec(
        "health-topics", "Health topics", "Gesundheitsthemen",
        "Illness, medicines or pregnancy come up; no medical advice is given.",
        "Krankheit, Medikamente oder Schwangerschaft sind Thema; keine medizinische Beratung.",
    ),
    TagSpec(
        "children-audience", "Children in the audience", "Kinder im Publikum",
        "Minors take part; child-safety rules and reporting duties apply.",
        "Minderjährige sind dabei; es gelten Kinderschutzregeln und Meldepflichten.",
    ),
    TagSpec(
        "crypto-promotion", "Crypto promotion (retired)", "Krypto-Werbung (eingestellt)",
        "No longer used: such listings are not accepted.",
        "Nicht mehr verwendet: solche Anzeigen werden nicht angenommen.",
        is_active=False,
    ),
)
# fmt: on


# --- accounts and companies ----------------------------------------------------------


@dataclass(frozen=True)
class CompanySpec:
    name: str
    website: str
    description: str
    owner_email: str
    owner_name: str
    locale: str
    verified: bool = True
    suspend_reason: str | None = None


COMPANIES: tuple[CompanySpec, ...] = (
    CompanySpec(
        SHOP_COMPANY,
        "https://shop-demo.example",
        "Wir betreiben mehrere Onlineshops aus Leipzig: **Radwerk** (Fahrräder und E-Bikes) "
        "und **Kleiderei** (nachhaltige Mode). Unser Kundenservice-Team bekommt Hilfe "
        "von Nebendesk, wenn es brennt.",
        SHOP_OWNER_EMAIL,
        "Sabine Krüger",
        "de",
    ),
    CompanySpec(
        CHAT_COMPANY,
        "https://chat-demo.example",
        "Chat Demo UG runs moderation for dating apps, live streams and adult chat "
        "platforms. Every moderator gets a written rulebook and a named contact person.",
        CHAT_OWNER_EMAIL,
        "Mira Okafor",
        "en",
    ),
    CompanySpec(
        "Apotheke Lindenhof Versand GmbH",
        "https://apotheke-lindenhof.example",
        "Versandapotheke aus Münster. Pharmazeutische Fragen beantworten unsere "
        "Apotheker:innen selbst; bei Bestellungen, Lieferung und Rezepten helfen Nebenjobber.",
        "owner@apotheke.demo.test",
        "Dr. Henrik Vogt",
        "de",
    ),
    CompanySpec(
        "Nordlicht Games GmbH",
        "https://nordlicht-games.example",
        "Indie studio from Hamburg behind the co-op shooter *Fjordfall*. Our Discord "
        "server has 48,000 members and our forum is where the community lives.",
        "owner@nordlicht.demo.test",
        "Lukas Brandt",
        "en",
    ),
    CompanySpec(
        "Elternnest Medien GmbH",
        "https://elternnest.example",
        "Elternnest ist das Forum für Schwangerschaft, Baby und Schulzeit, mit rund "
        "120.000 Mitgliedern. Wir suchen Moderator:innen mit Fingerspitzengefühl.",
        "owner@elternnest.demo.test",
        "Katrin Mertens",
        "de",
    ),
    CompanySpec(
        "Royal Flush Community Ltd",
        "https://royalflush-forum.example",
        "We run an English and German poker strategy forum with a live tournament chat.",
        "owner@royalflush.demo.test",
        "Daniel Hart",
        "en",
        verified=False,
    ),
    CompanySpec(
        "Mega Gewinn Promotions Ltd",
        "https://mega-gewinn.example",
        "Gewinnspiele und Promotions für Top-Marken!",
        "owner@megagewinn.demo.test",
        "Marco Sander",
        "de",
        verified=False,
        suspend_reason=(
            "Mehrere Bewerber:innen berichten, dass vor dem ersten Auftrag eine "
            "„Startgebühr“ verlangt wird. Konto gesperrt bis zur Klärung."
        ),
    ),
)


@dataclass(frozen=True)
class SeekerSpec:
    email: str
    display_name: str
    date_of_birth: date
    locale: str
    languages: tuple[str, ...]
    hours_per_week: int
    introduction: str
    mature_opt_in: bool


SEEKERS: tuple[SeekerSpec, ...] = (
    SeekerSpec(
        SEEKER_EMAIL,
        "Lena Hoffmann",
        date(1994, 3, 12),
        "de",
        ("de", "en", "tr"),
        15,
        "Studentin (Kommunikationswissenschaft), drei Jahre Erfahrung im Kundenservice "
        "eines Modeshops, nachts gern Chat-Moderation.",
        True,
    ),
    SeekerSpec(
        NEWBIE_EMAIL,
        "Tom Becker",
        date(2003, 9, 28),
        "en",
        ("en", "de"),
        8,
        "New to customer support, fast typist, happy to learn.",
        False,
    ),
    SeekerSpec(
        AYLIN_EMAIL,
        "Aylin Demir",
        date(1998, 7, 4),
        "de",
        ("de", "tr", "en"),
        12,
        "Auszubildende Kauffrau im E-Commerce, moderiere seit zwei Jahren einen "
        "Discord-Server für Handarbeit.",
        True,
    ),
    SeekerSpec(
        JONAS_EMAIL,
        "Jonas Weber",
        date(1989, 11, 30),
        "de",
        ("de", "en"),
        20,
        "Fahrradmechaniker in Elternzeit, kenne Reklamationen von beiden Seiten der Theke.",
        True,
    ),
    SeekerSpec(
        MARTA_EMAIL,
        "Marta Kowalska",
        date(1992, 2, 15),
        "en",
        ("pl", "en", "de"),
        6,
        "Bakery shift supervisor in Leipzig; evenings free. Polish native, good English, "
        "German improving.",
        False,
    ),
    SeekerSpec(
        SAM_EMAIL,
        "Sam O'Brien",
        date(1996, 5, 21),
        "en",
        ("en",),
        10,
        "Irish, living in Berlin; two years of email support for a travel start-up.",
        False,
    ),
)


# --- gigs ------------------------------------------------------------------------


class Plan(StrEnum):
    """Where a demo gig's lifecycle ends."""

    DRAFT = "draft"
    WITHDRAWN = "withdrawn"  # submitted, then taken back to draft
    IN_REVIEW = "in_review"
    RESUBMITTED = "resubmitted"  # rejected, fixed, in review again
    REJECTED = "rejected"
    PUBLISHED = "published"
    UPDATE_PENDING = "update_pending"  # live, with an edit waiting for review
    UPDATE_REJECTED = "update_rejected"  # live, an edit was refused
    TAKEN_DOWN = "taken_down"  # reported, then taken down by an admin (→ rejected)
    CLOSED = "closed"
    EXPIRED = "expired"


@dataclass(frozen=True)
class Report:
    reporter: str
    reason: str
    outcome: str = "open"  # "open", "dismissed" or "actioned"
    note: str = ""


@dataclass(frozen=True)
class GigSpec:
    company: str
    title: str
    kind: GigKind
    pay_model: PayModel
    rate_cents: int
    languages: tuple[str, ...]
    tags: tuple[str, ...]
    description: str
    communities: tuple[Community, ...] = ()
    hours_per_week: int = 10
    openings: int = 2
    plan: Plan = Plan.PUBLISHED
    reason: str = ""  # the admin's reason for a rejection or take-down
    change: str = ""  # Markdown the company adds in its later edit
    change_rate_cents: int | None = None
    admin_tags: tuple[str, ...] | None = None  # the admin's corrected tags on approval
    reports: tuple[Report, ...] = ()


EMAIL, CHAT, FORUM = GigKind.EMAIL_SUPPORT, GigKind.CHAT_MODERATION, GigKind.FORUM_MODERATION
PER_EMAIL, PER_ITEM, PER_HOUR = PayModel.PER_EMAIL, PayModel.PER_ITEM, PayModel.PER_HOUR
APOTHEKE = "Apotheke Lindenhof Versand GmbH"
NORDLICHT = "Nordlicht Games GmbH"
ELTERNNEST = "Elternnest Medien GmbH"
ROYAL_FLUSH = "Royal Flush Community Ltd"
MEGA_GEWINN = "Mega Gewinn Promotions Ltd"
# Gigs with an onboarding (ONBOARDINGS below).
RADWERK_EMAIL_GIG = "Kundenservice per E-Mail für unseren Fahrradshop Radwerk"
RADWERK_ENGLISH_GIG = "English email support for our bike shop (EU customers)"
WEEKEND_GIG = "Wochenend-Support: Lieferstatus-Anfragen beantworten"
HERZKLOPFEN_GIG = "Moderate the Herzklopfen dating app chat (night shift)"

# fmt: off
SHOP_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        SHOP_COMPANY, RADWERK_EMAIL_GIG,
        EMAIL, PER_EMAIL, 90, ("de",), ("complaints", "returns-refunds"),
        _md("""
            Radwerk verkauft Fahrräder, E-Bikes und Zubehör in ganz Deutschland. Vor allem
            im Frühjahr kommen mehr E-Mails, als unser Team schafft.

            **Deine Aufgaben**
            - Fragen zu Lieferzeiten, Rahmengrößen und Zubehör beantworten
            - Reklamationen aufnehmen und an die Werkstatt weitergeben
            - Rücksendungen anstoßen (Vorlagen gibt es für alles)

            **Wir bieten** feste Textbausteine, einen Ansprechpartner im Team und
            Bezahlung pro beantworteter E-Mail, auch für kurze Antworten.
        """),
        hours_per_week=12, openings=4,
    ),
    GigSpec(
        SHOP_COMPANY, "Retouren und Erstattungen bearbeiten – Modeshop Kleiderei",
        EMAIL, PER_EMAIL, 75, ("de",), ("returns-refunds",),
        _md("""
            Kleiderei verschickt nachhaltige Mode. Du beantwortest E-Mails rund um
            Rücksendungen: Wo ist mein Geld? Kann ich umtauschen? Das Etikett fehlt!

            - Erstattungsstatus im Shop-Backend nachsehen
            - Umtausch in eine andere Größe vorschlagen
            - freundlich bleiben, auch wenn die dritte Nachricht in Großbuchstaben kommt

            Ruhige Wochen: etwa 40 E-Mails, nach Aktionen auch 150.
        """),
        hours_per_week=8, openings=3, plan=Plan.UPDATE_PENDING,
        change="**Neu:** Ab März bezahlen wir 0,85 € pro E-Mail, weil Umtauschfälle jetzt "
        "auch die Neubestellung im Backend umfassen.",
        change_rate_cents=85,
    ),
    GigSpec(
        SHOP_COMPANY, RADWERK_ENGLISH_GIG,
        EMAIL, PER_EMAIL, 110, ("en",), ("complaints",),
        _md("""
            Radwerk ships bikes to the Netherlands, Austria, Denmark and Ireland, and
            those customers write in English.

            **What you do**
            - answer questions about delivery, assembly and warranty
            - handle damaged-in-transit claims with our photo checklist
            - hand technical questions to our workshop

            Good written English matters more than bike knowledge; we teach the rest.
        """),
        hours_per_week=6, openings=2,
    ),
    GigSpec(
        SHOP_COMPANY, WEEKEND_GIG,
        EMAIL, PER_HOUR, 1450, ("de",), (),
        _md("""
            Samstags und sonntags fragen viele Kundinnen und Kunden nach ihrer Sendung.
            Du schaust die Sendungsnummer beim Paketdienst nach und antwortest.

            - Schichten Sa/So jeweils 10–14 Uhr
            - Stundenlohn, auch wenn wenig los ist
            - ideal neben Studium oder Hauptjob
        """),
        hours_per_week=8, openings=2,
    ),
    GigSpec(
        SHOP_COMPANY, "Reklamationen E-Bike-Akkus (technisches Grundwissen hilfreich)",
        EMAIL, PER_EMAIL, 140, ("de",), ("complaints",),
        _md("""
            Akku lädt nicht, Reichweite zu gering, Display zeigt Fehler 503: Du nimmst
            Reklamationen zu E-Bike-Akkus auf und führst die Kundschaft durch unsere
            Checkliste, bevor ein Akku eingeschickt wird.

            Technisches Grundverständnis hilft, ein Schulungsvideo (20 Minuten) gibt es.
        """),
        hours_per_week=10, openings=2, plan=Plan.IN_REVIEW,
    ),
    GigSpec(
        SHOP_COMPANY, "Support client en français pour la boutique Kleiderei",
        EMAIL, PER_EMAIL, 95, ("fr",), ("returns-refunds",),
        _md("""
            Kleiderei liefert jetzt auch nach Frankreich und Belgien. Du beantwortest
            E-Mails unserer französischsprachigen Kundschaft: Größen, Versand, Retouren.

            *Nous cherchons* une personne francophone avec une orthographe soignée.
            Interne Abstimmung auf Deutsch oder Englisch.
        """),
        hours_per_week=5, openings=1,
    ),
    GigSpec(
        SHOP_COMPANY, "Assistenza clienti via e-mail in italiano per Radwerk",
        EMAIL, PER_EMAIL, 95, ("it",), (),
        _md("""
            Wir planen den Versand nach Italien und suchen Unterstützung für E-Mails
            auf Italienisch: Lieferung, Montage, Garantie.

            *Entwurf – Start voraussichtlich im Mai.*
        """),
        hours_per_week=5, openings=1, plan=Plan.DRAFT,
    ),
    GigSpec(
        SHOP_COMPANY, "Black-Friday-Aushilfe: E-Mail-Support im November",
        EMAIL, PER_HOUR, 1500, ("de", "en"), ("complaints", "returns-refunds"),
        _md("""
            Rund um Black Friday verdreifacht sich unser Postfach. Für vier Wochen
            suchen wir Verstärkung für Bestell-, Liefer- und Gutscheinfragen.

            - Zeitraum: 20. November bis 20. Dezember
            - flexible Schichten, auch abends
        """),
        hours_per_week=20, openings=8, plan=Plan.CLOSED,
    ),
    GigSpec(
        SHOP_COMPANY, "Sommerschlussverkauf: Anfragen zu Größen und Passform",
        EMAIL, PER_EMAIL, 70, ("de",), (),
        _md("""
            Im Sommerschlussverkauf fragen viele: Fällt das Kleid klein aus? Du
            beantwortest Fragen zu Größen und Passform anhand unserer Maßtabellen.
        """),
        hours_per_week=6, openings=3, plan=Plan.EXPIRED,
    ),
    GigSpec(
        SHOP_COMPANY, "Klantenservice per e-mail in het Nederlands (fietsenwinkel)",
        EMAIL, PER_EMAIL, 100, ("nl",), (),
        _md("""
            E-Mails niederländischer Kundschaft von Radwerk beantworten.
        """),
        hours_per_week=6, openings=1, plan=Plan.REJECTED,
        reason="Die Beschreibung ist zu knapp: Bitte nennt Themen, erwartete Menge pro "
        "Woche und Antwortzeiten, damit Bewerber:innen den Aufwand einschätzen können.",
    ),
    GigSpec(
        SHOP_COMPANY, "Obsługa klienta e-mail po polsku – wysyłka do Polski",
        EMAIL, PER_EMAIL, 90, ("pl",), ("returns-refunds",),
        _md("""
            Seit Januar liefern Radwerk und Kleiderei nach Polen. Du beantwortest
            E-Mails auf Polnisch zu Versand, Zoll-Fragen (keine!) und Retouren.

            - Textbausteine auf Polnisch vorhanden, dürfen verbessert werden
            - Abstimmung mit dem Team auf Deutsch oder Englisch
        """),
        hours_per_week=6, openings=1,
    ),
)

CHAT_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        CHAT_COMPANY, HERZKLOPFEN_GIG,
        CHAT, PER_HOUR, 1600, ("de", "en"), ("adult-chat", "complaints"),
        _md("""
            Herzklopfen is a dating app for adults in Germany and Austria. After a
            match, people chat, and some of them cross the line.

            **You will**
            - review reported messages and profiles between 22:00 and 02:00
            - warn, mute or ban according to our written rulebook
            - escalate threats and anything involving minors at once

            Expect flirting and explicit language. Training is paid.
        """),
        communities=(
            Community("Herzklopfen – match chats", "Adults 18+, singles in DE/AT",
                      "One-to-one chats after a match; only reported messages are reviewed."),
            Community("Herzklopfen support chat", "App users contacting support",
                      "Questions about subscriptions, blocked accounts and fake profiles."),
        ),
        hours_per_week=12, openings=6,
    ),
    GigSpec(
        CHAT_COMPANY, "Erotik-Chat-Plattform: Bilder und Nachrichten prüfen",
        CHAT, PER_ITEM, 6, ("de",), ("adult-chat", "erotic-content"),
        _md("""
            Auf der Velvet Lounge chatten verifizierte Erwachsene miteinander. Du prüfst
            hochgeladene Bilder und gemeldete Nachrichten gegen unsere Regeln.

            - Erlaubt: einvernehmliche Erotik unter Erwachsenen
            - Nicht erlaubt: Gewalt, Minderjährige, Werbung, Weitergabe privater Daten

            Bezahlung pro geprüftem Element, im Schnitt 300 bis 500 pro Stunde.
            **Nur für Menschen, die mit expliziten Inhalten umgehen können.**
        """),
        communities=(
            Community("Velvet Lounge", "Verifizierte Erwachsene ab 18",
                      "Erotik-Chat mit Bild-Uploads, rund 9.000 aktive Mitglieder."),
        ),
        hours_per_week=15, openings=10,
    ),
    GigSpec(
        CHAT_COMPANY, "Live-Stream-Chat moderieren: Gaming- und Talk-Streams",
        CHAT, PER_HOUR, 1350, ("de",), ("gaming-community", "hate-speech-exposure"),
        _md("""
            Wir moderieren die Chats mehrerer deutschsprachiger Streamer:innen. Während
            des Streams löschst du Spam, Beleidigungen und Spoiler und hilfst neuen
            Zuschauer:innen.

            - Streams meist 18–23 Uhr
            - Tools: Twitch-Mod-Ansicht, AutoMod, unsere Regeln als PDF
        """),
        communities=(
            Community("PixelPaula – Twitch-Chat", "Gaming-Fans, meist 16–30 Jahre",
                      "Let's Plays und Speedruns, 2.000–5.000 Zuschauer:innen."),
            Community("Talk am Abend – YouTube-Livechat", "Erwachsene, politisch interessiert",
                      "Diskussionsstream zu Nachrichten; Hassrede kommt vor."),
        ),
        hours_per_week=10, openings=4, plan=Plan.UPDATE_REJECTED,
        change="Zusätzlich moderierst du die Kommentare unter den Videos, ohne Aufpreis.",
        reason="Mehr Arbeit bei gleichem Stundensatz ist in Ordnung, aber bitte nennt den "
        "zusätzlichen YouTube-Kanal als eigene Community mit Publikum.",
    ),
    GigSpec(
        CHAT_COMPANY, "Moderation for an 18+ roleplay community (English)",
        CHAT, PER_ITEM, 5, ("en",), ("adult-chat", "erotic-content"),
        _md("""
            A text roleplay community for adults. Members write stories together in
            themed channels; you check reported posts and new members' introductions.

            - clear rules on consent, limits and prohibited themes
            - a senior moderator reviews your first 200 decisions
        """),
        communities=(
            Community("Moonlit Tales (Discord)", "Adults 18+, age-verified",
                      "Story channels by genre; erotic roleplay in marked channels only."),
        ),
        hours_per_week=8, openings=3, plan=Plan.IN_REVIEW,
    ),
    GigSpec(
        CHAT_COMPANY, "Türkischsprachige Moderation für die Flirt-Lounge",
        CHAT, PER_HOUR, 1500, ("de", "tr"), ("adult-chat",),
        _md("""
            In der Flirt-Lounge von Herzklopfen gibt es einen türkischsprachigen Raum.
            Du moderierst ihn am Abend und übersetzt bei Bedarf Meldungen für das Team.

            Sehr gutes Türkisch und gutes Deutsch sind nötig.
        """),
        communities=(
            Community("Flirt-Lounge: Türkçe sohbet", "Erwachsene ab 18 in Deutschland",
                      "Gruppenchat mit etwa 600 aktiven Mitgliedern am Abend."),
        ),
        hours_per_week=8, openings=2,
    ),
    GigSpec(
        CHAT_COMPANY, "Dating-App: gemeldete Profile und Nachrichten prüfen",
        CHAT, PER_ITEM, 8, ("de", "en"), ("complaints",),
        _md("""
            Täglich gehen bei Herzklopfen rund 2.000 Meldungen ein: Fake-Profile,
            Belästigung, Werbung. Du prüfst sie nach unserem Entscheidungsbaum.

            - Bezahlung pro erledigter Meldung
            - Arbeitszeit frei einteilbar
        """),
        communities=(
            Community("Herzklopfen – Meldungen", "Erwachsene Nutzer:innen der App",
                      "Gemeldete Profile, Fotos und Chatverläufe."),
        ),
        hours_per_week=10, openings=8,
        # The company forgot that reported chats are mostly sexual: the admin adds the tag.
        admin_tags=("adult-chat", "complaints"),
    ),
    GigSpec(
        CHAT_COMPANY, "Weekend moderation for a Polish-language dating chat",
        CHAT, PER_HOUR, 1400, ("pl", "en"), ("adult-chat",),
        _md("""
            Our Polish dating chat *Randka Wieczorem* needs a moderator on Friday and
            Saturday nights. Rulebook in English, chats in Polish.
        """),
        communities=(
            Community("Randka Wieczorem", "Adults 18+ in Poland",
                      "Group and private chats; reported messages only."),
        ),
        hours_per_week=8, openings=1, plan=Plan.CLOSED,
    ),
    GigSpec(
        CHAT_COMPANY, "Silvester-Livechat moderieren (einmalig)",
        CHAT, PER_HOUR, 2000, ("de",), (),
        _md("""
            Für den Silvester-Countdown-Stream eines Radiosenders suchen wir drei
            Moderator:innen für den Livechat, 21 bis 2 Uhr. Zuschlag inklusive.
        """),
        communities=(
            Community("Radio Sonnenwelle – Silvester-Livechat", "Hörer:innen jeden Alters",
                      "Begleitchat zum Countdown-Stream, etwa 8.000 Nachrichten."),
        ),
        hours_per_week=5, openings=3, plan=Plan.EXPIRED,
    ),
    GigSpec(
        CHAT_COMPANY, "Kommentarspalte eines Flirt-Podcasts moderieren",
        FORUM, PER_ITEM, 4, ("de",), ("adult-chat",),
        _md("""
            *Entwurf.* Unter den Folgen von „Liebe, Lust & Lästern“ wird viel
            kommentiert. Du gibst Kommentare frei oder löschst sie.
        """),
        communities=(
            Community("Liebe, Lust & Lästern – Kommentare", "Erwachsene Hörer:innen",
                      "Kommentare unter den Folgen auf der Podcast-Website."),
        ),
        hours_per_week=3, openings=1, plan=Plan.DRAFT,
    ),
    GigSpec(
        CHAT_COMPANY, "Community chat of a fitness app: keep it friendly",
        CHAT, PER_ITEM, 4, ("de", "en"), (),
        _md("""
            FitFlow users cheer each other on in group chats. Mostly friendly, sometimes
            body-shaming or diet-pill spam. You approve flagged messages or remove them.
        """),
        communities=(
            Community("FitFlow challenge groups", "Adults who track workouts",
                      "About 300 groups with 20–200 members each."),
        ),
        hours_per_week=6, openings=4,
    ),
)

APOTHEKE_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        APOTHEKE, "E-Mail-Kundenservice für unsere Online-Apotheke (keine Beratung)",
        EMAIL, PER_EMAIL, 120, ("de",), ("health-topics", "complaints"),
        _md("""
            Du beantwortest E-Mails zu Bestellungen, Lieferungen und Zahlungen.
            **Pharmazeutische Fragen gibst du an unsere Apotheker:innen weiter** – das
            ist Pflicht und wird geschult.

            - Textbausteine für die häufigsten 40 Fragen
            - Datenschutz-Schulung vor dem Start (bezahlt)
        """),
        hours_per_week=10, openings=5,
    ),
    GigSpec(
        APOTHEKE, "E-Rezept-Einlösung und Lieferfragen beantworten",
        EMAIL, PER_EMAIL, 100, ("de",), ("health-topics",),
        _md("""
            Seit dem E-Rezept kommen viele Fragen: Wie löse ich es ein? Warum ist das
            Medikament noch nicht da? Du erklärst die Schritte und prüfst den Status.
        """),
        hours_per_week=8, openings=3,
    ),
    GigSpec(
        APOTHEKE, "Customer emails for our pharmacy's English-speaking customers",
        EMAIL, PER_HOUR, 1700, ("en",), ("health-topics",),
        _md("""
            Many expats order from us. You answer their emails in English about orders,
            prescriptions from abroad and delivery. No medical advice: you forward
            such questions to our pharmacists.
        """),
        hours_per_week=6, openings=1, plan=Plan.IN_REVIEW,
    ),
    GigSpec(
        APOTHEKE, "Erstattungen bei beschädigten Kühlware-Lieferungen",
        EMAIL, PER_EMAIL, 110, ("de",), ("returns-refunds", "health-topics"),
        _md("""
            Insulin und andere Kühlware müssen bei Transportschäden schnell ersetzt
            werden. Du nimmst die Fälle auf und veranlasst Ersatz und Erstattung.
        """),
        hours_per_week=5, openings=1, plan=Plan.CLOSED,
    ),
    GigSpec(
        APOTHEKE, "Gesundheitsforum moderieren: Allergien und Heuschnupfen",
        FORUM, PER_ITEM, 12, ("de",), ("health-topics",),
        _md("""
            In unserem Forum tauschen sich Allergiker:innen aus. Du schaltest Beiträge
            frei und entfernst Werbung für Wundermittel.
        """),
        communities=(
            Community("Lindenhof-Forum: Allergien", "Erwachsene mit Allergien und Angehörige",
                      "Rund 30 neue Beiträge am Tag, in der Pollensaison das Dreifache."),
        ),
        hours_per_week=4, openings=2, plan=Plan.RESUBMITTED,
        reason="Bitte stellt klar, dass Moderator:innen keine medizinischen Ratschläge "
        "geben und wohin sie Notfälle (z. B. Atemnot) weiterleiten.",
        change="**Wichtig:** Du gibst keine medizinischen Ratschläge. Beiträge, die nach "
        "einem Notfall klingen, leitest du sofort an die diensthabende Apothekerin weiter.",
    ),
)

NORDLICHT_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        NORDLICHT, "Discord moderator for the Nordlicht gaming server (EU evenings)",
        CHAT, PER_HOUR, 1350, ("de", "en"), ("gaming-community", "hate-speech-exposure"),
        _md("""
            Our Discord server for *Fjordfall* has 48,000 members. In the evening (CET)
            the LFG channels get busy and so does the toxicity.

            **You will**
            - enforce the server rules with our mod bot (warn, timeout, ban)
            - answer newcomers in #help
            - write a short handover note after each shift

            Gamers preferred. You must be able to take insults without taking them home.
        """),
        communities=(
            Community("Fjordfall Official (Discord)", "Players 16+, mostly 18–35",
                      "48,000 members; LFG, patch discussion, clips and support channels."),
        ),
        hours_per_week=10, openings=5,
        reports=(
            Report(NEWBIE_EMAIL,
                   "The server rules say moderators must also read members' direct messages "
                   "when a report comes in. The listing does not mention that."),
        ),
    ),
    GigSpec(
        NORDLICHT, "Forum-Moderation: offizielles Fjordfall-Spieleforum",
        FORUM, PER_ITEM, 10, ("de",), ("gaming-community",),
        _md("""
            Im deutschen Fjordfall-Forum diskutieren Spieler:innen Patches, Builds und
            Bugs. Du gibst Beiträge frei, verschiebst Threads und sperrst Spam-Konten.
        """),
        communities=(
            Community("Fjordfall-Forum (deutsch)", "Spieler:innen ab 16",
                      "Rund 400 neue Beiträge am Tag; Patch-Tage deutlich mehr."),
        ),
        hours_per_week=8, openings=3,
    ),
    GigSpec(
        NORDLICHT, "Review player-submitted clips (violent shooter footage)",
        CHAT, PER_ITEM, 7, ("en",), ("graphic-violence", "gaming-community"),
        _md("""
            Players submit clips for our weekly highlight show. You check them for
            slurs, doxxing and real-world violence disguised as game footage.

            Clips contain in-game gore. Please only apply if that is fine for you.
        """),
        communities=(
            Community("#clips-submissions (Fjordfall Discord)", "Players 18+",
                      "About 250 clips a week, 30 seconds to 2 minutes each."),
        ),
        hours_per_week=5, openings=2,
    ),
    GigSpec(
        NORDLICHT, "Moderation des Jugendbereichs im Discord (12–17 Jahre)",
        CHAT, PER_HOUR, 1550, ("de",), ("children-audience", "gaming-community"),
        _md("""
            Unser Jugendbereich hat eigene Regeln. Du achtest auf einen freundlichen
            Ton, auf Cybergrooming-Anzeichen und meldest Verdachtsfälle sofort.

            - erweitertes Führungszeugnis erforderlich
            - Schulung zu Kinder- und Jugendschutz (bezahlt, 3 Stunden)
        """),
        communities=(
            Community("Fjordfall Junior-Kanäle", "Jugendliche 12–17 Jahre",
                      "Eigene Text- und Sprachkanäle mit etwa 3.500 Mitgliedern."),
        ),
        hours_per_week=6, openings=3,
    ),
    GigSpec(
        NORDLICHT, "Support tickets for in-game purchases and refunds",
        EMAIL, PER_EMAIL, 85, ("de", "en"),
        ("complaints", "gaming-community", "returns-refunds"),
        _md("""
            Bought the wrong skin pack? Charged twice? You answer purchase and refund
            emails using our store dashboard and decide standard refunds yourself.
        """),
        hours_per_week=8, openings=3,
    ),
    GigSpec(
        NORDLICHT, "Ticket-Support: Accountsperren und Ban-Einsprüche",
        EMAIL, PER_EMAIL, 100, ("de",),
        ("complaints", "gaming-community", "hate-speech-exposure"),
        _md("""
            *Entwurf:* Gesperrte Spieler:innen legen per E-Mail Einspruch ein. Du prüfst
            Chatlogs und antwortest mit einer begründeten Entscheidung.
        """),
        hours_per_week=6, openings=2, plan=Plan.DRAFT,
    ),
    GigSpec(
        NORDLICHT, "Moderazione del server Discord italiano di Fjordfall",
        CHAT, PER_HOUR, 1300, ("it",), ("gaming-community",),
        _md("""
            Our Italian community channels need a moderator for the evening. Rules are
            in English; chat is in Italian.
        """),
        communities=(
            Community("Fjordfall Italia (Discord)", "Players 16+ from Italy",
                      "Around 4,000 members."),
        ),
        hours_per_week=6, openings=1, plan=Plan.EXPIRED,
    ),
    GigSpec(
        NORDLICHT, "Closed-Beta-Forum moderieren (4 Wochen)",
        FORUM, PER_HOUR, 1300, ("de", "en"), ("gaming-community",),
        _md("""
            Für die geschlossene Beta unseres nächsten Spiels suchen wir Moderation
            für das Feedback-Forum: Bugs sortieren, Duplikate zusammenführen.
        """),
        communities=(
            Community("Nordlicht Closed Beta Forum", "Beta-Tester:innen ab 18 (NDA)",
                      "Etwa 2.000 Tester:innen, Feedback auf Deutsch und Englisch."),
        ),
        hours_per_week=12, openings=2, plan=Plan.CLOSED,
    ),
    GigSpec(
        NORDLICHT, "Turkish-speaking moderator for our Discord community",
        CHAT, PER_HOUR, 1300, ("en", "tr"), ("gaming-community", "hate-speech-exposure"),
        _md("""
            Our Turkish-speaking community is growing fast. You moderate its channels
            in the evening and translate reports for the English-speaking mod team.
        """),
        communities=(
            Community("Fjordfall Türkiye (Discord)", "Players 16+",
                      "About 6,000 members, busiest 19:00–24:00 TRT."),
        ),
        hours_per_week=8, openings=2,
    ),
)

ELTERNNEST_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        ELTERNNEST, "Moderation im Elternforum: Schwangerschaft & Baby",
        FORUM, PER_ITEM, 9, ("de",), ("health-topics",),
        _md("""
            Im Elternnest fragen werdende Eltern alles, was sie nachts wach hält. Du
            schaltest Beiträge frei, entfernst Werbung und achtest auf einen
            respektvollen Ton – auch beim Thema Impfen.

            - keine medizinische Beratung, dafür Verweise auf Hebammen und Ärzt:innen
            - Erfahrung als Elternteil ist willkommen, aber kein Muss
        """),
        communities=(
            Community("Elternnest: Schwangerschaft", "Werdende Eltern",
                      "Rund 600 neue Beiträge am Tag."),
            Community("Elternnest: Babys erstes Jahr", "Eltern von Säuglingen",
                      "Schlaf, Stillen, Beikost; viele Fotos, die geprüft werden müssen."),
        ),
        hours_per_week=10, openings=4,
        reports=(
            Report(SEEKER_EMAIL,
                   "Die Bezahlung pro Beitrag wirkt sehr niedrig für die Verantwortung.",
                   outcome="dismissed",
                   note="Rate is within the usual range for forum moderation; no rule broken."),
        ),
    ),
    GigSpec(
        ELTERNNEST, "Forum moderation for Parent Nest, our English spin-off",
        FORUM, PER_HOUR, 1400, ("en",), ("health-topics",),
        _md("""
            Parent Nest is the English-language version of Elternnest for international
            families in Germany. Moderate threads about Kita places, paperwork and health.
        """),
        communities=(
            Community("Parent Nest", "International parents living in Germany",
                      "About 80 new posts a day."),
        ),
        hours_per_week=6, openings=1, plan=Plan.IN_REVIEW,
    ),
    GigSpec(
        ELTERNNEST, "Kommentarmoderation im Elternnest-Blog: Schule und Lernen",
        FORUM, PER_ITEM, 8, ("de",), ("children-audience",),
        _md("""
            Auf unserem Blog kommentieren Eltern und auch Schüler:innen. Du gibst
            Kommentare frei und achtest darauf, dass keine Kinderfotos oder
            Klarnamen von Kindern veröffentlicht werden.
        """),
        communities=(
            Community("Elternnest-Blog: Schule", "Eltern und Schüler:innen ab 10",
                      "Kommentare zu Artikeln über Hausaufgaben, Noten und Übertritt."),
        ),
        hours_per_week=4, openings=2,
    ),
    GigSpec(
        ELTERNNEST, "Moderatie van het ouderforum Oudernest (Nederlands)",
        FORUM, PER_ITEM, 9, ("nl",), (),
        _md("""
            Unser niederländisches Schwesterforum Oudernest sucht Moderation auf
            Niederländisch. Abstimmung im Team auf Deutsch oder Englisch.
        """),
        communities=(
            Community("Oudernest", "Ouders in Nederland en Vlaanderen",
                      "Rund 150 neue Beiträge am Tag."),
        ),
        hours_per_week=5, openings=1,
    ),
    GigSpec(
        ELTERNNEST, "Support-E-Mails zu Mitgliedschaft und Kündigung",
        EMAIL, PER_EMAIL, 80, ("de",), ("complaints",),
        _md("""
            Fragen zum Premium-Abo, zur Kündigung und zu vergessenen Passwörtern
            beantworten – mit unseren Vorlagen.
        """),
        hours_per_week=4, openings=1, plan=Plan.WITHDRAWN,
    ),
)

ROYAL_FLUSH_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        ROYAL_FLUSH, "Poker forum moderator (hand discussions, strategy threads)",
        FORUM, PER_ITEM, 6, ("de", "en"), ("gambling",),
        _md("""
            Our forum discusses poker strategy: hand histories, bankroll management,
            tournament reports. You remove spam, affiliate links and personal attacks.
        """),
        communities=(
            Community("Royal Flush Forum", "Adult poker players",
                      "About 12,000 members; English and German sub-forums."),
        ),
        hours_per_week=8, openings=2,
        reports=(
            Report(SEEKER_EMAIL,
                   "Im Forum wird auf nicht lizenzierte Online-Casinos verlinkt; die Anzeige "
                   "verschweigt, dass man das täglich sieht."),
        ),
    ),
    GigSpec(
        ROYAL_FLUSH, "Moderation Live-Turnier-Chat (Pokerstream)",
        CHAT, PER_HOUR, 1400, ("de",), ("gambling", "hate-speech-exposure"),
        _md("""
            Während unserer Turnier-Streams am Sonntagabend moderierst du den Chat:
            Spam löschen, Tilt-Ausraster entschärfen, Fragen zum Turnier beantworten.
        """),
        communities=(
            Community("Royal Flush Sunday Stream", "Erwachsene Pokerfans",
                      "Twitch-Chat mit 500–1.500 Zuschauer:innen."),
        ),
        hours_per_week=5, openings=2,
    ),
    GigSpec(
        ROYAL_FLUSH, "Affiliate-Beiträge im Pokerforum prüfen und freischalten",
        FORUM, PER_ITEM, 5, ("de", "en"), ("gambling",),
        _md("""
            Partner-Casinos posten Bonusangebote. Du prüfst die Beiträge und schaltest
            sie frei.
        """),
        communities=(
            Community("Royal Flush Forum: Boni & Promotions", "Erwachsene Pokerfans",
                      "Werbebeiträge von Partnerseiten."),
        ),
        hours_per_week=4, openings=1, plan=Plan.REJECTED,
        reason="Das Freischalten von Werbung für in Deutschland nicht lizenzierte Casinos "
        "können wir nicht vermitteln. Bitte beschränkt die Aufgabe auf lizenzierte Anbieter.",
    ),
)

MEGA_GEWINN_GIGS: tuple[GigSpec, ...] = (
    GigSpec(
        MEGA_GEWINN, "Verdiene 50 € pro Stunde mit E-Mails beantworten – ohne Erfahrung!",
        EMAIL, PER_HOUR, 5000, ("de",), (),
        _md("""
            Einfach von zu Hause E-Mails beantworten und **richtig Geld verdienen**!
            Keine Erfahrung nötig. Melde dich jetzt!
        """),
        hours_per_week=20, openings=50, plan=Plan.TAKEN_DOWN,
        reason="Nach Meldungen: Bewerber:innen sollen vorab eine Gebühr zahlen. "
        "Das ist auf Nebendesk nicht erlaubt.",
        reports=(
            Report(SEEKER_EMAIL,
                   "Nach der Bewerbung wurde eine „Startgebühr“ von 49 € verlangt.",
                   outcome="actioned"),
            Report(NEWBIE_EMAIL,
                   "They asked me to pay for a starter kit before the first task.",
                   outcome="actioned"),
        ),
    ),
    GigSpec(
        MEGA_GEWINN, "Gewinnspiel-Anfragen per E-Mail beantworten",
        EMAIL, PER_EMAIL, 60, ("de",), (),
        _md("""
            Teilnehmer:innen unserer Gewinnspiele fragen nach ihrem Gewinn. Du
            antwortest mit unseren Vorlagen.
        """),
        hours_per_week=10, openings=5,
        reports=(
            Report(NEWBIE_EMAIL,
                   "The templates ask winners for their bank login to 'transfer the prize'. "
                   "Looks like phishing."),
        ),
    ),
)

# fmt: on

GIGS: tuple[GigSpec, ...] = (
    *SHOP_GIGS,
    *CHAT_GIGS,
    *APOTHEKE_GIGS,
    *NORDLICHT_GIGS,
    *ELTERNNEST_GIGS,
    *ROYAL_FLUSH_GIGS,
    *MEGA_GEWINN_GIGS,
)


# --- onboarding and applications ------------------------------------------------------


def _question(text: str, *options: str) -> dict[str, Any]:
    """One question in the quiz file format. Options written "+ …" are the correct
    ones: one makes a single-choice question, several a multiple-choice question."""
    marked = [(option.removeprefix("+ "), option.startswith("+ ")) for option in options]
    correct = sum(is_correct for _option, is_correct in marked)
    return {
        "text": text,
        "kind": "single" if correct == 1 else "multiple",
        "options": [{"text": option, "correct": is_correct} for option, is_correct in marked],
    }


def _quiz(
    *questions: dict[str, Any],
    pass_mark: int,
    time_limit: int | None,
    attempts: int,
    retry_delay: int,
    draw: int | None = None,
) -> dict[str, Any]:
    """A quiz as a company would import it (``marketplace.onboarding.quiz_file``)."""
    return {
        "format": QUIZ_FORMAT,
        "version": QUIZ_VERSION,
        "settings": {
            "pass_mark_percent": pass_mark,
            "time_limit_minutes": time_limit,
            "max_attempts": attempts,
            "retry_delay_minutes": retry_delay,
            "questions_per_attempt": draw,
            "shuffle_options": True,
        },
        "questions": list(questions),
    }


@dataclass(frozen=True)
class ApplicationSpec:
    """A demo seeker's application and how far it got.

    The seeder plays it through the services: apply; read and acknowledge the
    rules (unless the application stays ``submitted``); one quiz attempt per
    entry of ``wrong_answers`` (how many questions are answered wrongly, the
    others right); then the decision ``status`` asks for: hire, reject (with
    ``reason``) or withdraw. It checks that the application ends in ``status``.
    """

    seeker: str
    status: ApplicationStatus
    note: str
    hours_per_week: int
    languages: tuple[str, ...]
    wrong_answers: tuple[int, ...] = ()
    reason: str = ""  # the company's reason for a rejection


@dataclass(frozen=True)
class OnboardingSpec:
    company: str
    gig: str  # the title of one of the company's gigs above
    rules: str  # Markdown
    quiz: dict[str, Any] | None  # in the quiz file format; None: rules only
    applications: tuple[ApplicationSpec, ...] = ()


SUBMITTED, ONBOARDING = ApplicationStatus.SUBMITTED, ApplicationStatus.ONBOARDING
PASSED, HIRED = ApplicationStatus.PASSED, ApplicationStatus.HIRED
REJECTED, WITHDRAWN = ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN
FAILED_OUT = ApplicationStatus.FAILED_OUT

RADWERK_RULES = _md("""
    ## So arbeiten wir im Radwerk-Kundenservice

    Danke, dass du uns hilfst! Diese Regeln gelten für jede E-Mail, die du für
    Radwerk beantwortest. Im Zweifel gilt: lieber an das Team eskalieren als raten.

    ### Ton und Form
    - Wir **siezen** unsere Kundschaft, außer sie duzt uns zuerst.
    - Jede Antwort beginnt mit einer persönlichen Anrede mit Namen und endet mit
      deinem Vornamen und „Ihr Radwerk-Team“.
    - Freundlich und sachlich, auch wenn die Nachricht wütend ist. Keine Ironie,
      keine Emojis.
    - Nutze unsere Textbausteine (L1 Lieferstatus, R1 Retoure, K1 Reklamation) und
      passe sie an die Frage an. Eine Antwort beantwortet *alle* Fragen der E-Mail.

    ### Antwortzeit
    Eine E-Mail, die du aus dem Pool nimmst, beantwortest du innerhalb von
    **24 Stunden an Werktagen**. Schaffst du das nicht, gib sie in den Pool zurück.

    ### Was du zusagen darfst – und was nicht
    - Du darfst: den Lieferstatus nennen, ein Retourenlabel für unbenutzte Ware
      anstoßen (R1), eine Reklamation aufnehmen (K1).
    - Radwerk gewährt **30 Tage Rückgaberecht** für unbenutzte Ware; das gesetzliche
      Widerrufsrecht von 14 Tagen gilt ohnehin.
    - Du sagst **keine** Erstattungen außerhalb dieser Fristen, keine Gutscheine und
      keine Preisnachlässe zu. Über Kulanz entscheidet das Stammteam: Eskaliere
      den Fall und schreibe der Kundschaft, dass sie innerhalb von zwei Werktagen
      von uns hört.

    ### Sicherheit geht vor
    Bremsen, die nicht greifen, ein gebrochener Rahmen oder Lenker, ein Akku, der
    heiß wird oder verbrannt riecht: Bitte die Kundschaft, das Rad **nicht mehr zu
    benutzen**, und eskaliere sofort an die Werkstatt. Keine Ferndiagnosen, keine
    Reparaturanleitungen.

    ### Sofort eskalieren
    - Unfälle und Verletzungen, Sicherheitsmängel
    - Anfragen von Presse, Anwält:innen oder Behörden
    - Drohungen gegen dich oder das Team

    ### Datenschutz
    - Zur Zuordnung reichen **Bestellnummer, Name und Postleitzahl** der Lieferadresse.
    - Frage nie nach Passwörtern, Karten- oder Bankdaten.
    - Rechnungen und Auskünfte gehen nur an die E-Mail-Adresse des Kundenkontos.
    - Kundendaten verlassen das Ticketsystem nicht: keine Screenshots, keine
      privaten Notizen, keine Weiterleitung an private Postfächer.
""")

RADWERK_QUIZ = _quiz(
    _question(
        "Ein Kunde schreibt: „Meine Vorderbremse quietscht und greift seit gestern kaum "
        "noch.“ Was tust du?",
        "+ Ihn bitten, das Rad nicht mehr zu fahren, und sofort an die Werkstatt eskalieren",
        "Ihm eine Anleitung zum Nachstellen der Bremse schicken",
        "Auf die nächste Inspektion in sechs Monaten verweisen",
        "Einen Gutschein für neue Bremsbeläge anbieten",
    ),
    _question(
        "Mit welchen Angaben ordnest du eine E-Mail einer Bestellung zu?",
        "+ Bestellnummer",
        "+ Name",
        "+ Postleitzahl der Lieferadresse",
        "Kreditkartennummer",
        "Passwort des Kundenkontos",
    ),
    _question(
        "Eine Kundin verlangt 20 % Rabatt, weil ihr Rad drei Tage später als angekündigt "
        "ankam. Wie antwortest du?",
        "20 % Rabatt zusagen, damit sie zufrieden ist",
        "+ Dich entschuldigen, die Verzögerung erklären und die Kulanzfrage an das "
        "Stammteam eskalieren",
        "Ablehnen, weil Lieferzeiten unverbindlich sind",
        "Ihr einen Gutschein über 10 % als Kompromiss anbieten",
    ),
    _question(
        "Bis wann beantwortest du eine E-Mail, die du aus dem Pool genommen hast?",
        "Innerhalb von 4 Stunden",
        "+ Innerhalb von 24 Stunden an Werktagen",
        "Bis zum Ende der Woche",
        "Keine Frist, solange niemand nachfragt",
    ),
    _question(
        "Was gehört in jede Antwort an die Kundschaft?",
        "+ Eine persönliche Anrede mit Namen",
        "+ Dein Vorname und „Ihr Radwerk-Team“",
        "Deine private Telefonnummer für Rückfragen",
        "Ein Smiley, damit es freundlich wirkt",
    ),
    _question(
        "Ein Kunde möchte ein unbenutztes Fahrradschloss 25 Tage nach Erhalt zurückgeben. "
        "Was gilt?",
        "Das geht nicht mehr, die Widerrufsfrist von 14 Tagen ist vorbei",
        "+ Das geht: Radwerk gewährt 30 Tage Rückgaberecht für unbenutzte Ware",
        "Nur gegen eine Bearbeitungsgebühr",
        "Nur, wenn er einen Mangel nachweist",
    ),
    _question(
        "Welche E-Mails eskalierst du sofort an das Team?",
        "+ Ein Kunde ist gestürzt, weil der Lenker gebrochen ist",
        "+ Eine Journalistin bittet um eine Stellungnahme",
        "Jemand fragt, welche Rahmengröße bei 1,80 m passt",
        "Eine Kundin fragt nach dem Lieferstatus ihres Helms",
    ),
    _question(
        "Eine Kundin bittet, ihre Rechnung an eine andere E-Mail-Adresse zu schicken als "
        "die ihres Kundenkontos. Was tust du?",
        "Die Rechnung an die neue Adresse schicken",
        "Nach ihrem Passwort fragen, um sicherzugehen, dass sie es ist",
        "+ Die Rechnung nur an die Adresse des Kundenkontos schicken und erklären, wie "
        "sie die Adresse im Konto ändert",
        "Die Anfrage ohne Antwort schließen",
    ),
    _question(
        "Ein Kunde beschimpft dich in Großbuchstaben, weil sein Paket fehlt. Wie reagierst du?",
        "Im gleichen Ton antworten, damit er merkt, wie das wirkt",
        "+ Ruhig und freundlich auf das Anliegen eingehen und den Lieferstatus klären",
        "Die E-Mail löschen",
        "Ihn bitten, sich erst zu beruhigen, und sonst nichts schreiben",
    ),
    pass_mark=75,
    time_limit=20,
    attempts=3,
    retry_delay=30,
)

RADWERK_ENGLISH_RULES = _md("""
    ## Customer care for Radwerk's customers abroad

    Our customers in the Netherlands, Austria, Denmark and Ireland write in
    English, and for most of them it is a second language.

    ### How we write
    - Short, simple sentences; no idioms, no slang, no internal abbreviations.
    - Address the customer by name and sign with your first name and
      "Radwerk Customer Care".
    - Answer every question in the email, using our templates (L1 delivery status,
      D1 damaged in transit, R1 return) adapted to the case.

    ### Response time
    Answer an email you took from the pool within **24 hours on working days**,
    or put it back in the pool.

    ### Damaged in transit
    Ask for photos of the box, the damage and the shipping label (template D1)
    and tell the customer to keep the packaging until the carrier's claim is
    closed. You never decide on a replacement or refund yourself.

    ### What you may promise
    - A return label (R1) for unused items within 30 days of delivery.
    - That you have passed the case to our team and they will hear back within
      two working days.
    - Nothing else: no refunds, replacements, discounts or vouchers. The core team
      decides those, also when a customer threatens a bad review.

    ### Safety first
    Brakes that fail, a cracked frame, a battery that gets hot, swells or smells
    burnt: tell the customer to stop using (and charging) it, to keep a battery
    away from anything flammable, and escalate to the workshop at once.

    ### Privacy
    Identify customers by order number and delivery postcode. Never ask for
    passwords or card details. Customer data stays in the ticket system.
""")

RADWERK_ENGLISH_QUIZ = _quiz(
    _question(
        "A customer in Dublin writes that the box arrived crushed and the rear derailleur "
        "is bent. What do you ask for first?",
        "+ Photos of the box, the damage and the shipping label",
        "That they send the bike back at their own cost",
        "A video of them riding the bike",
        "Their bank details for a refund",
    ),
    _question(
        "Which of these may you promise a customer yourself?",
        "+ A return label for an unused bell, 12 days after delivery",
        "+ That their case is with our team and they will hear back within two working days",
        "A full refund for a bike that arrived damaged",
        "15 % off their next order",
    ),
    _question(
        "An e-bike battery got very hot and smells burnt while charging. What do you do?",
        "Explain how to reset the battery management system",
        "+ Tell them to stop charging and using it, keep it away from anything flammable, "
        "and escalate at once",
        "Ask them to post the battery back to us",
        "Suggest letting it cool down and charging it again",
    ),
    _question(
        "How do you make sure you are writing to the person who ordered?",
        "+ Order number and postcode of the delivery address",
        "The card number used to pay",
        "The password of their customer account",
        "A photo of their passport",
    ),
    _question(
        "Which writing habits fit our style for international customers?",
        "+ Short, simple sentences",
        "+ Addressing the customer by name",
        "Idioms such as “it's not rocket science”",
        "Internal shorthand such as “RMA pending WS”",
    ),
    _question(
        "An angry customer threatens a one-star review unless he gets a free replacement "
        "wheel today. How do you respond?",
        "Promise the free wheel to avoid the review",
        "Tell him reviews do not matter to us",
        "+ Stay calm, acknowledge the problem, explain the next step and escalate the request",
        "Stop answering his emails",
    ),
    _question(
        "Within how long must you answer an email you took from the pool?",
        "4 hours",
        "+ 24 hours on working days",
        "72 hours",
        "There is no deadline",
    ),
    pass_mark=70,
    time_limit=15,
    attempts=2,
    retry_delay=60,
)

WEEKEND_RULES = _md("""
    ## Wochenend-Support: kurz und knapp

    - Schichten Sa/So 10–14 Uhr. Bitte spätestens um 10:05 Uhr im Pool sein; wer
      nicht kann, sagt bis Freitag 18 Uhr Bescheid.
    - Du beantwortest nur Fragen zum **Lieferstatus** (Textbaustein L1). Alles andere
      – Retouren, Reklamationen, Kulanz – gibst du mit einer kurzen Notiz an das
      Montagsteam weiter.
    - Sendungsnummern schlägst du ausschließlich im Portal des Paketdienstes nach,
      nie über Suchmaschinen oder Drittseiten.
    - Adressen ändern wir am Wochenende nicht: Das Paket ist meist schon unterwegs.
""")

HERZKLOPFEN_RULES = _md("""
    ## Herzklopfen moderation rulebook (short version)

    You moderate private conversations between adults. What you read is
    confidential; treat every user with respect, including the ones you ban.

    ### What you review
    Only messages and profiles that users **reported**. You never browse chats.

    ### Consent
    Flirting and explicit language between two adults who both take part is
    allowed. An explicit **photo** sent without being asked for is a ban; explicit
    messages after the other person said no get a warning the first time.

    ### Actions, from mild to severe
    1. **Warn**: a first rude or pushy message, a mild insult.
    2. **Mute for 24 hours**: harassment that continues after a warning, spam.
    3. **Ban**: threats, hate speech, scams and requests for money, unsolicited
       explicit photos, advertising of paid services, fake profiles (reason code F1).

    Romance scams look alike: a sad story, a request for money, gift cards or
    crypto, pressure to move to another app. Ban the scammer and send the
    reporting user our safety message (template S2).

    ### Escalate at once to the shift lead, never decide yourself
    - any sign that a user is **under 18**
    - threats of violence or of self-harm
    - intimate images of someone who did not agree to share them
    - requests from the police or other authorities

    ### Privacy
    No screenshots, no notes outside the moderation tool, no contact with users
    outside the app. Never look up people you know; if you recognise a reported
    user, hand the report to another moderator. Discuss hard cases only with the
    shift lead.

    ### Your wellbeing
    Skip any item and take a break whenever you need to; breaks are paid. Two
    counselling sessions a month are paid by us, no questions asked.
""")

HERZKLOPFEN_QUIZ = _quiz(
    _question(
        "In a reported match chat a user writes: “I'm 16 but everyone says I look older.” "
        "What do you do?",
        "+ Escalate to the shift lead at once and decide nothing yourself",
        "Warn the user that Herzklopfen is for adults only",
        "Nothing, as long as no explicit messages were sent",
        "Ban the other person in the chat",
    ),
    _question(
        "After two days of chatting, a match asks a user for €300 in gift cards for a "
        "“plane ticket”. Which actions are right?",
        "+ Ban the account that asked for money",
        "+ Send the reporting user our safety message (template S2)",
        "Warn both users",
        "Ask the other account for a copy of the ticket",
    ),
    _question(
        "A report shows two adults flirting explicitly; both clearly took part. One of "
        "them reported the chat a week later, after a falling-out. What do you do?",
        "Warn both for explicit language",
        "Mute both for 24 hours",
        "+ Close the report without action: consensual flirting between adults is allowed",
        "Ban the user who wrote the most explicit message",
    ),
    _question(
        "A user sends an explicit photo to a match who never asked for it. It is his "
        "first report. What is the action?",
        "A warning, because it is the first time",
        "A 24-hour mute",
        "+ A ban",
        "No action: it is a dating app",
    ),
    _question(
        "Which of these do you escalate to the shift lead instead of deciding yourself?",
        "+ A user writes that she will hurt herself tonight",
        "+ Someone shares intimate photos of his ex-partner",
        "+ A police officer emails asking for a user's chat history",
        "A profile photo shows a brand logo",
        "A user calls his date “boring” in a message",
    ),
    _question(
        "You recognise a reported user: it is your neighbour. What do you do?",
        "+ Hand the report to another moderator",
        "Decide it yourself, but extra strictly",
        "Tell your neighbour about the report",
        "Ban the account without reading, to be safe",
    ),
    _question(
        "A user keeps writing to someone who told him twice to stop. He was warned "
        "once already. What is the action?",
        "Another warning",
        "+ A 24-hour mute",
        "No action: the other user can block him",
        "Escalate to the shift lead",
    ),
    _question(
        "Which uses of what you see while moderating are allowed?",
        "+ Writing the reason code and a short note in the moderation tool",
        "+ Discussing a hard case with the shift lead",
        "Taking a screenshot of a funny chat for a friend",
        "Searching for a colleague's profile out of curiosity",
    ),
    _question(
        "A profile uses photos of a well-known actor. What do you do?",
        "+ Ban it as a fake profile (reason code F1)",
        "Warn the user to change the photos",
        "Leave it: it might be a fan",
        "Contact the actor's agency",
    ),
    _question(
        "A shift with disturbing reports has worn you out. What may you do?",
        "+ Skip items and take a paid break",
        "+ Book a counselling session paid by Chat Demo UG",
        "Nothing: the queue has to be empty before you stop",
        "Ask a friend to finish your shift under your login",
    ),
    pass_mark=80,
    time_limit=15,
    attempts=2,
    retry_delay=24 * 60,
    draw=8,  # drawn from the pool of 10, so a retake is a different paper
)

# fmt: off
ONBOARDINGS: tuple[OnboardingSpec, ...] = (
    OnboardingSpec(
        SHOP_COMPANY, RADWERK_EMAIL_GIG, RADWERK_RULES, RADWERK_QUIZ,
        applications=(
            ApplicationSpec(
                SEEKER_EMAIL, HIRED,
                "Drei Jahre Kundenservice im Modeversand, davon ein Jahr Reklamationen. "
                "Ich fahre selbst täglich Rad.",
                12, ("de",), wrong_answers=(0,),
            ),
            ApplicationSpec(
                JONAS_EMAIL, PASSED,
                "Gelernter Zweiradmechaniker, gerade in Elternzeit. Abends und am Wochenende "
                "habe ich Zeit.",
                10, ("de", "en"), wrong_answers=(3, 1),
            ),
            ApplicationSpec(
                AYLIN_EMAIL, ONBOARDING,
                "Ich mache eine Ausbildung im E-Commerce und kenne Shopware und Zendesk.",
                8, ("de",), wrong_answers=(4,),
            ),
            ApplicationSpec(
                MARTA_EMAIL, FAILED_OUT,
                "I would like to improve my German with real customer emails.",
                6, ("de", "en"), wrong_answers=(5, 4, 3),
            ),
        ),
    ),
    OnboardingSpec(
        SHOP_COMPANY, RADWERK_ENGLISH_GIG, RADWERK_ENGLISH_RULES, RADWERK_ENGLISH_QUIZ,
        applications=(
            ApplicationSpec(
                SAM_EMAIL, HIRED,
                "Two years of email support for a travel start-up (Zendesk, macros, "
                "refund policies). Native English speaker.",
                10, ("en",), wrong_answers=(1,),
            ),
            ApplicationSpec(
                MARTA_EMAIL, REJECTED,
                "Evenings only: I work early shifts in a bakery.",
                6, ("en",), wrong_answers=(0,),
                reason="Thank you for passing our quiz! We need someone who can answer on "
                "weekday mornings (8–12 CET), when our Irish customers write. Please "
                "apply again if your shifts change.",
            ),
            ApplicationSpec(
                SEEKER_EMAIL, WITHDRAWN,
                "I can also answer in English, 3–4 hours a week.",
                4, ("en",),
            ),
            ApplicationSpec(
                NEWBIE_EMAIL, SUBMITTED,
                "New to support, but I write English every day at university.",
                8, ("en",),
            ),
        ),
    ),
    OnboardingSpec(
        SHOP_COMPANY, WEEKEND_GIG, WEEKEND_RULES, None,
        applications=(
            ApplicationSpec(
                JONAS_EMAIL, PASSED,
                "Samstags und sonntags vormittags passt es mir gut.",
                8, ("de",),
            ),
        ),
    ),
    OnboardingSpec(
        CHAT_COMPANY, HERZKLOPFEN_GIG, HERZKLOPFEN_RULES, HERZKLOPFEN_QUIZ,
        applications=(
            ApplicationSpec(
                AYLIN_EMAIL, PASSED,
                "I moderate a Discord server with 3,000 members and I am awake at night "
                "anyway.",
                10, ("de", "en"), wrong_answers=(1,),
            ),
            ApplicationSpec(
                SEEKER_EMAIL, ONBOARDING,
                "Nachtschichten sind für mich kein Problem; ich habe schon einen Chat "
                "für ein Festival moderiert.",
                8, ("de", "en"),
            ),
            ApplicationSpec(
                JONAS_EMAIL, REJECTED,
                "I could do a few hours on Friday nights.",
                3, ("de",),
                reason="Our night shifts run 22:00–02:00 on at least three nights a week; "
                "three hours a week are too few for the training to pay off.",
            ),
        ),
    ),
)
# fmt: on
