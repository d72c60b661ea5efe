//! Field types that never fail a record: a field of an unexpected JSON type reads as absent.
//!
//! The hot parsers (Claude Code) deserialize into borrowed structs for speed; with these wrappers a newer
//! agent writing a number where a string was, or an object where a bool was, costs one field, not the line.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string, borrowed from the input when it has no escapes.
#[derive(Debug, Default, Clone)]
pub struct Str<'a>(pub Option<Cow<'a, str>>);

impl<'a> Str<'a> {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }
    /// The value when it is not empty.
    pub fn non_empty(&self) -> Option<&str> {
        self.get().filter(|s| !s.is_empty())
    }
    /// The value when it borrows from the input (no escapes), with the input's lifetime.
    pub fn borrowed(&self) -> Option<&'a str> {
        match &self.0 {
            Some(Cow::Borrowed(s)) if !s.is_empty() => Some(s),
            _ => None,
        }
    }
    /// Takes the value out, as an owned string (no copy when it was unescaped into one already).
    pub fn take(&mut self) -> String {
        self.0.take().map(Cow::into_owned).unwrap_or_default()
    }
}

/// A boolean.
#[derive(Debug, Default, Clone, Copy)]
pub struct Bool(pub Option<bool>);

impl Bool {
    pub fn is_true(self) -> bool {
        self.0 == Some(true)
    }
}

/// A non-negative integer (floats are truncated).
#[derive(Debug, Default, Clone, Copy)]
pub struct Num(pub Option<u64>);

fn drain_seq<'de, A: SeqAccess<'de>>(mut a: A) -> Result<(), A::Error> {
    while a.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut a: A) -> Result<(), A::Error> {
    while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Implements the visitor methods that yield "absent" for every JSON type not handled explicitly.
macro_rules! absent_for_others {
    ($none:expr; $($skip:ident),*) => {
        $(absent_for_others!(@one $none; $skip);)*
        fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            drain_seq(a)?;
            Ok($none)
        }
        fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
            drain_map(a)?;
            Ok($none)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
    };
    (@one $none:expr; bool) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; num) => {
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> { Ok($none) }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> { Ok($none) }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> { Ok($none) }
    };
    (@one $none:expr; str) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> { Ok($none) }
    };
}

struct StrVisitor;
impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v.to_string()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Str(Some(Cow::Owned(v))))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    absent_for_others!(Str(None); bool, num);
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

struct BoolVisitor;
impl<'de> Visitor<'de> for BoolVisitor {
    type Value = Bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Bool(Some(v)))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    absent_for_others!(Bool(None); num, str);
}

impl<'de> Deserialize<'de> for Bool {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BoolVisitor)
    }
}

struct NumVisitor;
impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Num(Some(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Num(u64::try_from(v).ok()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Num((v.is_finite() && v >= 0.0).then_some(v as u64)))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    absent_for_others!(Num(None); bool, str);
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

/// An object deserialized as `T`, or absent when the value is not an object (or the object does not fit `T`).
#[derive(Debug, Clone)]
pub struct Obj<T>(pub Option<T>);

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj(None)
    }
}

struct ObjVisitor<T>(std::marker::PhantomData<T>);
impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("anything")
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
        Ok(Obj(Some(T::deserialize(
            de::value::MapAccessDeserializer::new(a),
        )?)))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Self::Value, A::Error> {
        drain_seq(a)?;
        Ok(Obj(None))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj(None))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj(None))
    }
    absent_for_others!(@one Obj(None); bool);
    absent_for_others!(@one Obj(None); num);
    absent_for_others!(@one Obj(None); str);
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Default)]
    #[serde(default)]
    struct R<'a> {
        #[serde(borrow)]
        s: Str<'a>,
        b: Bool,
        n: Num,
    }

    #[test]
    fn wrong_types_read_as_absent_and_strings_borrow() {
        let r: R = serde_json::from_str(r#"{"s": {"x": [1]}, "b": "yes", "n": -3}"#).unwrap();
        assert!(r.s.get().is_none() && r.b.0.is_none() && r.n.0.is_none());
        let r: R = serde_json::from_str(r#"{"s": "plain", "b": true, "n": 7.9}"#).unwrap();
        assert!(matches!(r.s.0, Some(Cow::Borrowed("plain"))));
        assert!(r.b.is_true());
        assert_eq!(r.n.0, Some(7));
        let r: R = serde_json::from_str(r#"{"s": "esc\"aped"}"#).unwrap();
        assert_eq!(r.s.get(), Some("esc\"aped"));
    }
}
