//! Reading a [`Body`] (`{"t": "report", …}`) without serde's buffering.
//!
//! `#[serde(tag = "t")]` buffers the whole object into serde's private
//! `Content` tree before it reads the tag, then reads the variant from the
//! tree: every key and value of a report is copied once more, and `Content`
//! is about 14 KB of the phone's WASM. Both writers (serde_json on the
//! server, `JSON.stringify` in the browser) put `t` first, so this reads the
//! tag when it comes first and streams the rest of the object straight into
//! the variant's own (derived) visitor. When other keys come before the tag
//! (a hand-written body), only those are buffered ([`Any`]) and handed to the
//! variant ahead of the rest. What it accepts, and the meaning of every error
//! (`missing field `t``, an unknown variant, a duplicate `t`, a field's own
//! error), is the derived impl's: the tests in `protocol` compare the two.
//!
//! Generic over any [`Deserializer`]: serde_json on the server,
//! serde-wasm-bindgen in the browser.

use crate::event::{Activity, Incident};
use crate::protocol::Body;
use crate::record::Report;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, SeqAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;

const TAG: &str = "t";
const EXPECTING: &str = "internally tagged enum Body";

/// The tag's value, read as the derived impl reads it: a variant
/// identifier (or its index).
enum Tag {
    Report,
    Incident,
    Activity,
}

const VARIANTS: &[&str] = &["report", "incident", "activity"];

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("variant identifier")
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Tag, E> {
                match x {
                    0 => Ok(Tag::Report),
                    1 => Ok(Tag::Incident),
                    2 => Ok(Tag::Activity),
                    _ => Err(de::Error::invalid_value(de::Unexpected::Unsigned(x), &"variant index 0 <= i < 3")),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Tag, E> {
                match s {
                    "report" => Ok(Tag::Report),
                    "incident" => Ok(Tag::Incident),
                    "activity" => Ok(Tag::Activity),
                    _ => Err(de::Error::unknown_variant(s, VARIANTS)),
                }
            }
        }
        d.deserialize_identifier(V)
    }
}

impl Tag {
    fn body<'de, D: Deserializer<'de>>(self, d: D) -> Result<Body, D::Error> {
        Ok(match self {
            Tag::Report => Body::Report(Report::deserialize(d)?),
            Tag::Incident => Body::Incident(Incident::deserialize(d)?),
            Tag::Activity => Body::Activity(Activity::deserialize(d)?),
        })
    }
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BodyVisitor)
    }
}

struct BodyVisitor;

impl<'de> Visitor<'de> for BodyVisitor {
    type Value = Body;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTING)
    }

    /// `["report", field, …]`, which the derived impl also takes.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body, A::Error> {
        let tag: Tag = seq.next_element()?.ok_or_else(|| de::Error::missing_field(TAG))?;
        tag.body(SeqAccessDeserializer::new(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body, A::Error> {
        let mut before = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.as_str() == TAG {
                let tag: Tag = map.next_value()?;
                let rest = Rest { before: before.into_iter(), value: None, map };
                return tag.body(MapAccessDeserializer::new(rest));
            }
            before.push((key, map.next_value::<Any<'de>>()?));
        }
        Err(de::Error::missing_field(TAG))
    }
}

/// The variant's fields: those read before the tag, then the rest of the
/// object as it streams in (a second `t` is an error, as in the derived impl).
struct Rest<'de, A> {
    before: std::vec::IntoIter<(Key<'de>, Any<'de>)>,
    value: Option<Any<'de>>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        let key = match self.before.next() {
            Some((key, value)) => {
                self.value = Some(value);
                key
            }
            None => match self.map.next_key::<Key<'de>>()? {
                None => return Ok(None),
                Some(key) if key.as_str() == TAG => return Err(de::Error::duplicate_field(TAG)),
                Some(key) => key,
            },
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(AnyDeserializer::<A::Error>::new(v)),
            None => self.map.next_value_seed(seed),
        }
    }
}

/// An object key, borrowed from the input when the parser can.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Key<'de> {
    fn into_deserializer<E: de::Error>(self) -> KeyDeserializer<'de, E> {
        match self {
            Key::Borrowed(s) => KeyDeserializer::Borrowed(BorrowedStrDeserializer::new(s)),
            Key::Owned(s) => KeyDeserializer::Owned(s.into_deserializer()),
        }
    }
}

/// Text as a [`Key`]: borrowed when the parser lends it. [`Any`]'s strings
/// go through it too.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(s))
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

enum KeyDeserializer<'de, E> {
    Borrowed(BorrowedStrDeserializer<'de, E>),
    Owned(StringDeserializer<E>),
}

impl<'de, E: de::Error> Deserializer<'de> for KeyDeserializer<'de, E> {
    type Error = E;
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self {
            KeyDeserializer::Borrowed(d) => d.deserialize_any(v),
            KeyDeserializer::Owned(d) => d.deserialize_any(v),
        }
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        match self {
            KeyDeserializer::Borrowed(d) => d.deserialize_enum(name, variants, v),
            KeyDeserializer::Owned(d) => d.deserialize_enum(name, variants, v),
        }
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// A value read before the tag, kept until the variant asks for it.
enum Any<'de> {
    Unit,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Key<'de>),
    Seq(Vec<Any<'de>>),
    Map(Vec<(Key<'de>, Any<'de>)>),
}

impl<'de> Deserialize<'de> for Any<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Any<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_unit<E>(self) -> Result<Any<'de>, E> {
                Ok(Any::Unit)
            }
            fn visit_none<E>(self) -> Result<Any<'de>, E> {
                Ok(Any::Unit)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Any<'de>, D::Error> {
                Any::deserialize(d)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Any<'de>, E> {
                Ok(Any::Bool(b))
            }
            fn visit_i64<E>(self, x: i64) -> Result<Any<'de>, E> {
                Ok(Any::I64(x))
            }
            fn visit_u64<E>(self, x: u64) -> Result<Any<'de>, E> {
                Ok(Any::U64(x))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Any<'de>, E> {
                Ok(Any::F64(x))
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Any<'de>, E> {
                KeyVisitor.visit_borrowed_str(s).map(Any::Str)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Any<'de>, E> {
                KeyVisitor.visit_str(s).map(Any::Str)
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Any<'de>, E> {
                KeyVisitor.visit_string(s).map(Any::Str)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Any<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(Any::Seq(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Any<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = map.next_entry()? {
                    out.push(kv);
                }
                Ok(Any::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// An [`Any`] read back, as the parser would have given it.
struct AnyDeserializer<'de, E> {
    value: Any<'de>,
    error: std::marker::PhantomData<E>,
}

impl<'de, E> AnyDeserializer<'de, E> {
    fn new(value: Any<'de>) -> Self {
        Self { value, error: std::marker::PhantomData }
    }
}

impl<'de, E: de::Error> Deserializer<'de> for AnyDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.value {
            Any::Unit => v.visit_unit(),
            Any::Bool(b) => v.visit_bool(b),
            Any::I64(x) => v.visit_i64(x),
            Any::U64(x) => v.visit_u64(x),
            Any::F64(x) => v.visit_f64(x),
            Any::Str(s) => s.into_deserializer::<E>().deserialize_any(v),
            Any::Seq(xs) => {
                let mut seq = de::value::SeqDeserializer::new(xs.into_iter().map(AnyDeserializer::<E>::new));
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Any::Map(kvs) => v.visit_map(Rest {
                before: kvs.into_iter(),
                value: None,
                map: de::value::MapDeserializer::<_, E>::new(std::iter::empty::<(&str, ())>()),
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.value {
            Any::Unit => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    /// A unit variant is its name (every enum inside a body is one).
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        match self.value {
            Any::Str(s) => s.into_deserializer::<E>().deserialize_enum(name, variants, v),
            _ => self.deserialize_any(v),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, E> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

impl<'de, E: de::Error> IntoDeserializer<'de, E> for AnyDeserializer<'de, E> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `#[serde(tag = "t")]` derives: the behaviour to keep.
    #[derive(Debug, Deserialize)]
    #[serde(tag = "t", rename_all = "lowercase")]
    enum Derived {
        Report(Report),
        Incident(Incident),
        Activity(Activity),
    }

    impl From<Derived> for Body {
        fn from(d: Derived) -> Body {
            match d {
                Derived::Report(r) => Body::Report(r),
                Derived::Incident(i) => Body::Incident(i),
                Derived::Activity(a) => Body::Activity(a),
            }
        }
    }

    /// serde_json's message without its position (which says where the
    /// parser was: at the field itself now, at the object's end before).
    fn meaning(e: serde_json::Error) -> String {
        let s = e.to_string().replace("enum Derived", "enum Body");
        match s.rfind(" at line ") {
            Some(i) => s[..i].to_string(),
            None => s,
        }
    }

    /// The same answer from both, from text (borrowed keys) and from a
    /// `serde_json::Value` (owned keys, another deserializer).
    fn same(json: &str) -> Result<Body, String> {
        let ours = serde_json::from_str::<Body>(json).map_err(meaning);
        let derived = serde_json::from_str::<Derived>(json).map(Body::from).map_err(meaning);
        assert_eq!(ours, derived, "from text: {json}");
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
            let ours_v = serde_json::from_value::<Body>(v.clone()).map_err(meaning);
            let derived_v = serde_json::from_value::<Derived>(v).map(Body::from).map_err(meaning);
            assert_eq!(ours_v, derived_v, "from a Value: {json}");
        }
        ours
    }

    const REPORT: &str = r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":3,"values":{"hh":318.0,"note":"có","ok":true,"pop":1264.0},"difficulties":"Đường \"xấu\""}"#;
    const INCIDENT: &str = r#"{"t":"incident","id":"abc123","village":"pq-t01","kind":"flash_flood","at":1790000000000,"severity":"high","gps":{"lat":21.5,"lon":105.25,"acc":12.0},"people":4,"followups":[{"at":1790000000001,"people":5,"handled":true,"note":"x"}]}"#;
    const ACTIVITY: &str = r#"{"t":"activity","id":"act-001","village":"pq-t01","date":"2026-11-03","topic":"cashless","participants":12,"helped":3}"#;

    #[test]
    fn tag_first_reads_as_the_derived_impl() {
        for json in [REPORT, INCIDENT, ACTIVITY] {
            let b = same(json).expect(json);
            // And writes back the same text.
            assert_eq!(serde_json::to_string(&b).unwrap(), json, "{json}");
        }
    }

    /// Each key of each sample moved in front of the tag, one at a time and
    /// all of them: the buffered path gives the same body.
    #[test]
    fn tag_anywhere_reads_the_same() {
        for json in [REPORT, INCIDENT, ACTIVITY] {
            let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).unwrap();
            let expected = same(json).unwrap();
            let keys: Vec<&String> = v.keys().filter(|k| *k != "t").collect();
            for (i, _) in keys.iter().enumerate() {
                // Keys 0..=i first, then the tag, then the rest.
                let mut parts: Vec<String> =
                    keys[..=i].iter().map(|k| format!("{}:{}", serde_json::json!(k), v[*k])).collect();
                parts.push(format!("\"t\":{}", v["t"]));
                parts.extend(keys[i + 1..].iter().map(|k| format!("{}:{}", serde_json::json!(k), v[*k])));
                let moved = format!("{{{}}}", parts.join(","));
                assert_eq!(same(&moved).as_ref(), Ok(&expected), "{moved}");
            }
        }
    }

    #[test]
    fn errors_mean_what_the_derived_ones_mean() {
        let cases = [
            // No tag, an unknown or mistyped tag, a tag twice.
            r#"{"village":"pq-t01","period":"2026-11","cv":3}"#,
            r#"{}"#,
            r#"{"t":"rapport","village":"pq-t01","period":"2026-11","cv":3}"#,
            r#"{"village":"pq-t01","t":"rapport"}"#,
            r#"{"t":5,"village":"pq-t01"}"#,
            r#"{"t":null}"#,
            r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":3,"t":"report"}"#,
            r#"{"village":"pq-t01","t":"report","period":"2026-11","t":"incident","cv":3}"#,
            // Not an object.
            "5",
            "null",
            r#""report""#,
            "[]",
            // A field's own error, with the tag first and after the field.
            r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":"3"}"#,
            r#"{"cv":"3","t":"report","village":"pq-t01","period":"2026-11"}"#,
            r#"{"t":"report","village":"pq-t01","period":"2026-13","cv":3}"#,
            r#"{"period":"2026-13","t":"report","village":"pq-t01","cv":3}"#,
            r#"{"t":"report","village":"pq-t01","cv":3}"#,
            r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":3,"values":{"pop":[1]}}"#,
            r#"{"values":{"pop":null},"t":"report","village":"pq-t01","period":"2026-11","cv":3}"#,
            r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":-1}"#,
            r#"{"cv":4294967296,"t":"report","village":"pq-t01","period":"2026-11"}"#,
            r#"{"t":"report","village":"pq-t01","period":"2026-11","cv":3,"village":"pq-t02"}"#,
            r#"{"village":"pq-t02","t":"report","village":"pq-t01","period":"2026-11","cv":3}"#,
            r#"{"kind":"tsunami","t":"incident","id":"abc123","village":"v","at":1,"severity":"high"}"#,
            r#"{"t":"incident","id":"abc123","village":"v","kind":"flooding","at":1,"severity":"huge"}"#,
            r#"{"gps":{"lat":"x"},"t":"incident","id":"abc123","village":"v","kind":"flooding","at":1,"severity":"low"}"#,
            r#"{"people":null,"gps":null,"t":"incident","id":"abc123","village":"v","kind":"flooding","at":1,"severity":"low"}"#,
            r#"{"date":"2026-02-30","t":"activity","id":"act-001","village":"v","topic":"cashless","participants":1}"#,
            r#"{"t":"activity","id":"act-001","village":"v","date":"2026-02-03","topic":"cashless","participants":1.5}"#,
            // Escaped text before the tag (an owned key and value).
            r#"{"v\u0069llage":"pq-\u0074\"01","t":"report","period":"2026-11","cv":3,"values":{"h\u0068":1}}"#,
            // Unknown fields are ignored, before the tag and after.
            r#"{"x":{"y":[1,2,{"z":null}]},"t":"report","village":"pq-t01","period":"2026-11","cv":3,"w":1}"#,
            // The sequence form the derived impl also takes.
            r#"["report","pq-t01","2026-11",3]"#,
            r#"["report","pq-t01","2026-11",3,{},"a","b"]"#,
            r#"["rapport"]"#,
        ];
        for json in cases {
            same(json).ok();
        }
        assert_eq!(same(cases[0]), Err("missing field `t`".into()));
        assert!(same(cases[2]).unwrap_err().starts_with("unknown variant `rapport`"));
        assert_eq!(same(cases[6]), Err("duplicate field `t`".into()));
        assert!(same(cases[29]).is_ok());
    }

    #[test]
    fn inside_a_mutation() {
        let json =
            format!(r#"{{"id":"dev12345:7","seq":7,"record":"r.pq-t01.2026-11","base":0,"at":1,"body":{REPORT}}}"#);
        let m: crate::protocol::Mutation = serde_json::from_str(&json).unwrap();
        assert_eq!(m.body, same(REPORT).unwrap());
        let bad = json.replace(r#""t":"report""#, r#""t":"rapport""#);
        assert!(serde_json::from_str::<crate::protocol::Mutation>(&bad).is_err());
    }
}
