//! Rule 6 of the [module docs](super): the cycles among the stuck tasks, one per strongly
//! connected component.

use super::{Deadlock, Edge, Via};
use crate::model::TaskId;
use std::collections::{HashMap, VecDeque};

/// The strongly connected components that contain a cycle (two nodes or more, or a self-edge),
/// by an iterative Tarjan: no recursion, so no stack overflow on long chains.
pub(super) fn components(edges: &[Vec<(usize, Via)>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if order[root] != UNSEEN || edges[root].is_empty() {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        order[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = path.last_mut() {
            let node = top.0;
            if let Some(&(target, _)) = edges[node].get(top.1) {
                top.1 += 1;
                if order[target] == UNSEEN {
                    order[target] = next;
                    low[target] = next;
                    next += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    path.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(order[target]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                let cyclic = component.len() > 1 || edges[node].iter().any(|&(t, _)| t == node);
                if cyclic {
                    out.push(component);
                }
            }
        }
    }
    out
}

/// Rule 6: the shortest cycle through the component's smallest task id, by a breadth-first
/// search inside the component (edges are sorted, so the result is deterministic).
pub(super) fn shortest_cycle(
    ids: &[TaskId],
    edges: &[Vec<(usize, Via)>],
    component: &[usize],
) -> Option<Deadlock> {
    let start = *component.iter().min_by_key(|&&node| ids[node])?;
    let mut inside: HashMap<usize, Option<(usize, Via)>> =
        component.iter().map(|&node| (node, None)).collect();
    let mut queue = VecDeque::from([start]);
    let mut closing: Option<(usize, Via)> = None;
    'search: while let Some(node) = queue.pop_front() {
        for &(target, via) in &edges[node] {
            if target == start {
                closing = Some((node, via));
                break 'search;
            }
            if let Some(slot @ None) = inside.get_mut(&target) {
                *slot = Some((node, via));
                queue.push_back(target);
            }
        }
    }
    // Walk back from the node that closes the cycle to the start.
    let (mut node, via) = closing?;
    let mut edges_back = vec![Edge {
        from: ids[node],
        to: ids[start],
        via,
    }];
    while node != start {
        let (previous, via) = inside.get(&node).copied().flatten()?;
        edges_back.push(Edge {
            from: ids[previous],
            to: ids[node],
            via,
        });
        node = previous;
    }
    edges_back.reverse();
    Some(Deadlock { edges: edges_back })
}
