//! The resources and the deadlocks of the JSON document.

use super::document::LocationDoc;
use super::nanos;
use crate::escape::{bound, LINE_LIMIT, NAME_LIMIT};
use crate::graph::{Deadlock, Edge, Via};
use crate::model::ResourceInfo;
use serde::Serialize;
use std::borrow::Cow;

/// A resource, with every holder and waiter (the text dump cuts those lists, the JSON does
/// not).
#[derive(Serialize)]
pub(super) struct ResourceDoc<'a> {
    id: u64,
    kind: &'static str,
    created_at: Option<LocationDoc<'a>>,
    holders: Vec<HolderDoc<'a>>,
    waiters: Vec<WaiterDoc<'a>>,
    detail: Option<Cow<'a, str>>,
}

/// One of `holders`.
#[derive(Serialize)]
struct HolderDoc<'a> {
    task: u64,
    held_ns: u64,
    mode: Option<Cow<'a, str>>,
}

/// One of `waiters`.
#[derive(Serialize)]
struct WaiterDoc<'a> {
    task: u64,
    op: Cow<'a, str>,
    waited_ns: u64,
}

impl<'a> ResourceDoc<'a> {
    pub(super) fn new(resource: &'a ResourceInfo) -> Self {
        ResourceDoc {
            id: resource.id.0,
            kind: resource.kind.name(),
            created_at: resource.created_at.as_ref().map(LocationDoc::new),
            holders: resource
                .holders
                .iter()
                .map(|holder| HolderDoc {
                    task: holder.task.0,
                    held_ns: nanos(holder.held_for),
                    mode: holder.mode.as_deref().map(|mode| bound(mode, NAME_LIMIT)),
                })
                .collect(),
            waiters: resource
                .waiters
                .iter()
                .map(|waiter| WaiterDoc {
                    task: waiter.task.0,
                    op: bound(&waiter.op, NAME_LIMIT),
                    waited_ns: nanos(waiter.waited),
                })
                .collect(),
            detail: resource
                .detail
                .as_deref()
                .map(|detail| bound(detail, LINE_LIMIT)),
        }
    }
}

/// A wait-for cycle, edges in cycle order.
#[derive(Serialize)]
pub(super) struct DeadlockDoc {
    edges: Vec<EdgeDoc>,
}

/// One of a cycle's `edges`.
#[derive(Serialize)]
struct EdgeDoc {
    from: u64,
    to: u64,
    via: ViaDoc,
}

/// An edge's `via`: a join, or a resource with its kind.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ViaDoc {
    Join,
    Resource {
        resource: u64,
        resource_kind: &'static str,
    },
}

impl DeadlockDoc {
    pub(super) fn new(deadlock: &Deadlock) -> Self {
        DeadlockDoc {
            edges: deadlock.edges.iter().map(edge).collect(),
        }
    }
}

fn edge(edge: &Edge) -> EdgeDoc {
    EdgeDoc {
        from: edge.from.0,
        to: edge.to.0,
        via: match edge.via {
            Via::Join => ViaDoc::Join,
            Via::Resource { id, kind } => ViaDoc::Resource {
                resource: id.0,
                resource_kind: kind.name(),
            },
        },
    }
}
