"""Hypothesis strategies shared by the fuzz tests."""

from __future__ import annotations

from hypothesis import strategies as st

SCALAR_TEXT = st.one_of(
    st.sampled_from(["1", "-3", "2026-12-24", "12-30", "month_end", "DE", "~", "''", '"x"', "yes",
                     "Month-end closing", "Europe/Berlin", "!!binary aGk=", "!!python/none", "%",
                     "(a+)+$", r"'(ok)\1'", "http://127.0.0.1:1/", "5s", "critical"]),
    st.text(alphabet="abc:-_ #&*!|>'\\\"{}[],", max_size=6),
)  # fmt: skip


@st.composite
def yaml_value(draw: st.DrawFn, anchors: list[str], keys: list[str], depth: int = 0) -> str:
    """A YAML value in flow style, which may anchor itself and refer to earlier anchors.

    Aliases to anchors defined earlier (or nowhere), ``<<`` merges, values that
    contain their own alias, and brackets nested up to 300 deep.
    """
    kinds = (
        ["scalar", "alias", "list", "map", "merge", "deep", "self"]
        if depth < 4
        else ["scalar", "alias"]
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "scalar":
        return draw(SCALAR_TEXT)
    if kind == "alias":
        known = anchors or ["nowhere"]  # an undefined alias is an error too
        return "*" + draw(st.sampled_from(known))
    if kind == "deep":
        levels = draw(st.integers(1, 300))
        return "[" * levels + "1" + "]" * levels
    anchor = f"a{len(anchors)}"
    anchors.append(anchor)
    if kind == "self":
        return f"&{anchor} [*{anchor}]"
    items = draw(st.lists(yaml_value(anchors, keys, depth + 1), max_size=5))
    if kind == "list":
        return f"&{anchor} [{', '.join(items)}]"
    names = draw(st.lists(st.sampled_from(keys), max_size=len(items) or 1))
    pairs = [f"{name}: {item}" for name, item in zip(names, items, strict=False)]
    if kind == "merge" and len(anchors) > 1:
        pairs.insert(0, "<<: *" + draw(st.sampled_from(anchors[:-1])))
    return f"&{anchor} {{{', '.join(pairs)}}}"
