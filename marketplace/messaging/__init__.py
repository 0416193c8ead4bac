"""Messages between a company's staff and a seeker or worker: one conversation per
application, which carries on when the applicant is hired (the engagement's
conversation is its application's). Plain text only; attachments are refused."""
