"""Notices people choose: asking on the status page, confirming, leaving.

A person enters an address in one of the site file's ``subscribers.email_domains``,
picks systems and a language (:mod:`monitor.api.pages.subscribe`). That stores a
:class:`~monitor.db.models.SubscriberRequest` and queues one message, the
``subscribe`` notice, with a signed link that expires (double opt-in: nothing
else is ever sent before the link is followed). Confirming
(:mod:`monitor.api.pages.subscribe_confirm`) makes the person a member of each
system's subscriber audience in their language (:mod:`monitor.subscribers.audiences`),
an ordinary audience whose ``concerns`` name the system: the planner, the
incident notices and the outbox treat subscribers as any other members. The
unsubscribe link of every notice takes them out again.

Abuse: requests are limited per client and, silently, per address; the answer
never says whether an address is already subscribed.
"""
