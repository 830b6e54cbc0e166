"""A channel whose server is away pauses, longer each time, and resumes once a message goes through."""

from __future__ import annotations

import random

from notifiers.pause import ChannelPauses


def test_a_pause_doubles_each_time_the_server_is_still_away_up_to_the_most() -> None:
    pauses = ChannelPauses(first=1.0, most=30.0, jitter=0.0)
    now, lengths = 0.0, []
    for _ in range(7):
        ends = pauses.unreachable("email", now)
        lengths.append(ends - now)
        assert pauses.paused(now) == {"email"} and pauses.ends("email", now) == ends
        now = ends  # the pause ran out; the next try fails again
        assert pauses.paused(now) == set()
    assert lengths == [1, 2, 4, 8, 16, 30, 30]


def test_sends_under_way_when_the_server_went_join_the_same_pause() -> None:
    pauses = ChannelPauses(jitter=0.0)
    first = pauses.unreachable("email", 10.0)
    assert [pauses.unreachable("email", 10.1) for _ in range(3)] == [first] * 3
    assert pauses.unreachable("email", first) == first + 2  # the next pause is the second


def test_one_message_through_ends_the_pauses_and_other_channels_are_left_alone() -> None:
    pauses = ChannelPauses(jitter=0.0)
    pauses.unreachable("email", 0.0)
    pauses.unreachable("email", 1.0)
    assert pauses.paused(1.5) == {"email"}
    pauses.reached("email")
    assert pauses.paused(1.5) == set()
    assert pauses.unreachable("email", 2.0) == 3.0  # back to the first, short pause
    assert pauses.ends("chat", 2.0) is None


def test_jitter_spreads_pauses_so_replicas_do_not_knock_in_step() -> None:
    lengths = {
        ChannelPauses(first=4.0, jitter=0.25).unreachable("email", 0.0, random.Random(seed))
        for seed in range(20)
    }
    assert len(lengths) > 10 and all(3.0 <= length <= 5.0 for length in lengths)
