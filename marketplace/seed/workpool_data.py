"""The demo mailbox of Radwerk (Shop Demo GmbH): its settings, canned replies and the
customer emails in it, with what the hired worker did with some of them.

Read by ``marketplace.seed.workpool``, which stores the emails through
``inbound.store`` and plays the work through the pool's services.
"""

from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent

from marketplace.workpool.models import DEFAULT_ACK_DE, DEFAULT_ACK_EN


def _text(text: str) -> str:
    return dedent(text).strip() + "\n"


MAILBOX_NAME = "Radwerk Kundenservice"
FROM_ADDRESS = "support@shop.demo.test"
SIGNATURE = _text("""
    Radwerk Kundenservice
    Radwerk – ein Shop der Shop Demo GmbH
    Karl-Liebknecht-Straße 12, 04107 Leipzig
    Telefon 0341 123 456 (Mo–Fr 9–17 Uhr)
""")
ACK_DE, ACK_EN = DEFAULT_ACK_DE, DEFAULT_ACK_EN
FIRST_RESPONSE_HOURS = 24
ESCALATION_RATE_CENTS = 45  # half the gig's 0,90 € per email: escalating is work too
# The demo's inbound token, printed like the demo password, so a developer can post
# mail to the API (``flask seed demo`` prints the curl line). Demo data only.
DEMO_INBOUND_TOKEN = "demo-radwerk-inbound-token"  # noqa: S105
FUNDING_CENTS = 25_000  # 250 €: the answers below and a few hundred more
APPROVED_ANSWERS = 3  # the owner approves the first three answers (the seeker's payout)

# (title, body): German and English, with the placeholders the pool fills in.
CANNED_REPLIES: tuple[tuple[str, str], ...] = (
    (
        "Lieferstatus (DE)",
        _text("""
        Guten Tag {customer_name},

        vielen Dank für Ihre Nachricht. Ihre Bestellung {order_number} hat unser Lager
        verlassen und ist mit DHL unterwegs. Die Sendungsnummer finden Sie in der
        Versandbestätigung; in der Regel kommt das Paket innerhalb von 1–2 Werktagen an.

        Viele Grüße
        {worker_name}
    """),
    ),
    (
        "Rücksendung / Retourenlabel (DE)",
        _text("""
        Guten Tag {customer_name},

        schade, dass Ihnen der Artikel aus Bestellung {order_number} nicht passt. Sie
        können ihn innerhalb von 30 Tagen kostenlos zurückschicken: Das Retourenlabel
        kommt in einer separaten E-Mail. Sobald die Rücksendung bei uns ist, erstatten
        wir den Betrag innerhalb von 5 Werktagen auf Ihr ursprüngliches Zahlungsmittel.

        Viele Grüße
        {worker_name}
    """),
    ),
    (
        "Falsche Größe – Umtausch (DE)",
        _text("""
        Guten Tag {customer_name},

        das tut uns leid! Wir tauschen den Artikel aus Bestellung {order_number}
        selbstverständlich kostenlos um. Bitte schicken Sie ihn mit dem beiliegenden
        Retourenschein zurück und nennen Sie uns die gewünschte Größe; die neue Größe
        reservieren wir ab sofort für Sie.

        Viele Grüße
        {worker_name}
    """),
    ),
    (
        "Rechnung als PDF (DE)",
        _text("""
        Guten Tag {customer_name},

        gern schicken wir Ihnen die Rechnung zu Bestellung {order_number} noch einmal
        als PDF. Sie finden sie außerdem jederzeit in Ihrem Kundenkonto unter
        „Meine Bestellungen“.

        Viele Grüße
        {worker_name}
    """),
    ),
    (
        "Delivery status (EN)",
        _text("""
        Dear {customer_name},

        thank you for your message. Your order {order_number} has left our warehouse
        and is on its way with DHL; you will find the tracking number in the shipping
        confirmation. Deliveries abroad usually take 3–5 working days.

        Kind regards
        {worker_name}
    """),
    ),
    (
        "Returns and refunds (EN)",
        _text("""
        Dear {customer_name},

        you can return the items of order {order_number} free of charge within 30
        days. We will email you a return label separately; once the parcel reaches us,
        we refund you within 5 working days.

        Kind regards
        {worker_name}
    """),
    ),
)


@dataclass(frozen=True)
class CustomerMail:
    """One email a customer sends. ``key`` makes its Message-ID (so seeding twice
    stores it once); ``hours_ago`` is when it arrived."""

    key: str
    name: str
    address: str
    subject: str
    body: str
    hours_ago: float
    html: bool = False
    attachment: str | None = None  # file name of a small generated PNG photo
    in_reply_to: str | None = None  # key of an earlier mail of the same customer
    # What the hired worker did: "answer" (with ``reply``) or "escalate" (``reply`` is
    # the internal note to the company). Played in the order the pool hands them out.
    work: str | None = None
    reply: str = ""

    @property
    def message_id(self) -> str:
        return f"<{self.key}@{self.address.rpartition('@')[2]}>"


# fmt: off
# Worked on by seeker@demo.test a few hours after they arrived (oldest first: the pool
# hands out the conversation closest to its first-response target).
WORKED: tuple[CustomerMail, ...] = (
    CustomerMail(
        "rw-demo-liefer-01", "Katrin Vogel", "k.vogel@example.com",
        "Wann kommt mein Trekkingrad?",
        _text("""
            Hallo Radwerk-Team,

            ich habe am Montag ein Trekkingrad „Elbe 28“ bestellt (Bestellnummer RW-481203)
            und noch keine Versandbestätigung bekommen. Können Sie mir sagen, wann es
            ungefähr geliefert wird? Am Wochenende möchte ich damit eine Tour machen.

            Viele Grüße
            Katrin Vogel
        """),
        7.0, work="answer",
        reply=_text("""
            Guten Tag Frau Vogel,

            vielen Dank für Ihre Nachricht. Ihr Trekkingrad „Elbe 28“ (RW-481203) wurde
            heute Vormittag in der Werkstatt endmontiert und geht morgen früh per
            Spedition an Sie raus. Die Spedition meldet sich vorab telefonisch für einen
            Liefertermin; mit etwas Glück klappt es also noch vor dem Wochenende.

            Viele Grüße
            Lena Hoffmann
        """),
    ),
    CustomerMail(
        "rw-demo-rechnung-01", "Thomas Brandt", "thomas.brandt@example.net",
        "Rechnung für Dienstrad-Leasing benötigt",
        _text("""
            Guten Tag,

            mein Arbeitgeber least mein neues E-Bike über JobRad. Dafür brauche ich eine
            Rechnung auf den Namen der Firma (Brandt & Söhne Haustechnik GmbH,
            Gohliser Str. 4, 04155 Leipzig). Bestellnummer: RW-480977.

            Können Sie mir die Rechnung bitte entsprechend ausstellen?

            Mit freundlichen Grüßen
            Thomas Brandt
        """),
        6.0, work="answer",
        reply=_text("""
            Guten Tag Herr Brandt,

            gern. Für Dienstrad-Leasing stellen wir die Rechnung direkt an den
            Leasinggeber aus, nicht an Ihren Arbeitgeber; das verlangt JobRad so. Bitte
            schicken Sie uns dazu den Überlassungsvertrag bzw. die Bestellnummer von
            JobRad, dann ändern wir Bestellung RW-480977 entsprechend und schicken Ihnen
            die neue Rechnung als PDF.

            Viele Grüße
            Lena Hoffmann
        """),
    ),
    CustomerMail(
        "rw-demo-groesse-01", "Melanie Schuster", "melanie.schuster@example.org",
        "Helm zu klein – Umtausch möglich?",
        _text("""
            Hallo,

            der Helm „Urban Pro“ aus meiner Bestellung RW-481544 ist leider zu klein
            (Größe S/M), obwohl ich nach Ihrer Tabelle gemessen habe: 58 cm Kopfumfang.
            Kann ich ihn gegen L/XL tauschen?

            Danke und Gruß
            Melanie Schuster
        """),
        5.5, work="answer",
        reply=_text("""
            Guten Tag Frau Schuster,

            das tut uns leid! Bei 58 cm liegen Sie genau an der Grenze zwischen S/M und
            L/XL; wir haben die Größentabelle deshalb gerade angepasst. Den Umtausch
            machen wir selbstverständlich kostenlos: Das Retourenlabel kommt gleich in
            einer separaten E-Mail, und den Helm in L/XL haben wir schon für Sie
            reserviert. Er geht raus, sobald Ihre Rücksendung gescannt ist.

            Viele Grüße
            Lena Hoffmann
        """),
    ),
    CustomerMail(
        "rw-demo-return-en-01", "Ciara Walsh", "ciara.walsh@example.com",
        "Return of bike lights",
        _text("""
            Hello,

            I bought a set of bike lights with my order RW-479812 but it turned out my
            new bike already has a dynamo light. How can I return them? They are still
            unopened.

            Thanks,
            Ciara
        """),
        5.0, work="answer",
        reply=_text("""
            Dear Ciara,

            thank you for letting us know. Unopened items can be returned free of charge
            within 30 days, also from Ireland: we will email you a prepaid return label
            separately. Once the lights are back with us, you will get your money back
            within 5 working days on the card you paid with.

            Kind regards
            Lena Hoffmann
        """),
    ),
    CustomerMail(
        "rw-demo-dsgvo-01", "Rüdiger Hahn", "r.hahn@example.net",
        "Löschung meiner Daten nach DSGVO – letzte Frist",
        _text("""
            Sehr geehrte Damen und Herren,

            hiermit fordere ich Sie zum zweiten Mal auf, sämtliche zu meiner Person
            gespeicherten Daten gemäß Art. 17 DSGVO unverzüglich zu löschen und mir die
            Löschung schriftlich zu bestätigen. Außerdem verlange ich Auskunft nach
            Art. 15 DSGVO, an wen Sie meine Daten weitergegeben haben.

            Sollte ich bis Freitag keine Bestätigung haben, wird sich mein Anwalt bei
            Ihnen melden und ich werde mich beim Landesdatenschutzbeauftragten beschweren.

            Rüdiger Hahn
        """),
        4.0, work="escalate",
        reply="Datenschutz-Löschanfrage (Art. 17) plus Auskunft (Art. 15), mit Frist bis "
        "Freitag und Anwalt/Datenschutzbehörde angedroht. Das darf ich nicht selbst "
        "beantworten: bitte an die/den Datenschutzbeauftragte/n geben.",
    ),
)

# The customer of the first worked conversation writes back to our answer (threaded by
# In-Reply-To on the answer's Message-ID): the answered conversation is waiting again.
# It arrives at seeding time, right after the answer went out.
FOLLOW_UP_TO_ANSWER = CustomerMail(
    "rw-demo-liefer-02", "Katrin Vogel", "k.vogel@example.com",
    "Re: Wann kommt mein Trekkingrad?",
    _text("""
        Hallo Frau Hoffmann,

        super, danke für die schnelle Antwort! Eine Frage noch: Kann die Spedition das
        Rad auch bei meinem Nachbarn (Hausnummer 14) abgeben, falls ich nicht da bin?

        Viele Grüße
        Katrin Vogel
    """),
    0.0,
)

# Waiting in the pool. More than 24 hours old means past the first-response target.
WAITING: tuple[CustomerMail, ...] = (
    # A customer who wrote before (WORKED, answered): the workbench shows that conversation
    # beside this one.
    CustomerMail(
        "rw-demo-brandt-02", "Thomas Brandt", "thomas.brandt@example.net",
        "Übergabe des Dienstrads – Termin?",
        _text("""
            Guten Tag,

            die Rechnung für JobRad ist geklärt, danke! Wann kann ich das E-Bike aus
            Bestellung RW-480977 im Laden abholen? Am liebsten an einem Samstagvormittag.

            Mit freundlichen Grüßen
            Thomas Brandt
        """),
        3.0,
    ),
    CustomerMail(
        "rw-demo-ebike-01", "Sven Lorenz", "sven.lorenz@example.com",
        "Lieferstatus E-Bike Bestellung RW-481877",
        _text("""
            Moin,

            laut Shop sollte mein E-Bike „Stromer City 500“ diese Woche kommen, die
            Sendungsverfolgung zeigt aber seit drei Tagen „Sendung wurde elektronisch
            angekündigt“. Ist da was schiefgelaufen?

            Gruß Sven Lorenz
        """),
        2.0,
    ),
    CustomerMail(
        "rw-demo-rahmen-01", "Jan Petersen", "jan.petersen@example.org",
        "Welche Rahmengröße bei 1,82 m?",
        _text("""
            Hallo zusammen,

            ich überlege, das Gravelbike „Schotter GX“ zu kaufen, bin 1,82 m groß und
            schwanke zwischen Rahmengröße M (54) und L (56). Was würden Sie empfehlen?
            Ich fahre eher sportlich, aber auch mal längere Touren mit Gepäck.

            Danke!
            Jan Petersen
        """),
        30.0,
    ),
    CustomerMail(
        "rw-demo-rahmen-02", "Jan Petersen", "jan.petersen@example.org",
        "Re: Welche Rahmengröße bei 1,82 m?",
        _text("""
            Nachtrag: Meine Schrittlänge ist 86 cm, falls das hilft.

            Jan
        """),
        28.0, in_reply_to="rw-demo-rahmen-01",
    ),
    CustomerMail(
        "rw-demo-retoure-01", "Sabine Neumann", "sabine.neumann@example.com",
        "Retourenlabel fehlt",
        _text("""
            Guten Tag,

            ich möchte die Fahrradtasche aus Bestellung RW-480455 zurückschicken, im Paket
            war aber kein Retourenschein. Können Sie mir bitte ein Label per E-Mail
            schicken?

            Freundliche Grüße
            Sabine Neumann
        """),
        12.0,
    ),
    CustomerMail(
        "rw-demo-rechnung-02", "Dr. Ulrike Meißner", "praxis.meissner@example.net",
        "Rechnung mit Praxisanschrift",
        _text("""
            Sehr geehrte Damen und Herren,

            bitte stellen Sie die Rechnung zu Bestellnummer RW-478120 (Lastenrad
            „Kutsche 2“) auf meine Praxis aus: Praxis Dr. Meißner, Kantstraße 9,
            04275 Leipzig, USt-IdNr. DE123456789. Die bisherige Rechnung lautet auf meinen
            privaten Namen.

            Mit freundlichen Grüßen
            Dr. Ulrike Meißner
        """),
        50.0,
    ),
    CustomerMail(
        "rw-demo-delivery-en-01", "Daan de Vries", "daan.devries@example.com",
        "Shipping to the Netherlands",
        _text("""
            Hi,

            do you ship the cargo bike "Kutsche 2" to the Netherlands (Utrecht), and what
            does the delivery cost? Does it arrive fully assembled?

            Best regards,
            Daan
        """),
        9.0,
    ),
    # Gerd Wolff's two earlier emails (separate conversations, still unanswered):
    # his third within a week makes the new one urgent (workpool/triage.py).
    CustomerMail(
        "rw-demo-wut-prev-01", "Gerd Wolff", "gerd.wolff@example.com",
        "Rückerstattung E-Bike RW-476300",
        _text("""
            Guten Tag,

            ich habe das E-Bike aus Bestellung RW-476300 zurückgeschickt. Laut DHL ist es
            bei Ihnen angekommen. Wann bekomme ich mein Geld zurück?

            Mit freundlichen Grüßen
            Gerd Wolff
        """),
        100.0,
    ),
    CustomerMail(
        "rw-demo-wut-prev-02", "Gerd Wolff", "gerd.wolff@example.com",
        "Nachfrage: Rückerstattung RW-476300",
        _text("""
            Hallo,

            auf meine Mail von vorgestern habe ich noch keine Antwort. Bitte teilen Sie
            mir mit, wann die 2.499 Euro überwiesen werden.

            Gerd Wolff
        """),
        64.0,
    ),
    CustomerMail(
        "rw-demo-wut-01", "Gerd Wolff", "gerd.wolff@example.com",
        "ZUM DRITTEN MAL: WO IST MEIN GELD???",
        _text("""
            Hallo!!!

            Ich schreibe Ihnen jetzt ZUM DRITTEN MAL. Das E-Bike (Bestellung RW-476300)
            habe ich vor DREI WOCHEN zurückgeschickt, Sie haben es laut DHL am 4. erhalten,
            und ich warte immer noch auf 2.499 Euro!!! Auf meine letzten beiden Mails kam
            NICHTS. Telefonisch erreicht man auch niemanden.

            Wenn das Geld nicht bis Ende der Woche da ist, gehe ich zur
            Verbraucherzentrale und schreibe überall, was für ein Laden Sie sind.

            G. Wolff
        """),
        27.0,
    ),
    CustomerMail(
        "rw-demo-akku-01", "Petra Schmid", "petra.schmid@example.org",
        "Akku lädt nicht mehr",
        """<html><head><style>p { font-family: Calibri, sans-serif; }</style></head><body>
<p>Sehr geehrtes Radwerk-Team,</p>
<p>seit gestern lädt der Akku meines E-Bikes nicht mehr. Das Ladegerät blinkt rot,
der Akku zeigt keine LED an.</p>
<table border="1" cellpadding="4">
<tr><td><b>Modell</b></td><td>Stromer City 500</td></tr>
<tr><td><b>Kaufdatum</b></td><td>14.03.2024</td></tr>
<tr><td><b>Bestellnummer</b></td><td>RW-402117</td></tr>
</table>
<p>Ist das ein Garantiefall? Wie gehe ich jetzt vor?<br>
Mit freundlichen Grüßen<br>Petra Schmid</p>
<p style="color:#888">Gesendet von <a href="https://outlook.example.com">Outlook</a></p>
</body></html>
""",
        16.0, html=True,
    ),
    CustomerMail(
        "rw-demo-schaden-01", "Markus Albrecht", "m.albrecht@example.com",
        "Transportschaden am Rahmen – Foto anbei",
        _text("""
            Guten Tag,

            heute kam mein Rennrad „Asphalt R2“ (Bestellung RW-481390) an. Der Karton war
            an einer Ecke eingedrückt, und am Oberrohr ist eine tiefe Kerbe im Lack, siehe
            Foto im Anhang. Ich habe die Annahme unter Vorbehalt quittiert.

            Wie geht es jetzt weiter? Ich möchte das Rad so nicht behalten.

            Viele Grüße
            Markus Albrecht
        """),
        20.0, attachment="oberrohr-kratzer.png",
    ),
    CustomerMail(
        "rw-demo-size-en-01", "Liam Murphy", "liam.murphy@example.net",
        "Wrong size jersey delivered",
        _text("""
            Hello Radwerk,

            I ordered the Radwerk team jersey in size L (order RW-480031) but the one in
            the parcel is an M. The label on the bag even says L. Could you send me the
            right size? I need it for a race in two weeks.

            Cheers,
            Liam Murphy
        """),
        40.0,
    ),
    CustomerMail(
        "rw-demo-gutschein-01", "Anna Krause", "anna.krause@example.com",
        "Gutscheincode funktioniert nicht",
        _text("""
            Hallo,

            der Code FRUEHLING15 aus Ihrem Newsletter wird im Warenkorb als „ungültig“
            angezeigt. Er soll doch bis Ende des Monats gelten? Ich wollte eine
            Satteltasche und ein Schloss bestellen.

            Liebe Grüße
            Anna
        """),
        3.0,
    ),
    CustomerMail(
        "rw-demo-adresse-01", "Felix Hartmann", "felix.hartmann@example.org",
        "Dringend: Lieferadresse ändern",
        _text("""
            Hallo,

            ich bin gestern umgezogen und habe vergessen, die Adresse im Konto zu ändern.
            Können Sie die Lieferung für RW-481950 bitte noch an die Eisenbahnstraße 71,
            04315 Leipzig schicken statt an die alte Adresse? Falls das Paket schon raus
            ist, sagen Sie mir bitte Bescheid.

            Danke!
            Felix Hartmann
        """),
        1.0,
    ),
    CustomerMail(
        "rw-demo-garantie-01", "Heike Zimmermann", "heike.zimmermann@example.com",
        "Schaltung springt – Garantie?",
        _text("""
            Sehr geehrte Damen und Herren,

            an meinem Citybike (gekauft im Mai, Bestellung RW-455012) springt die Kette
            seit ein paar Wochen beim Schalten in die kleineren Gänge. Ist das ein
            Garantiefall, oder muss ich das Rad selbst zu einer Werkstatt bringen? Eine
            Werkstatt in Ihrer Nähe gibt es bei mir in Chemnitz leider nicht.

            Mit freundlichen Grüßen
            Heike Zimmermann
        """),
        45.0,
    ),
    CustomerMail(
        "rw-demo-vat-en-01", "Sophie Gruber", "sophie.gruber@example.net",
        "Invoice with VAT ID",
        _text("""
            Dear Sir or Madam,

            I bought two e-bikes for our hotel's guests (order RW-481002). Could you
            please send an invoice with our VAT ID ATU12345678 and the hotel address:
            Hotel Seeblick, Seestraße 3, 5020 Salzburg, Austria? We need it for our
            bookkeeping.

            Kind regards
            Sophie Gruber
        """),
        22.0,
    ),
    CustomerMail(
        "rw-demo-raten-01", "Kevin Schulz", "kevin.schulz@example.com",
        "Ratenzahlung möglich?",
        _text("""
            Hi,

            kann man bei euch das E-MTB „Gipfel 750“ auch in Raten bezahlen? Im Checkout
            sehe ich nur PayPal und Kreditkarte.

            Gruß Kevin
        """),
        60.0,
    ),
    CustomerMail(
        "rw-demo-abholung-01", "Monika Fischer", "monika.fischer@example.org",
        "Probefahrt und Abholung im Laden",
        _text("""
            Guten Tag,

            kann ich das Tiefeinsteiger-E-Bike „Aue 7“ vor dem Kauf in Ihrem Laden in
            Leipzig Probe fahren? Und falls ja: Kann ich es dann gleich mitnehmen, statt
            es liefern zu lassen?

            Freundliche Grüße
            Monika Fischer
        """),
        8.0,
    ),
    CustomerMail(
        "rw-demo-ersatzteil-01", "Tobias Richter", "tobias.richter@example.com",
        "Bremsbeläge für Elbe 28",
        _text("""
            Hallo,

            welche Bremsbeläge passen auf das Trekkingrad „Elbe 28“ (Modell 2023,
            Scheibenbremse)? Im Shop finde ich drei verschiedene und bin unsicher.

            Viele Grüße
            Tobias Richter
        """),
        14.0,
    ),
    CustomerMail(
        "rw-demo-tracking-en-01", "Aoife Byrne", "aoife.byrne@example.org",
        "Tracking not updated for a week",
        _text("""
            Hi there,

            my order RW-480712 (a child seat and a helmet) was shipped last week, but the
            tracking has said "in transit to destination country" for seven days now.
            Is it lost? I'm in Cork, Ireland.

            Thanks,
            Aoife
        """),
        26.0,
    ),
    CustomerMail(
        "rw-demo-storno-01", "Laura Wagner", "laura.wagner@example.com",
        "Bitte Bestellung stornieren",
        _text("""
            Hallo,

            ich habe mich vertan und das Schloss zweimal bestellt. Bitte stornieren Sie
            RW-482004, die andere Bestellung (RW-482003) soll bleiben.

            Danke und viele Grüße
            Laura Wagner
        """),
        0.5,
    ),
    CustomerMail(
        "rw-demo-doppelt-01", "Bernd Keller", "bernd.keller@example.net",
        "Zweimal abgebucht!",
        _text("""
            Guten Tag,

            für meine Bestellung RW-479955 wurde der Betrag von 189,90 € zweimal von
            meinem PayPal-Konto abgebucht (Screenshot kann ich schicken). Bitte erstatten
            Sie den doppelten Betrag.

            Mit freundlichen Grüßen
            Bernd Keller
        """),
        35.0,
    ),
    CustomerMail(
        "rw-demo-assembly-en-01", "Emma Jansen", "emma.jansen@example.com",
        "Assembly instructions missing",
        _text("""
            Hello,

            my e-bike arrived today, thank you! But there were no instructions in the box
            for attaching the pedals and turning the handlebar. Is there a PDF or a video
            somewhere? I don't want to damage anything.

            Best,
            Emma
        """),
        18.0,
    ),
    CustomerMail(
        "rw-demo-sattel-01", "Wolfgang Braun", "w.braun@example.org",
        "Umtausch Sattel",
        _text("""
            Guten Tag,

            der Gelsattel „Komfort Plus“ ist mir zu breit. Kann ich ihn gegen das
            schmalere Modell „Sport“ tauschen? Er war nur einmal kurz montiert.
            Bestellnummer RW-477640.

            Gruß W. Braun
        """),
        65.0,
    ),
    CustomerMail(
        "rw-demo-packstation-01", "Julia Koch", "julia.koch@example.com",
        "Lieferung an Packstation?",
        _text("""
            Hallo,

            liefert ihr auch an eine DHL-Packstation? Es geht nur um Zubehör (Pumpe und
            Flaschenhalter), kein ganzes Rad.

            Danke!
            Julia
        """),
        4.0,
    ),
    CustomerMail(
        "rw-demo-damage-en-01", "Noah Visser", "noah.visser@example.net",
        "Bent front wheel on arrival",
        _text("""
            Good afternoon,

            the bike from order RW-481199 arrived with a bent front wheel (it wobbles
            about 5 mm) although the box looked fine. What do you need from me for a
            claim? I can send photos.

            Regards,
            Noah Visser
        """),
        10.0,
    ),
    CustomerMail(
        "rw-demo-bremse-01", "Claudia Berger", "claudia.berger@example.com",
        "Bremse hat versagt – Sturz",
        _text("""
            Sehr geehrte Damen und Herren,

            gestern hat an meinem E-Bike „Aue 7“ (gekauft vor vier Wochen, RW-478866) in
            einer Abfahrt die Hinterradbremse plötzlich nicht mehr gegriffen. Ich bin
            gestürzt und habe mir das Handgelenk verstaucht.

            Ich erwarte eine Stellungnahme und möchte wissen, wer für die Arztkosten und
            die Reparatur aufkommt. Das Rad fahre ich so nicht mehr.

            Claudia Berger
        """),
        6.0,
    ),
)
# fmt: on
