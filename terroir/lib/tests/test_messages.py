"""Messages kept as a template and values (terroir.lib.messages)."""

from terroir.lib.messages import Message


def test_a_message_reads_the_same_whatever_order_its_values_come_back_in() -> None:
    # PostgreSQL's jsonb gives a stored mapping's keys back in its own order.
    said = Message("%(b)s %(a)s", {"b": "2", "a": Message("%(d)s%(c)s", {"d": "x", "c": "y"})})
    back = Message.of({"v": {"a": {"v": {"c": "y", "d": "x"}, "t": "%(d)s%(c)s"}, "b": "2"}, "t": "%(b)s %(a)s"})
    assert back.json() == said.json()
