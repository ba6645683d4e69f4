//! The `tracing` callsites GenAI spans open: `genai_client` (kind CLIENT) and
//! `genai_internal` (kind INTERNAL), target `coresdk::genai`, level INFO.
//!
//! They are declared by hand rather than with `info_span!`: `tracing-opentelemetry`
//! writes `code.file.path`, `code.line.number` and `code.module.name` from the
//! callsite metadata, and an `info_span!` here would point every GenAI span
//! into this file, which says nothing about the caller (and costs three
//! attributes per call). These callsites have no file, line or module, so
//! GenAI spans carry no code location.

use tracing::Span;
use tracing_core::callsite::{Callsite, DefaultCallsite};
use tracing_core::field::{FieldSet, Value};
use tracing_core::metadata::Kind;
use tracing_core::{Level, Metadata};

use super::attributes::{OTEL_KIND_FIELD, OTEL_NAME_FIELD};
use crate::telemetry::span_fields::{self, enabled};

const TARGET: &str = "coresdk::genai";
// The level `#[trace]` spans use, so `enabled` below answers for both.
const LEVEL: Level = span_fields::LEVEL;

/// Attributes a GenAI span's OpenTelemetry attribute list has room for
/// from the start: a chat call records about 20 to 30.
const ATTRIBUTE_CAPACITY: usize = 32;
/// The code-location attributes `tracing-opentelemetry` reserves room for
/// (it records none for these callsites, which have no location).
const LOCATION_ATTRIBUTES: usize = 3;
/// Fields of the callsites: the span name and kind, read by
/// `tracing-opentelemetry`, then unnamed placeholders that are never given a
/// value. `tracing-opentelemetry` sizes a new span's attribute list by its
/// callsite's field count; the placeholders make that list fit a GenAI
/// call's attributes, which are added when the span ends, instead of growing
/// it three times (a reallocation and copy of up to 2 KB each) on every call.
static FIELDS: [&str; ATTRIBUTE_CAPACITY - LOCATION_ATTRIBUTES] = {
    let mut fields = ["_"; ATTRIBUTE_CAPACITY - LOCATION_ATTRIBUTES];
    fields[0] = OTEL_NAME_FIELD;
    fields[1] = OTEL_KIND_FIELD;
    fields
};

static CLIENT_CALLSITE: DefaultCallsite = DefaultCallsite::new(&CLIENT_META);
static CLIENT_META: Metadata<'static> = Metadata::new(
    "genai_client",
    TARGET,
    LEVEL,
    None,
    None,
    None,
    FieldSet::new(&FIELDS, tracing_core::identify_callsite!(&CLIENT_CALLSITE)),
    Kind::SPAN,
);

static INTERNAL_CALLSITE: DefaultCallsite = DefaultCallsite::new(&INTERNAL_META);
static INTERNAL_META: Metadata<'static> = Metadata::new(
    "genai_internal",
    TARGET,
    LEVEL,
    None,
    None,
    None,
    FieldSet::new(
        &FIELDS,
        tracing_core::identify_callsite!(&INTERNAL_CALLSITE),
    ),
    Kind::SPAN,
);

/// Opens a GenAI span named `name` (kind INTERNAL when `internal`, else
/// CLIENT) as a child of the current span; [`Span::none`] when disabled.
pub(crate) fn new_span(name: &str, internal: bool) -> Span {
    let callsite = if internal {
        &INTERNAL_CALLSITE
    } else {
        &CLIENT_CALLSITE
    };
    if !enabled(callsite) {
        return Span::none();
    }
    let meta = callsite.metadata();
    let fields = meta.fields();
    let mut iter = fields.iter();
    let (Some(name_field), Some(kind_field)) = (iter.next(), iter.next()) else {
        return Span::none();
    };
    let kind = if internal { "internal" } else { "client" };
    Span::new(
        meta,
        &fields.value_set(&[
            (&name_field, Some(&name as &dyn Value)),
            (&kind_field, Some(&kind as &dyn Value)),
        ]),
    )
}
