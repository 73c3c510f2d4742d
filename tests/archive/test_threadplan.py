# SPDX-License-Identifier: AGPL-3.0-or-later
"""archive.threadplan: pure parent and thread planning on plain ids. No database."""

from __future__ import annotations

from archive.threadplan import Node, ThreadPlan, plan_parents, plan_threads, would_loop


def real(node_id: int, parent: int | None = None, thread: int | None = None) -> Node:
    return Node(node_id, parent, thread, is_ghost=False)


def ghost(node_id: int, parent: int | None = None, thread: int | None = None) -> Node:
    return Node(node_id, parent, thread, is_ghost=True)


def index(*nodes: Node) -> dict[int, Node]:
    return {n.id: n for n in nodes}


def parents_of(nodes: dict[int, Node]) -> dict[int, int | None]:
    return {n.id: n.parent_id for n in nodes.values()}


# --- would_loop ----------------------------------------------------------------------


def test_would_loop_detects_a_cycle_through_ancestors() -> None:
    parents = {1: None, 2: 1, 3: 2}
    assert would_loop(1, 3, parents)  # 1 under 3 under 2 under 1
    assert not would_loop(4, 3, parents)


def test_would_loop_on_self() -> None:
    assert would_loop(5, 5, {})


def test_would_loop_terminates_on_an_existing_cycle() -> None:
    parents = {1: 2, 2: 1}  # corrupt data must not hang the walk
    assert not would_loop(3, 1, parents)


# --- plan_parents ----------------------------------------------------------------------


def test_last_reference_is_the_parent() -> None:
    nodes = index(real(1), real(2, parent=1), real(3))
    assert plan_parents([(3, [1, 2])], nodes, parents_of(nodes)) == {3: 2}


def test_message_without_references_gets_no_parent() -> None:
    nodes = index(real(1))
    assert plan_parents([(1, [])], nodes, parents_of(nodes)) == {}


def test_self_reference_is_ignored() -> None:
    nodes = index(real(1))
    assert plan_parents([(1, [1])], nodes, parents_of(nodes)) == {}


def test_ghost_chain_is_linked_along_the_references() -> None:
    nodes = index(ghost(1), ghost(2), ghost(3), real(4))
    assert plan_parents([(4, [1, 2, 3])], nodes, parents_of(nodes)) == {4: 3, 3: 2, 2: 1}


def test_ghost_with_a_parent_keeps_it() -> None:
    nodes = index(ghost(1), real(9), ghost(2, parent=9), real(4))
    assert plan_parents([(4, [1, 2])], nodes, parents_of(nodes)) == {4: 2}


def test_real_message_with_a_parent_is_not_relinked() -> None:
    nodes = index(real(1), real(9), real(2, parent=9), real(3))
    assert plan_parents([(3, [1, 2])], nodes, {1: None, 9: None, 2: 9, 3: None}) == {3: 2}


def test_parentless_real_message_is_linked_to_the_reference_before_it() -> None:
    nodes = index(real(1), real(2), real(3))
    assert plan_parents([(3, [1, 2])], nodes, parents_of(nodes)) == {3: 2, 2: 1}


def test_two_messages_referencing_each_other_keep_one_link() -> None:
    nodes = index(real(1), real(2))
    decided = plan_parents([(1, [2]), (2, [1])], nodes, parents_of(nodes))
    assert decided == {1: 2}


def test_link_closing_a_cycle_with_existing_ancestors_is_skipped() -> None:
    # 1 <- 2 <- 3 already; now 1 arrives claiming 3 as its parent.
    nodes = index(real(1), real(2, parent=1), real(3, parent=2))
    assert plan_parents([(1, [3])], nodes, {1: None, 2: 1, 3: 2}) == {}


def test_ghosts_in_opposite_orders_do_not_form_a_cycle() -> None:
    nodes = index(ghost(1), ghost(2), real(3), real(4))
    decided = plan_parents([(3, [2, 1]), (4, [1, 2])], nodes, parents_of(nodes))
    assert decided == {3: 1, 1: 2, 4: 2}
    resolved = {**parents_of(nodes), **decided}
    for start in resolved:
        seen, current = set(), start
        while current is not None:
            assert current not in seen, f"cycle through {current}"
            seen.add(current)
            current = resolved.get(current)


def test_existing_cycle_in_ancestors_does_not_hang() -> None:
    nodes = index(ghost(1, parent=2), ghost(2, parent=1), real(3))
    assert plan_parents([(3, [1])], nodes, {1: 2, 2: 1, 3: None}) == {3: 1}


def test_long_ghost_chain_is_linked_end_to_end() -> None:
    count = 2000
    nodes = index(*(ghost(i) for i in range(count)), real(count))
    decided = plan_parents([(count, list(range(count)))], nodes, parents_of(nodes))
    assert decided[count] == count - 1
    assert all(decided[i] == i - 1 for i in range(1, count))
    assert 0 not in decided


# --- plan_threads ---------------------------------------------------------------------------


def test_connected_new_messages_form_one_new_thread() -> None:
    plan = plan_threads([(2, 1), (3, 2)], {1: None, 2: None, 3: None})
    assert plan.assign == {}
    assert plan.merges == {}
    assert [sorted(members) for members in plan.groups.values()] == [[1, 2, 3]]


def test_unconnected_new_messages_form_separate_threads() -> None:
    plan = plan_threads([], {1: None, 2: None})
    assert sorted(sorted(m) for m in plan.groups.values()) == [[1], [2]]


def test_reply_joins_the_thread_of_its_parent() -> None:
    plan = plan_threads([(2, 1)], {1: 10, 2: None})
    assert plan == ThreadPlan(assign={2: 10}, groups={}, merges={})


def test_message_already_in_its_thread_is_untouched() -> None:
    plan = plan_threads([], {1: 10})
    assert plan == ThreadPlan(assign={}, groups={}, merges={})


def test_message_joining_two_threads_merges_them_into_the_oldest() -> None:
    plan = plan_threads([(3, 1), (2, 3)], {1: 10, 2: 20, 3: None})
    assert plan.merges == {20: 10}
    assert plan.assign == {2: 10, 3: 10}
    assert plan.groups == {}


def test_three_threads_merge_into_the_oldest() -> None:
    plan = plan_threads([(4, 1), (4, 2), (4, 3)], {1: 30, 2: 10, 3: 20, 4: None})
    assert plan.merges == {20: 10, 30: 10}
    assert plan.assign == {1: 10, 3: 10, 4: 10}


def test_independent_components_are_planned_independently() -> None:
    plan = plan_threads([(2, 1), (4, 3)], {1: 10, 2: None, 3: None, 4: None})
    assert plan.assign == {2: 10}
    assert [sorted(m) for m in plan.groups.values()] == [[3, 4]]
    assert plan.merges == {}


def test_cyclic_edges_still_form_one_group() -> None:
    plan = plan_threads([(1, 2), (2, 1)], {1: None, 2: None})
    assert [sorted(m) for m in plan.groups.values()] == [[1, 2]]
