//! When a form's typing reaches the phone's storage.
//!
//! Writing the draft on every keystroke cost a cheap phone a storage write,
//! a JSON encoding of the whole report and the engine's reads, each time
//! (issue #10). The draft is now written after a pause in typing
//! ([`PAUSE_MS`]), and at once when the person leaves a field, leaves the
//! form, or the app goes to the background or away (a phone kills a
//! background tab only after it was hidden) — and never after the form was
//! saved and queued, which would turn the queued record back into a draft.

/// Typing pause after which the draft is written, ms.
pub const PAUSE_MS: u64 = 400;

/// Whether the form holds typing the phone's storage does not have yet.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Draft {
    unsaved: bool,
}

impl Draft {
    /// Something was typed.
    pub fn changed(&mut self) {
        self.unsaved = true;
    }

    /// Whether to write the draft now; after `true`, it counts as written.
    pub fn take(&mut self) -> bool {
        std::mem::take(&mut self.unsaved)
    }

    /// The form was saved and queued: what it holds is stored, and a
    /// pending pause or leaving the form writes nothing more.
    pub fn submitted(&mut self) {
        self.unsaved = false;
    }

    /// A write failed (storage full): it is still owed.
    pub fn failed(&mut self) {
        self.unsaved = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_is_written_once_at_the_first_occasion() {
        let mut d = Draft::default();
        assert!(!d.take(), "nothing typed, nothing to write");
        d.changed();
        d.changed();
        assert!(d.take(), "the pause (or leaving the field) writes it");
        assert!(!d.take(), "leaving the form afterwards writes nothing again");
    }

    #[test]
    fn nothing_is_written_after_the_form_was_queued() {
        let mut d = Draft::default();
        d.changed();
        d.submitted();
        assert!(!d.take(), "a pending pause must not turn the queued record back into a draft");
    }

    #[test]
    fn a_failed_write_is_tried_again() {
        let mut d = Draft::default();
        d.changed();
        assert!(d.take());
        d.failed();
        assert!(d.take());
    }
}
