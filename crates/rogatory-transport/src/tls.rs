//! TLS for the QUIC link (spec §13.1): TLS 1.3 only, AES-GCM suites, ALPN
//! `rogatory/1`, a certificate required from both sides, each accepted only
//! when the SHA-256 of its SubjectPublicKeyInfo is the pin on a party card
//! the other side trusts. No early data, no resumption.
//!
//! The verifiers below replace the web PKI: a party's certificate is
//! self-signed (normal between jurisdictions), and what vouches for it is the
//! party card, itself self-signed with the party's Ed25519 key and compared
//! out of band. The handshake signatures are still verified, with the
//! provider's algorithms, against the certificate's key.

use std::sync::Arc;

use rogatory_core::crypto::sha256;
use rogatory_core::identity::card_valid_at;
use rogatory_core::{Identity, TrustStore};
use rogatory_wire::{Digest, Timestamp, TrustEntry};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use crate::error::{Result, TransportError};

/// The ALPN protocol id of version 1 of the session protocol.
pub const ALPN: &[u8] = b"rogatory/1";

/// The name the client asks for. Certificates are pinned, not matched
/// against names, and SNI is not sent, so this never leaves the client.
pub(crate) const SERVER_NAME: &str = "rogatory.invalid";

/// The one crypto provider: aws-lc-rs, restricted to the TLS 1.3 AES-GCM
/// suites (AES-128-GCM first: QUIC needs it for its initial packets anyway).
pub fn provider() -> Arc<CryptoProvider> {
    use rustls::crypto::aws_lc_rs::{cipher_suite, default_provider};
    let mut p = default_provider();
    p.cipher_suites = vec![
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        cipher_suite::TLS13_AES_256_GCM_SHA384,
    ];
    Arc::new(p)
}

/// SHA-256 of the DER SubjectPublicKeyInfo of a certificate: the pin a party
/// card carries (spec §3.1).
///
/// The certificate is parsed with `rustls-webpki`, the parser rustls itself
/// runs on every certificate it handles: no second X.509 parser enters the
/// build, and the SPKI it returns is the exact DER (outer SEQUENCE included)
/// that rcgen hashes when it makes the pin.
pub fn spki_sha256(cert_der: &[u8]) -> Result<Digest> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der)
        .map_err(|e| TransportError::Handshake(format!("unreadable certificate: {e}")))?;
    let spki = cert.subject_public_key_info();
    Ok(sha256(&[spki.as_ref()]))
}

/// The trust-store entries a certificate pin stands for at time `now`: the
/// cards with that pin that are not retired and valid now.
pub fn entries_for_pin<'a>(
    trust: &'a TrustStore,
    pin: &Digest,
    now: Timestamp,
) -> Vec<&'a TrustEntry> {
    trust
        .entries()
        .iter()
        .filter(|e| {
            !e.retired
                && trust.revocation(&e.key_id).is_none()
                && &e.card.body.tls_spki_sha256 == pin
                && card_valid_at(&e.card, now)
        })
        .collect()
}

/// Which peer certificates a verifier admits.
#[derive(Debug, Clone)]
enum Admit {
    /// Any card of the trust store, not retired and valid at the handshake
    /// (the receiver's rule).
    AnyTrusted(Arc<TrustStore>),
    /// Exactly this card (the sender's rule: the receiver it means to reach).
    Card(Box<TrustEntry>),
}

#[derive(Debug)]
struct PinVerifier {
    admit: Admit,
    algorithms: WebPkiSupportedAlgorithms,
}

fn refused() -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure)
}

impl PinVerifier {
    fn new(admit: Admit, provider: &CryptoProvider) -> Self {
        Self {
            admit,
            algorithms: provider.signature_verification_algorithms,
        }
    }

    fn check(&self, end_entity: &CertificateDer<'_>, now: UnixTime) -> Result<(), rustls::Error> {
        let pin = spki_sha256(end_entity.as_ref())
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let now = Timestamp(now.as_secs());
        let ok = match &self.admit {
            Admit::AnyTrusted(trust) => !entries_for_pin(trust, &pin, now).is_empty(),
            Admit::Card(entry) => {
                !entry.retired
                    && entry.card.body.tls_spki_sha256 == pin
                    && card_valid_at(&entry.card, now)
            }
        };
        if ok { Ok(()) } else { Err(refused()) }
    }

    fn tls13(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity, now)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.2 is not used".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl ClientCertVerifier for PinVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity, now)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("TLS 1.2 is not used".into()))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.tls13(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn own_certificate(
    identity: &Identity,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let tls = identity.tls().ok_or_else(|| {
        TransportError::Usage("this key file holds no TLS key and certificate".into())
    })?;
    let cert = CertificateDer::from(tls.cert_der.clone());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        tls.key_der.expose_secret().to_vec(),
    ));
    Ok((vec![cert], key))
}

fn config_error(e: rustls::Error) -> TransportError {
    TransportError::TlsConfig(e.to_string())
}

/// The receiver's TLS configuration: its own certificate, a certificate
/// required from every client and admitted only by a trusted card's pin; TLS
/// 1.3 only; no early data, no half-RTT data, no session tickets.
pub fn server_config(identity: &Identity, trust: Arc<TrustStore>) -> Result<rustls::ServerConfig> {
    let provider = provider();
    let verifier = Arc::new(PinVerifier::new(Admit::AnyTrusted(trust), &provider));
    let (chain, key) = own_certificate(identity)?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(config_error)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(config_error)?;
    cfg.alpn_protocols = vec![ALPN.to_vec()];
    cfg.max_early_data_size = 0;
    cfg.send_half_rtt_data = false;
    cfg.send_tls13_tickets = 0;
    cfg.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    Ok(cfg)
}

/// The sender's TLS configuration for one receiver: its own certificate as
/// the client certificate; the server admitted only when its certificate is
/// pinned by `receiver`'s card; TLS 1.3 only; no early data, no resumption,
/// no SNI.
pub fn client_config(identity: &Identity, receiver: &TrustEntry) -> Result<rustls::ClientConfig> {
    let provider = provider();
    let verifier = Arc::new(PinVerifier::new(
        Admit::Card(Box::new(receiver.clone())),
        &provider,
    ));
    let (chain, key) = own_certificate(identity)?;
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(config_error)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_auth_cert(chain, key)
        .map_err(config_error)?;
    cfg.alpn_protocols = vec![ALPN.to_vec()];
    cfg.enable_early_data = false;
    cfg.enable_sni = false;
    cfg.resumption = rustls::client::Resumption::disabled();
    Ok(cfg)
}

/// The pin of the certificate the peer of an established connection
/// presented.
pub fn peer_pin(conn: &quinn::Connection) -> Result<Digest> {
    let identity = conn
        .peer_identity()
        .ok_or_else(|| TransportError::Handshake("the peer presented no certificate".into()))?;
    let chain = identity
        .downcast::<Vec<CertificateDer<'static>>>()
        .map_err(|_| TransportError::Handshake("unexpected peer identity".into()))?;
    let end_entity = chain
        .first()
        .ok_or_else(|| TransportError::Handshake("the peer presented no certificate".into()))?;
    spki_sha256(end_entity.as_ref())
}

/// The ALPN protocol the connection agreed on must be ours.
pub(crate) fn check_alpn(conn: &quinn::Connection) -> Result<()> {
    let data = conn
        .handshake_data()
        .and_then(|d| d.downcast::<quinn::crypto::rustls::HandshakeData>().ok());
    match data.and_then(|d| d.protocol) {
        Some(p) if p == ALPN => Ok(()),
        _ => Err(TransportError::Handshake(
            "the peer did not agree on ALPN rogatory/1".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use rand_core::SeedableRng;
    use rogatory_core::Signer;
    use rogatory_wire::PartyId;

    fn identity(party: &str, seed: u8) -> Identity {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([seed; 32]);
        Identity::generate(
            PartyId::new(party).unwrap(),
            Timestamp(1_700_000_000),
            Timestamp(4_000_000_000),
            &mut rng,
        )
        .unwrap()
    }

    #[test]
    fn pin_matches_the_card() {
        let id = identity("de.bka", 1);
        let cert = &id.tls().unwrap().cert_der;
        assert_eq!(spki_sha256(cert).unwrap(), id.card().body.tls_spki_sha256);
        assert!(spki_sha256(&cert[..cert.len() - 1]).is_err());
        assert!(spki_sha256(b"not a certificate").is_err());
    }

    /// THREATS #18: no 0-RTT and no half-RTT data on either side, and the
    /// configurations quinn runs are built from these.
    #[test]
    fn early_data_is_off_on_both_sides() {
        let a = identity("de.bka", 1);
        let b = identity("fr.pnat", 2);
        let mut trust = TrustStore::new();
        trust.add(a.card().clone(), vec![]).unwrap();
        let server = server_config(&b, Arc::new(trust.clone())).unwrap();
        assert_eq!(server.max_early_data_size, 0);
        assert!(!server.send_half_rtt_data);
        assert_eq!(server.send_tls13_tickets, 0);
        assert_eq!(server.alpn_protocols, vec![ALPN.to_vec()]);
        let entry = trust.require(&a.key_id()).unwrap();
        let client = client_config(&b, entry).unwrap();
        assert!(!client.enable_early_data);
        assert!(!client.enable_sni);
        assert_eq!(client.alpn_protocols, vec![ALPN.to_vec()]);
        for suite in &client.crypto_provider().cipher_suites {
            assert!(format!("{:?}", suite.suite()).contains("GCM"));
        }
        quinn::crypto::rustls::QuicServerConfig::try_from(server).unwrap();
        quinn::crypto::rustls::QuicClientConfig::try_from(client).unwrap();
    }

    #[test]
    fn verifiers_admit_only_pinned_current_cards() {
        let a = identity("de.bka", 1);
        let b = identity("fr.pnat", 2);
        let mut trust = TrustStore::new();
        trust.add(a.card().clone(), vec![]).unwrap();
        let p = provider();
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000));
        let a_cert = CertificateDer::from(a.tls().unwrap().cert_der.clone());
        let b_cert = CertificateDer::from(b.tls().unwrap().cert_der.clone());
        let any = PinVerifier::new(Admit::AnyTrusted(Arc::new(trust.clone())), &p);
        assert!(any.check(&a_cert, now).is_ok());
        assert!(any.check(&b_cert, now).is_err());
        let late = UnixTime::since_unix_epoch(std::time::Duration::from_secs(4_100_000_000));
        assert!(any.check(&a_cert, late).is_err(), "card expired");
        trust.retire(&a.key_id()).unwrap();
        let any = PinVerifier::new(Admit::AnyTrusted(Arc::new(trust.clone())), &p);
        assert!(any.check(&a_cert, now).is_err(), "card retired");
        let one = PinVerifier::new(
            Admit::Card(Box::new(trust.require(&a.key_id()).unwrap().clone())),
            &p,
        );
        assert!(one.check(&b_cert, now).is_err());
    }
}
