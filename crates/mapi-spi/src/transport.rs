//! A logged-on transport provider (`IXPLogon`).

use async_trait::async_trait;

use crate::error::ProviderResult;

/// A message handed to a transport: envelope plus RFC 5322 bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Envelope sender, when not the account's own address.
    pub from: Option<String>,
    /// Envelope recipients.
    pub recipients: Vec<String>,
    /// The message.
    pub raw: Vec<u8>,
}

/// A transport a provider has logged on to.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Address types it delivers to (`IXPLogon::AddressTypes`), e.g. `SMTP`.
    fn address_types(&self) -> Vec<String>;

    /// `IXPLogon::SubmitMessage`: sends the message.
    async fn submit(&self, message: &OutgoingMessage) -> ProviderResult<()>;

    /// `IXPLogon::TransportLogoff`.
    async fn logoff(&self);
}
