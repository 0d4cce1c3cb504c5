//! The service implementations compiled into this build.

use mapi_spi::ProviderCatalog;

/// Every service this build can load: `local-store` and `contacts` with the `local`
/// feature, `internet-mail` with the `internet` feature.
pub fn catalog() -> ProviderCatalog {
    #[allow(unused_mut)]
    let mut c = ProviderCatalog::new();
    #[cfg(feature = "local")]
    mapi_provider_local::register(&mut c);
    #[cfg(feature = "internet")]
    mapi_provider_internet::register(&mut c);
    c
}
