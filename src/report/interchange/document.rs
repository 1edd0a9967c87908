//! A document as read, before it is interpreted: each value kept only as far as a report
//! needs it, strings and keys borrowed from the input where they have no escapes. Read with
//! serde's own visitors, which took reading the 15 KB example from 25 to 13.8 µs
//! (docs/benchmarks.md, `benches/validate.rs`): an import of a province's reports reads
//! tens of thousands. `mod.rs` interprets what is read here.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Any JSON value, kept only as far as a report needs it.
pub(super) enum Json<'a> {
    Null,
    Int(i64),
    /// A number that is not an i64 (a fraction, an exponent, a huge integer), as written.
    Number(String),
    Str(Cow<'a, str>),
    /// An object, an array or a boolean: never a valid cell, text or field here.
    Other(&'static str),
}

/// An object's entries in order, or what the value was instead.
pub(super) enum Entries<'a> {
    Map(Vec<(Cow<'a, str>, Json<'a>)>),
    Not(&'static str),
}

#[derive(Default)]
pub(super) struct Doc<'a> {
    pub(super) format: Option<Json<'a>>,
    pub(super) year: Option<Json<'a>>,
    pub(super) agency: Option<Json<'a>>,
    pub(super) kind: Option<Json<'a>>,
    pub(super) text: Option<Entries<'a>>,
    pub(super) cells: Option<Entries<'a>>,
    pub(super) unknown: Option<String>,
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json<'de>, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Json<'de>, E> {
        Ok(Json::Other("布尔值"))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
        Ok(Json::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
        Ok(i64::try_from(v).map_or_else(|_| Json::Number(v.to_string()), Json::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
        // Only ever kept as text for the value rules to report; never computed with.
        Ok(Json::Number(v.to_string()))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Json<'de>, E> {
        Ok(Json::Str(Cow::Owned(v)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Json::Other("对象"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Json::Other("数组"))
    }
}

/// A key borrowed from the document when it has no escapes (serde's own `Cow` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(200));
                while let Some(key) = map.next_key::<Key<'de>>()?.map(|k| k.0) {
                    entries.push((key, map.next_value::<Json<'de>>()?));
                }
                Ok(Entries::Map(entries))
            }
            fn visit_unit<E>(self) -> Result<Entries<'de>, E> {
                Ok(Entries::Map(Vec::new()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Entries<'de>, E> {
                Ok(Entries::Not("布尔值"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Entries<'de>, E> {
                Ok(Entries::Not("数字"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Entries<'de>, E> {
                Ok(Entries::Not("数字"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Entries<'de>, E> {
                Ok(Entries::Not("数字"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Entries<'de>, E> {
                Ok(Entries::Not("字符串"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Entries<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Entries::Not("数组"))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Doc<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Doc<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a report object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc<'de>, A::Error> {
                let mut doc = Doc::default();
                while let Some(key) = map.next_key::<Key<'de>>()?.map(|k| k.0) {
                    match key.as_ref() {
                        "format" => doc.format = Some(map.next_value()?),
                        "year" => doc.year = Some(map.next_value()?),
                        "agency" => doc.agency = Some(map.next_value()?),
                        "kind" => doc.kind = Some(map.next_value()?),
                        "text" => doc.text = Some(map.next_value()?),
                        "cells" => doc.cells = Some(map.next_value()?),
                        // Where an import read each cell (`nianbao import`): for people
                        // and tools, not part of the report.
                        "import" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        other => {
                            doc.unknown.get_or_insert_with(|| other.to_string());
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(doc)
            }
        }
        d.deserialize_map(V)
    }
}
