//! actix-http logs what a client did wrong on its connection (a request it cannot parse,
//! a socket closed half-way, a head sent too slowly) at error level, next to real server
//! faults. Anyone can send those, so anyone could flood the error log and bury the
//! faults that need a person. [`ClientFaultsAsWarnings`] wraps the log output layer and
//! writes those events at warn level; everything else passes through unchanged.

use std::any::TypeId;

use tracing::callsite::{Callsite, Identifier};
use tracing::field::{Field, FieldSet, Visit};
use tracing::metadata::Kind;
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber, span};
use tracing_subscriber::layer::{Context, Layer};

/// Messages of actix-http's connection dispatcher that a client causes.
const CLIENT_FAULTS: &[&str] = &[
    "stream error: request parse error",
    "stream error: I/O error",
    "stream error: request did not complete within the specified timeout",
    "stream error: handler dropped payload before reading EOF",
    "stream error: connection shutdown timeout",
    "write zero; closing",
];

struct Relayed;

impl Callsite for Relayed {
    fn set_interest(&self, _: Interest) {}

    fn metadata(&self) -> &Metadata<'_> {
        &RELAYED
    }
}

static RELAYED_CALLSITE: Relayed = Relayed;

/// What a relayed event is written as: a warning of the HTTP connection layer.
static RELAYED: Metadata<'static> = Metadata::new(
    "client fault on a connection",
    "actix_http",
    Level::WARN,
    None,
    None,
    None,
    FieldSet::new(&["message"], Identifier(&RELAYED_CALLSITE)),
    Kind::EVENT,
);

/// The message of an event of actix-http reporting a client's fault at error level.
fn client_fault_message(event: &Event<'_>) -> Option<String> {
    let meta = event.metadata();
    if *meta.level() != Level::ERROR || !meta.target().starts_with("actix_http::") {
        return None;
    }
    struct Message(Option<String>);
    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }
    let mut message = Message(None);
    event.record(&mut message);
    message
        .0
        .filter(|m| CLIENT_FAULTS.iter().any(|fault| m.starts_with(fault)))
}

/// The log output layer, with client faults written as warnings (see the module docs).
pub struct ClientFaultsAsWarnings<L>(pub L);

impl<S: Subscriber, L: Layer<S>> Layer<S> for ClientFaultsAsWarnings<L> {
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let Some(message) = client_fault_message(event) else {
            return self.0.on_event(event, ctx);
        };
        if tracing::level_filters::LevelFilter::current() < Level::WARN {
            return;
        }
        let fields = RELAYED.fields();
        let Some(field) = fields.field("message") else {
            return;
        };
        let values = [(&field, Some(&message as &dyn tracing::Value))];
        self.0
            .on_event(&Event::new(&RELAYED, &fields.value_set(&values)), ctx);
    }

    fn on_register_dispatch(&self, subscriber: &tracing::Dispatch) {
        self.0.on_register_dispatch(subscriber);
    }

    fn on_layer(&mut self, subscriber: &mut S) {
        self.0.on_layer(subscriber);
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        self.0.register_callsite(metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, ctx: Context<'_, S>) -> bool {
        self.0.enabled(metadata, ctx)
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        self.0.on_new_span(attrs, id, ctx);
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        self.0.on_record(id, values, ctx);
    }

    fn on_follows_from(&self, span: &span::Id, follows: &span::Id, ctx: Context<'_, S>) {
        self.0.on_follows_from(span, follows, ctx);
    }

    fn event_enabled(&self, event: &Event<'_>, ctx: Context<'_, S>) -> bool {
        self.0.event_enabled(event, ctx)
    }

    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        self.0.on_enter(id, ctx);
    }

    fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
        self.0.on_exit(id, ctx);
    }

    fn on_close(&self, id: span::Id, ctx: Context<'_, S>) {
        self.0.on_close(id, ctx);
    }

    fn on_id_change(&self, old: &span::Id, new: &span::Id, ctx: Context<'_, S>) {
        self.0.on_id_change(old, new, ctx);
    }

    unsafe fn downcast_raw(&self, id: TypeId) -> Option<*const ()> {
        if id == TypeId::of::<Self>() {
            Some(self as *const Self as *const ())
        } else {
            // SAFETY: the inner layer answers for its own type ids.
            unsafe { self.0.downcast_raw(id) }
        }
    }
}
