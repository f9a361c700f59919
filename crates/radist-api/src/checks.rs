//! Checks the spec's rule vocabulary cannot say, called by name from `spec/api.toml`
//! (`[[method.check]] call = "crate::checks::..."`) inside the generated `validate()`.

use th_core::InvalidInput;

use crate::generated::SendMessage;
use crate::types::MessageType;

/// A message carries the payload of its `message_type`: `text` for text, `image` for an image,
/// …; a kind without a field of its own (`waba_interactive`, one this version does not know)
/// carries it as an extra param of the same name.
pub(crate) fn message_has_its_payload(m: &SendMessage) -> Result<(), InvalidInput> {
    let (field, present) = match &m.message_type {
        MessageType::Text => ("text", m.text.is_some()),
        MessageType::Image => ("image", m.image.is_some()),
        MessageType::File => ("file", m.file.is_some()),
        MessageType::Audio => ("audio", m.audio.is_some()),
        MessageType::Video => ("video", m.video.is_some()),
        MessageType::Voice => ("voice", m.voice.is_some()),
        other => (
            "message_type",
            m.extra.iter().any(|(name, _)| name == other.as_str()),
        ),
    };
    if present {
        Ok(())
    } else {
        Err(InvalidInput::new(
            field,
            "is required for this message_type",
        ))
    }
}
