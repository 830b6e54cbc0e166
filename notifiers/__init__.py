"""Getting a message to a person: templates, the outbox, channels (coming with the notices work)."""
