//! A returned report on the phone: the commune's reason and the fields it
//! flagged, named as the form names them. Plain functions, tested natively;
//! home and the report form only show what they give.

use crate::i18n::Lang;
use sothon_domain::catalogue::Catalogue;
use sothon_domain::review::FieldComment;

/// The report's free-text fields (their element ids are their keys).
pub const TEXT_KEYS: [&str; 2] = sothon_domain::review::TEXT_FIELDS;

/// One flagged field: its key (the form's input), its label in `lang`, and
/// the officer's comment.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub key: String,
    pub label: String,
    pub comment: String,
}

/// The flagged fields in the order the server sent them (the catalogue's),
/// labelled for `lang`; a key this catalogue does not know (a newer
/// server's), or any key while the catalogue is not on the phone (`None`),
/// is shown as it is rather than dropped.
pub fn flags(cat: Option<&Catalogue>, lang: Lang, fields: &[FieldComment]) -> Vec<Flag> {
    fields
        .iter()
        .map(|f| {
            let label = match (f.field.as_str(), cat.and_then(|c| c.indicator(&f.field))) {
                ("difficulties", _) => lang.rv().difficulties.to_string(),
                ("proposals", _) => lang.rv().proposals.to_string(),
                (_, Some(i)) if lang == Lang::En => i.en.clone(),
                (_, Some(i)) => i.vi.clone(),
                (k, None) => k.to_string(),
            };
            Flag { key: f.field.clone(), label, comment: f.comment.clone() }
        })
        .collect()
}

/// The officer's comment on `key`, if it was flagged.
pub fn comment_on<'a>(fields: &'a [FieldComment], key: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.field == key).map(|f| f.comment.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sothon_domain::catalogue::current;

    fn fc(f: &str, c: &str) -> FieldComment {
        FieldComment { field: f.into(), comment: c.into() }
    }

    #[test]
    fn flags_are_named_as_the_form_names_them() {
        let cat = current();
        let fields = [fc("bhyt", "Thiếu 12 thẻ"), fc("proposals", "Ghi rõ"), fc("from_newer_server", "?")];
        let vi = flags(Some(cat), Lang::Vi, &fields);
        assert_eq!(vi[0].label, cat.indicator("bhyt").unwrap().vi);
        assert_eq!((vi[0].key.as_str(), vi[0].comment.as_str()), ("bhyt", "Thiếu 12 thẻ"));
        assert_eq!(vi[1].label, "Kiến nghị, đề xuất");
        assert_eq!(vi[2].label, "from_newer_server");
        let en = flags(Some(cat), Lang::En, &fields);
        assert_eq!(en[0].label, cat.indicator("bhyt").unwrap().en);
        assert_eq!(en[1].label, "Proposals");
    }

    #[test]
    fn without_the_catalogue_every_flag_keeps_its_comment() {
        let fields = [fc("bhyt", "Thiếu 12 thẻ"), fc("difficulties", "Ghi rõ")];
        let vi = flags(None, Lang::Vi, &fields);
        assert_eq!((vi[0].label.as_str(), vi[0].comment.as_str()), ("bhyt", "Thiếu 12 thẻ"));
        assert_eq!(vi[1].label, "Khó khăn, vướng mắc");
    }

    #[test]
    fn a_comment_is_found_by_its_field() {
        let fields = [fc("bhyt", "a"), fc("pop", "b")];
        assert_eq!(comment_on(&fields, "pop"), Some("b"));
        assert_eq!(comment_on(&fields, "hh"), None);
    }
}
