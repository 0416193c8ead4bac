"""Demo triage in Radwerk's mailbox (see marketplace/seed/workpool.py): the company's
own priority rule next to the defaults, its tags on some conversations, internal
notes by the owner, and one conversation assigned to the demo seeker. Urgent mail
comes from the default rules (the data-protection request, the cancellation), the
company's rule ("Sturz") and Gerd Wolff writing for the third time in a week."""

from __future__ import annotations

from marketplace.accounts.models import User
from marketplace.workpool import triage
from marketplace.workpool.models import Conversation, Mailbox, Priority

# The company's own rules, added before the demo mail arrives.
RULES = (("Sturz", Priority.URGENT), ("gestürzt", Priority.URGENT), ("Newsletter", Priority.LOW))

# name, colour, keys of the demo mails whose conversations carry the tag
TAGS = (
    ("Rückerstattung", "red", ("rw-demo-wut-01", "rw-demo-doppelt-01")),
    ("Reklamation", "orange", ("rw-demo-schaden-01", "rw-demo-damage-en-01", "rw-demo-bremse-01")),
    ("Rechnung", "blue", ("rw-demo-rechnung-02", "rw-demo-vat-en-01")),
    ("Englisch", "teal", ("rw-demo-delivery-en-01", "rw-demo-tracking-en-01")),
)

NOTES = (
    (
        "rw-demo-wut-01",
        "Die Rückerstattung über 2.499 € ist gestern angewiesen worden (Buchhaltung, "
        "Frau Lange). Bitte das Datum nennen und für die Wartezeit entschuldigen.",
    ),
    (
        "rw-demo-bremse-01",
        "Haftungsfrage: keine Aussage zur Schuld. Rad zur Prüfung abholen lassen, "
        "Werkstatt-Termin über die Filiale Leipzig.",
    ),
)

# The demo seeker's own: their "Next email" hands it out first, nobody else gets it.
ASSIGNED = "rw-demo-rahmen-01"


def add_rules(mailbox: Mailbox, owner: User) -> int:
    for phrase, priority in RULES:
        triage.add_rule(mailbox, phrase, priority, by=owner)
    return len(RULES)


def play(
    mailbox: Mailbox, conversations: dict[str, Conversation], owner: User, seeker: User
) -> dict[str, int]:
    """Tags, notes and the assignment; returns what was made, for the seed's summary."""
    made = {"tags": 0, "notes": 0, "assigned conversations": 0}
    for name, colour, keys in TAGS:
        tag = triage.create_tag(owner.company, name, colour, by=owner)
        made["tags"] += 1
        for key in keys:
            if key in conversations:
                conversation = conversations[key]
                current = [t.id for t in triage.tags_of(conversation)]
                triage.set_tags(conversation, [*current, tag.id], by=owner)
    for key, body in NOTES:
        if key in conversations:
            triage.add_note(conversations[key], body, by=owner)
            made["notes"] += 1
    if ASSIGNED in conversations:
        triage.assign(conversations[ASSIGNED], seeker.id, by=owner)
        made["assigned conversations"] += 1
    return made
